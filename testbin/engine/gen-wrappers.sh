#!/usr/bin/env bash
# Regenerate the engine's wrapper go.mod/go.sum files from the pins in versions.env.
# Run only when changing a pin; build.sh uses the committed files.
# Upstream's go.mod files carry replace directives (`go install pkg@version` refuses them), so each binary is
# built from a wrapper module that requires it and copies the one non-local replace.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
export GOTOOLCHAIN=local CGO_ENABLED=0

modfile() { go mod download -json "$1" | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])'; }

gen() {  # dir module@version tool-pkg@version [extra module@version ...]
  local dir="$1" mod="$2" tool="$3"; shift 3
  local upstream; upstream="$(modfile "$mod")"
  rm -rf "${here:?}/$dir" && mkdir -p "$here/$dir"
  {
    echo "module stackplan.invalid/testbin/engine/$dir"
    echo
    grep -E '^go ' "$upstream"
    echo
    # Non-local replaces only (the `=> ../x` ones point into upstream's own repository).
    grep -E '^replace .* => [^.]' "$upstream" || true
  } > "$here/$dir/go.mod"
  (cd "$here/$dir" && go get -tool "$tool" && { [[ $# -eq 0 ]] || go get "$@"; })
}

gen pulumi "github.com/pulumi/pulumi/pkg/v3@${PULUMI_VERSION}" \
  "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@${PULUMI_VERSION}" \
  "github.com/pulumi/pulumi/sdk/v3@${PULUMI_VERSION}"
# The provider's ../sdk replace points at the Kubernetes Go SDK of the same commit: use its release tag.
gen pulumi-kubernetes "github.com/pulumi/pulumi-kubernetes/provider/v4@${PULUMI_KUBERNETES_MODULE_VERSION}" \
  "github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes@${PULUMI_KUBERNETES_MODULE_VERSION}" \
  "github.com/pulumi/pulumi-kubernetes/sdk/v4@v${PULUMI_KUBERNETES_VERSION}"
echo "wrappers regenerated in $here"
