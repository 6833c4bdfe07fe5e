"""n9e-k8s: Kubernetes control-plane monitoring for Nightingale (n9e), kept as code."""

__version__ = "0.1.0"
