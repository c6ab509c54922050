"""CNCF Kubernetes AI Conformance: the upstream checklists as data, what a planned stack satisfies (plan
mode), and the evidence on a live cluster (checks in the `check` framework -> PRODUCT.yaml draft + junit.xml).
See docs/conformance.md."""
