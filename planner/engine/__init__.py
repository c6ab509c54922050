"""Installing a Plan: wave by wave, releases of a wave in parallel, helm and kubectl at the edges.

- `apply.apply_plan`: the orchestration (pure asyncio over the runner Protocols in `runner.py`);
- `helm.PyHelmRunner`: Helm releases through pyhelm3 over the real `helm` binary;
- `kubectl.KubectlRunner`: namespaces and kustomize releases through `kubectl apply --server-side`;
- `charts.resolve_targets`: where each release's chart or manifests come from (repo, OCI, local, mirror);
- `dryrun.describe`, `progress`: what a person sees.
"""
