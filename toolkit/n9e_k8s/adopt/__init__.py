"""`n9e-k8s adopt`: bring existing content (n9e boards and rules, Prometheus rules, PrometheusRule
objects, Grafana dashboards) into a source tree.

One reader per input format turns a file into :class:`model.Reading` (boards, rules and what it refused);
``plan`` places them in the target project (components, ids, merges with existing catalog entries, lint);
``writer`` turns the plan into source files, checked by loading the result before anything is written;
``ledger`` is what the command prints.
"""
