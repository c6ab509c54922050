#!/usr/bin/env bash
# Build the pinned Pulumi engine used by the cluster tests: the Pulumi CLI and the Kubernetes resource
# provider, from the Go module proxy, into
#   ${STACKPLAN_TESTBIN_CACHE:-$HOME/.cache/stackplan/testbin}/<key>/{pulumi,pulumi-resource-kubernetes}
# A key of its own (not the control plane's testbin/build.sh key): changing an engine pin never rebuilds the
# control plane, and the control plane's key does not see these files (they sit one level deeper).
# Binaries that already exist are skipped; the two are built side by side. Progress goes to stderr; the last
# stdout line is the bin directory (put it on PATH). The build uses a private GOCACHE in its temp directory,
# removed when it ends (the provider alone leaves several GB), so the user's own build cache is neither filled
# nor cleaned.
set -euo pipefail

main() {
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  # shellcheck source=versions.env
  source "$here/versions.env"
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false"

  # shellcheck source=../lib.sh
  source "$here/../lib.sh"
  TESTBIN_LOG=testbin/engine
  need_go 1.26.6

  # Bump when the build flags below change, so that the cache key changes with them.
  BUILD_REV=1
  digest="$(key_digest "$here" "$BUILD_REV")"
  key="pulumi-${PULUMI_VERSION}_kubernetes-v${PULUMI_KUBERNETES_VERSION}_${digest}"
  cache="${STACKPLAN_TESTBIN_CACHE:-$HOME/.cache/stackplan/testbin}"
  bin="$cache/$key"
  mkdir -p "$bin"
  lock_key "$cache" "$key"
  tmp="$(mktemp -d "$cache/.build-XXXXXX")"
  # The copied module comes from the read-only module cache: make it writable before removing it.
  trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
  export GOCACHE="$tmp/gocache"

  timed() {  # name command...: runs it, logging wall, CPU seconds and peak RSS when /usr/bin/time is there
    local name="$1"; shift
    if [[ -x /usr/bin/time ]]; then
      /usr/bin/time -f "%e s wall, %U+%S s CPU, %M kB peak RSS" -o "$tmp/time-$name" "$@"
      log "$name: built ($(cat "$tmp/time-$name"))"
    else
      "$@"; log "$name: built"
    fi
  }

  build_cli() {  # flags from upstream's .goreleaser.yml: tags osusergo,grpcnotrace; the version ldflag
    cd "$here/pulumi"
    timed pulumi go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    mv -f "$tmp/pulumi" "$bin/pulumi"   # same filesystem: atomic rename
  }

  # The provider embeds schema-embed.json and terraform-mapping-embed.json, which upstream's Makefile writes
  # with `VERSION=… go generate` (cmd/pulumi-resource-kubernetes/generate.go) and never commits. Generate them
  # in a writable copy of the module and build that copy through a `replace` in a copy of the wrapper module.
  build_provider() {
    local mod="github.com/pulumi/pulumi-kubernetes/provider/v4" src
    src="$(cd "$here/pulumi-kubernetes" && go mod download -json "$mod@$PULUMI_KUBERNETES_MODULE_VERSION" \
      | python3 -c 'import json,sys;print(json.load(sys.stdin)["Dir"])')"
    cp -r "$src" "$tmp/provider" && chmod -R u+w "$tmp/provider"
    mkdir -p "$tmp/wrapper" && cp "$here/pulumi-kubernetes/go.mod" "$here/pulumi-kubernetes/go.sum" "$tmp/wrapper/"
    cd "$tmp/wrapper"
    go mod edit -replace "$mod=$tmp/provider"
    local cmd="$tmp/provider/cmd/pulumi-resource-kubernetes"
    go build -o "$tmp/generate" "$cmd/generate.go"   # built with the wrapper's (= the provider's) dependencies
    (cd "$cmd" && VERSION="$PULUMI_KUBERNETES_VERSION" "$tmp/generate")
    [[ -s "$cmd/schema-embed.json" ]] || { log "schema-embed.json was not generated"; return 1; }
    timed pulumi-resource-kubernetes go build -trimpath \
      -ldflags "-s -w -X $mod/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
      -o "$tmp/pulumi-resource-kubernetes" "$mod/cmd/pulumi-resource-kubernetes"
    mv -f "$tmp/pulumi-resource-kubernetes" "$bin/pulumi-resource-kubernetes"
  }

  local pids=() names=() name i failed=0
  for name in pulumi pulumi-resource-kubernetes; do
    if [[ -x "$bin/$name" ]]; then log "$name: present"; continue; fi
    log "$name: building (${PULUMI_VERSION} / v${PULUMI_KUBERNETES_VERSION})"
    if [[ $name == pulumi ]]; then (build_cli) & else (build_provider) & fi
    pids+=("$!"); names+=("$name")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { log "${names[$i]}: build failed (see above)"; failed=1; }
  done
  [[ $failed == 0 ]] || exit 1
  echo "$bin"
}

main "$@"
