#!/usr/bin/env bash
# Build the pinned test control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok, helm) from the Go module proxy into
#   ${STACKPLAN_TESTBIN_CACHE:-$HOME/.cache/stackplan/testbin}/<key>/
# Binaries that already exist are skipped. Progress goes to stderr; the last stdout
# line is the bin directory (use it as KUBEBUILDER_ASSETS).
# Set STACKPLAN_TESTBIN_CLEAN_GOCACHE=1 to run `go clean -cache` after a build.
set -euo pipefail

main() {
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  # shellcheck source=versions.env
  source "$here/versions.env"
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false"

  # shellcheck source=lib.sh
  source "$here/lib.sh"
  TESTBIN_LOG=testbin
  need_go 1.26

  # Bump when the build flags below change, so that the cache key changes with them.
  BUILD_REV=1
  # The key names every pin and hashes the wrapper modules and BUILD_REV.
  digest="$(key_digest "$here" "$BUILD_REV")"
  key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_helm-${HELM_VERSION}_${digest}"
  cache="${STACKPLAN_TESTBIN_CACHE:-$HOME/.cache/stackplan/testbin}"
  bin="$cache/$key"
  mkdir -p "$bin"
  lock_key "$cache" "$key"
  tmp="$(mktemp -d "$cache/.build-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT

  k8s_minor="${K8S_VERSION#v1.}"; k8s_minor="${k8s_minor%%.*}"
  C=k8s.io/component-base/version
  G=k8s.io/client-go/pkg/version
  k8s_ldflags="-s -w -X $C.gitVersion=$K8S_VERSION -X $C.gitMajor=1 -X $C.gitMinor=$k8s_minor \
  -X $C.gitTreeState=clean -X $G.gitVersion=$K8S_VERSION -X $G.gitMajor=1 -X $G.gitMinor=$k8s_minor \
  -X $G.gitTreeState=clean"

  # helm's offline default kube version = the client-go it is built with (major+1, minor).
  helm_cg="$(awk '$1=="k8s.io/client-go"{print $2}' "$here/helm/go.mod")"
  helm_minor="${helm_cg#v0.}"; helm_minor="${helm_minor%%.*}"
  H=helm.sh/helm/v3
  helm_ldflags="-s -w -X $H/internal/version.version=$HELM_VERSION -X $H/internal/version.gitTreeState=clean \
  -X $H/pkg/chartutil.k8sVersionMajor=1 -X $H/pkg/chartutil.k8sVersionMinor=$helm_minor \
  -X $H/pkg/lint/rules.k8sVersionMajor=1 -X $H/pkg/lint/rules.k8sVersionMinor=$helm_minor"

  build() {  # name wrapper-dir ldflags package
    local name="$1" dir="$2" ldflags="$3" pkg="$4"
    if [[ -x "$bin/$name" ]]; then log "$name: present"; return; fi
    log "$name: building $pkg"
    local start=$SECONDS
    (cd "$here/$dir" && go build -trimpath -ldflags "$ldflags" -o "$tmp/$name" "$pkg")
    mv -f "$tmp/$name" "$bin/$name"   # same filesystem: atomic rename
    log "$name: built in $((SECONDS - start))s"
  }

  build etcd etcd "-s -w" go.etcd.io/etcd/server/v3
  build kwok kwok "-s -w" sigs.k8s.io/kwok/cmd/kwok
  build kube-apiserver k8s "$k8s_ldflags" k8s.io/kubernetes/cmd/kube-apiserver
  build kube-controller-manager k8s "$k8s_ldflags" k8s.io/kubernetes/cmd/kube-controller-manager
  build kube-scheduler k8s "$k8s_ldflags" k8s.io/kubernetes/cmd/kube-scheduler
  build kubectl k8s "$k8s_ldflags" k8s.io/kubernetes/cmd/kubectl
  build helm helm "$helm_ldflags" "$H/cmd/helm"

  # kwok needs explicit stages: concatenate the ones shipped inside the kwok module.
  if [[ ! -s "$bin/kwok-stages.yaml" ]]; then
    kwok_dir="$(cd "$here/kwok" && go mod download sigs.k8s.io/kwok && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
    s="$kwok_dir/kustomize/stage"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      [[ -f "$s/$f" ]] || { log "missing stage file $s/$f"; exit 1; }
      printf -- '---\n'; cat "$s/$f"; printf '\n'
    done > "$tmp/kwok-stages.yaml"
    mv -f "$tmp/kwok-stages.yaml" "$bin/kwok-stages.yaml"
    log "kwok-stages.yaml written"
  fi

  if [[ "${STACKPLAN_TESTBIN_CLEAN_GOCACHE:-0}" == 1 ]]; then go clean -cache; log "GOCACHE cleaned"; fi
  echo "$bin"
}

main "$@"
