"""Dashboards: source YAML (dashboards/*.yaml, :mod:`.source`) -> n9e board JSON (:mod:`.render`), written by the
build (:mod:`.produce`). The package imports nothing, so that loading the source model pulls no renderer."""
