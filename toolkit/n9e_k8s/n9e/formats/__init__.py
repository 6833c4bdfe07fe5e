"""The n9e object formats and their checks, one module per kind (``board``, ``rules``) and what they share
(``common``). Each kind has a detector (``is_*``: how an exported file's object is recognised) and a validator
(``validate_*``: JSON Schema, then what a schema cannot say), plus the checks a sync runs before writing
(``*_write_problems``). Heavy imports (jsonschema, the PromQL parser) happen inside the validators."""
