"""`python -m n9e_k8s`: the CLI, for scripts that know the interpreter but not where it put `n9e-k8s`."""

from .cli import main

main()
