"""stackplan: plan, install, health-check and drift-check AI/ML platform stacks on Kubernetes."""

__version__ = "0.1.0"
