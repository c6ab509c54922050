#!/usr/bin/env bash
# Regenerate the wrapper go.mod/go.sum files from the pins in versions.env.
# Run only when changing a pin; build.sh uses the committed files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
export GOTOOLCHAIN=local CGO_ENABLED=0

modfile() { go mod download -json "$1" | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])'; }

# Kubernetes: map every staging module (replace => ./staging/...) to its published v0.x tag.
staging_version="v0.${K8S_VERSION#v1.}"
k8s_mod="$(modfile "k8s.io/kubernetes@${K8S_VERSION}")"
rm -rf "$here/k8s" && mkdir -p "$here/k8s"
{
  echo "module stackplan.invalid/testbin/k8s"
  echo
  grep -E '^go |^godebug ' "$k8s_mod"
  echo
  echo "replace ("
  grep -E '=> \./staging/' "$k8s_mod" | awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
  echo ")"
} > "$here/k8s/go.mod"
(cd "$here/k8s" && go get -tool \
  "k8s.io/kubernetes/cmd/kube-apiserver@${K8S_VERSION}" \
  "k8s.io/kubernetes/cmd/kube-controller-manager@${K8S_VERSION}" \
  "k8s.io/kubernetes/cmd/kube-scheduler@${K8S_VERSION}" \
  "k8s.io/kubernetes/cmd/kubectl@${K8S_VERSION}")

gen_simple() {  # dir module-path tool-pkg@version
  rm -rf "${here:?}/$1" && mkdir -p "$here/$1"
  printf 'module stackplan.invalid/testbin/%s\n\ngo 1.26\n' "$1" > "$here/$1/go.mod"
  (cd "$here/$1" && go get -tool "$2")
}
gen_simple etcd "go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
gen_simple kwok "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"
gen_simple helm "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
echo "wrappers regenerated in $here"
