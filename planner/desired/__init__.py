"""The desired state a Plan declares, built in one place. Pure.

The Pulumi program (planner/emit), `stackplan apply` (planner/engine), `check` (planner/checks) and `drift`
(planner/drift) all read the cluster they want from here and from the Plan itself; none re-derives it:

| what | where |
|---|---|
| how each release is installed (Helm chart, or kustomize) | `Release.install` (planner/install.py, by resolve) |
| the values each release gets (models included) | `Release.values` (resolve; `objects.model_values`) |
| the workload namespace | `Plan.workload_namespace` (stack file `workloadNamespace`) |
| namespaces and their labels | `namespaces.namespace_specs` |
| custom resources and the models' ServiceAccount | `objects.plan_objects` |
| stackplan's labels and annotations | `labels` |
| Helm revision descriptions (written and parsed) | `revision` |
"""
