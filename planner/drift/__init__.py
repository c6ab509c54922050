"""Drift detection: the plan vs the live cluster (Helm release records, CRDs, workloads, Pulumi preview)."""
