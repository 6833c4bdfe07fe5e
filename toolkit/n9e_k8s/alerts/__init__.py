"""Alert and recording rules: source (alerts/*.yaml, :mod:`.model`), n9e and Prometheus rendering (:mod:`.render`),
the build's files (:mod:`.produce`) and the checks of n9e rule exports (:mod:`.validate`). The package imports
nothing, so that loading the source model pulls no renderer."""
