"""Decode Helm 3 release records — Secrets of type `helm.sh/release.v1` — and nothing else.

How Helm writes them (helm/helm@v3.21.4, commit 813176c5):
- `pkg/storage/driver/util.go` `encodeRelease`: `base64.StdEncoding(gzip(json.Marshal(release)))`, gzip at
  BestCompression; `decodeRelease` skips gunzip when the gzip magic `1f 8b 08` is absent (records written
  before compression).
- `pkg/storage/driver/secrets.go` `newSecretsObject`: that string is the bytes of `data["release"]` of a
  Secret of type `helm.sh/release.v1`, labelled `name`, `owner=helm`, `status` and `version`.
- `pkg/storage/storage.go` `makeKey`: the Secret is named `sh.helm.release.v1.<release>.v<revision>`.
- `pkg/release/release.go`, `info.go`, `status.go`: the JSON fields read below.
The Kubernetes API serves Secret data base64-encoded, so a record read from the REST API is base64 twice.

Only the fields drift needs are kept (name, namespace, revision, status, chart name/version, the
user-supplied `config`, and small summaries of the manifest's Deployments/DaemonSets/StatefulSets — see
`planner/drift/workloads.py`: only those documents are parsed, Secrets, ConfigMaps and everything else in the
manifest are skipped unparsed); the manifest text, hooks, notes and the chart's own files and default values
are dropped as soon as a record is decoded. Error messages name the Secret, never its data.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.drift.workloads import WorkloadSpec, workloads_from_manifest

RECORD_TYPE = "helm.sh/release.v1"
NAME_PREFIX = "sh.helm.release.v1."
FIELD_SELECTOR = f"type={RECORD_TYPE}"
LABEL_SELECTOR = "owner=helm"
_GZIP_MAGIC = b"\x1f\x8b\x08"
_MAX_RECORD_BYTES = 64 * 1024 * 1024  # a decompressed record larger than this is refused (gzip bombs)

# pkg/release/status.go: transitions, not states
PENDING = frozenset({"pending-install", "pending-upgrade", "pending-rollback"})
GONE = frozenset({"uninstalled", "uninstalling"})


class RecordError(ValueError):
    """A release record that cannot be decoded (the message names the Secret, never its data)."""


@dataclass(frozen=True)
class HelmRelease:
    """The part of one Helm release record that drift compares."""

    name: str
    namespace: str
    revision: int
    status: str
    chart: str
    chart_version: str
    app_version: str = ""
    description: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)  # user-supplied values (may hold secrets)
    secret: str = ""  # the Secret holding the record
    workloads: tuple[WorkloadSpec, ...] = ()  # the manifest's Deployments/DaemonSets/StatefulSets, summarized
    unparsed_workloads: int = 0  # workload documents of the manifest that could not be parsed

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    @property
    def is_gone(self) -> bool:
        return self.status in GONE


def is_record(secret: Mapping[str, Any]) -> bool:
    return secret.get("type") == RECORD_TYPE


def _meta(secret: Mapping[str, Any]) -> Mapping[str, Any]:
    return secret.get("metadata") or {}


def record_key(secret: Mapping[str, Any]) -> tuple[str, str, int] | None:
    """(namespace, release name, revision) from the Secret's name and labels, without decoding it."""
    meta = _meta(secret)
    name = str(meta.get("name") or "")
    labels = meta.get("labels") or {}
    if not name.startswith(NAME_PREFIX):
        return None
    stem, _, rev = name[len(NAME_PREFIX):].rpartition(".v")
    release = labels.get("name") or stem
    try:
        revision = int(labels.get("version") or rev)
    except ValueError:
        return None
    return str(meta.get("namespace") or ""), str(release), revision


def encode_release(release: Mapping[str, Any]) -> str:
    """What Helm stores in `data["release"]` (for tests and benchmarks): base64(gzip(json))."""
    raw = json.dumps(release, separators=(",", ":")).encode()
    return base64.b64encode(_gzip(raw)).decode()


def _gzip(raw: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container, like Go's gzip.Writer
    return compressor.compress(raw) + compressor.flush()


def record_secret(release: Mapping[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
    """A Secret exactly as the Kubernetes API would serve Helm's record of `release` (data base64 twice)."""
    ns = namespace or str(release.get("namespace") or "default")
    status = str((release.get("info") or {}).get("status") or "deployed")
    version = int(release.get("version") or 1)
    stored = encode_release(release).encode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": RECORD_TYPE,
        "metadata": {
            "name": f"{NAME_PREFIX}{release['name']}.v{version}",
            "namespace": ns,
            "labels": {"name": str(release["name"]), "owner": "helm", "status": status, "version": str(version)},
        },
        "data": {"release": base64.b64encode(stored).decode()},
    }


def _gunzip(blob: bytes, where: str) -> bytes:
    inflater = zlib.decompressobj(31)
    try:
        out = inflater.decompress(blob, _MAX_RECORD_BYTES)
    except zlib.error as e:
        raise RecordError(f"{where}: release record is not valid gzip ({e})") from None
    if inflater.unconsumed_tail:
        raise RecordError(f"{where}: release record is larger than {_MAX_RECORD_BYTES} bytes when decompressed")
    return out


def decode_payload(stored: bytes | str, where: str = "release record") -> dict[str, Any]:
    """Helm's `decodeRelease`: base64, then gunzip when the gzip magic is present, then JSON."""
    try:
        blob = base64.b64decode(stored, validate=True)
    except (binascii.Error, ValueError):
        raise RecordError(f"{where}: release record is not base64") from None
    if len(blob) > 3 and blob[:3] == _GZIP_MAGIC:
        blob = _gunzip(blob, where)
    try:
        doc = json.loads(blob)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise RecordError(f"{where}: release record is not JSON") from None
    if not isinstance(doc, dict):
        raise RecordError(f"{where}: release record is not a JSON object")
    return doc


def summarize(doc: Mapping[str, Any], where: str = "release record", secret: str = "",
              default_namespace: str = "") -> HelmRelease:
    """Keep only what drift compares from a decoded release (pkg/release/release.go field names)."""
    info = doc.get("info") or {}
    chart = doc.get("chart") or {}
    meta = chart.get("metadata") or {}
    config = doc.get("config") or {}
    if not isinstance(config, dict) or not isinstance(info, dict) or not isinstance(meta, dict):
        raise RecordError(f"{where}: release record has an unexpected shape")
    try:
        revision = int(doc.get("version") or 0)
    except (TypeError, ValueError):
        raise RecordError(f"{where}: release record has a non-numeric version") from None
    namespace = str(doc.get("namespace") or default_namespace)
    found = workloads_from_manifest(doc.get("manifest"), namespace)
    return HelmRelease(
        name=str(doc.get("name") or ""),
        namespace=namespace,
        revision=revision,
        status=str(info.get("status") or "unknown"),
        chart=str(meta.get("name") or ""),
        chart_version=str(meta.get("version") or ""),
        app_version=str(meta.get("appVersion") or ""),
        description=str(info.get("description") or ""),
        config=config,
        secret=secret,
        workloads=found.workloads,
        unparsed_workloads=found.unparsed,
    )


def decode_record(secret: Mapping[str, Any]) -> HelmRelease:
    """One record Secret (as the API serves it) -> HelmRelease. Refuses any Secret of another type."""
    meta = _meta(secret)
    where = f"Secret {meta.get('namespace') or '?'}/{meta.get('name') or '?'}"
    if not is_record(secret):
        raise RecordError(f"{where} is not a Helm release record (type {secret.get('type')!r})")
    data = secret.get("data") or {}
    if "release" not in data:
        raise RecordError(f"{where}: no `release` key in its data")
    try:
        stored = base64.b64decode(data["release"], validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise RecordError(f"{where}: data.release is not base64") from None
    return summarize(decode_payload(stored, where), where, secret=str(meta.get("name") or ""),
                     default_namespace=str(meta.get("namespace") or ""))


@dataclass(frozen=True)
class DecodedRecords:
    """The newest record of each release, and the records that could not be decoded (by Secret)."""

    releases: Mapping[tuple[str, str], HelmRelease]  # (namespace, release name) -> newest revision
    errors: Mapping[tuple[str, str], str]  # (namespace, release name) -> reason


def latest_releases(secrets: Iterable[Mapping[str, Any]]) -> DecodedRecords:
    """Pick each release's newest revision from the Secrets' names/labels, and decode only that one.

    Like `helm list`, the newest revision is the release's state: a failed upgrade leaves the older
    revision `deployed` and the newest `failed`. Secrets of any other type are ignored, undecoded.
    """
    newest: dict[tuple[str, str], tuple[int, Mapping[str, Any]]] = {}
    for s in secrets:
        if not is_record(s):
            continue
        key = record_key(s)
        if key is None:
            continue
        ns, name, rev = key
        if (ns, name) not in newest or rev > newest[(ns, name)][0]:
            newest[(ns, name)] = (rev, s)
    releases: dict[tuple[str, str], HelmRelease] = {}
    errors: dict[tuple[str, str], str] = {}
    for key, (_, s) in sorted(newest.items()):
        try:
            releases[key] = decode_record(s)
        except RecordError as e:
            errors[key] = str(e)
    return DecodedRecords(releases, errors)
