"""From a Plan to things outside stackplan: the Pulumi program and the files of a Pulumi project.

Pure modules (no pulumi import): `labels` (identity labels and annotations), `sources` (chart and
kustomize locations), `crs` (the custom resources a profile needs, as plain dicts), `settings`
(what the program reads from Pulumi config), `scaffold` (the files `stackplan init` writes).
`pulumi` is the only module that imports pulumi / pulumi_kubernetes, and only inside `build`.
"""
