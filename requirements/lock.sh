#!/usr/bin/env bash
# Refresh the dependency locks from pyproject.toml (needs `pip install uv`):
#   bash requirements/lock.sh            keep current pins where pyproject still allows them
#   bash requirements/lock.sh --upgrade  move every pin to the newest release pyproject allows
# Both files pin every direct and transitive dependency with hashes, for every platform (--universal),
# and install with plain pip: `pip install -r requirements/requirements-test.txt`.
set -euo pipefail
cd "$(dirname "$0")/.."
common=(--quiet --universal --python-version 3.11 --generate-hashes --no-header --annotation-style line "$@")
uv pip compile "${common[@]}" pyproject.toml -o requirements/requirements.txt
uv pip compile "${common[@]}" --extra test pyproject.toml -o requirements/requirements-test.txt
