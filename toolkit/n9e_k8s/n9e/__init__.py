"""The n9e wing: every fact about Nightingale in one package, below the renderers and the sync.

* ``versions``: what differs per n9e version (``ServerFeatures``), the render targets ``v7``/``v8``/``v9``, the
  defaults and the version parser;
* ``formats``: the n9e object formats (boards, alert rules, recording rules) and their checks, the forbidden name
  characters, the all-week list and the datasource field conversion;
* ``client``: the HTTP client.

Nothing here imports the renderers, the sync, the commands or the source model. This module imports nothing, so
that ``n9e_k8s.n9e.versions`` stays cheap for the CLI's start-up (the client pulls in requests).
"""
