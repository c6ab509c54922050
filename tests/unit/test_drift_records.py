"""Helm release record decoding, on records built the way helm/helm v3 encodes them.

helm pkg/storage/driver/util.go encodeRelease: base64(gzip(json)); secrets.go stores that string as the
bytes of data["release"], which the Kubernetes API serves base64-encoded once more.
"""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from planner.drift.helm_records import (
    RECORD_TYPE,
    RecordError,
    decode_record,
    latest_releases,
    record_key,
    record_secret,
)
from tests.unit.drift_fixtures import helm_doc


def _api_secret(payload: bytes, name: str = "sh.helm.release.v1.mlflow.v1", **meta) -> dict:
    """A Secret as the API serves it, holding `payload` as Helm's stored string."""
    return {"type": RECORD_TYPE, "metadata": {"name": name, "namespace": "ml", **meta},
            "data": {"release": base64.b64encode(payload).decode()}}


def test_decodes_a_gzip_record_as_helm_writes_it():
    doc = helm_doc("mlflow", chart="mlflow", version="1.11.5", revision=3, status="deployed",
                   config={"replicaCount": 2, "auth": {"password": "hunter2"}})
    stored = base64.b64encode(gzip.compress(json.dumps(doc).encode(), compresslevel=9))  # Go: StdEncoding
    rel = decode_record(_api_secret(stored, "sh.helm.release.v1.mlflow.v3"))
    assert (rel.name, rel.namespace, rel.revision, rel.status) == ("mlflow", "ml", 3, "deployed")
    assert (rel.chart, rel.chart_version, rel.app_version) == ("mlflow", "1.11.5", "9.9.9")
    assert rel.config == {"replicaCount": 2, "auth": {"password": "hunter2"}}
    assert rel.secret == "sh.helm.release.v1.mlflow.v3"


def test_keeps_nothing_but_the_compared_fields():
    rel = decode_record(record_secret(helm_doc("mlflow")))
    kept = json.dumps(rel.__dict__, default=str)
    assert "manifest-secret" not in kept  # the rendered manifest
    assert "chart-default-secret" not in kept  # the chart's default values
    assert "NOTES" not in kept and "a2luZDogWA==" not in kept


def test_decodes_an_uncompressed_legacy_record():
    """decodeRelease skips gunzip when the gzip magic is absent (records from before compression)."""
    stored = base64.b64encode(json.dumps(helm_doc("old", status="superseded")).encode())
    assert decode_record(_api_secret(stored)).status == "superseded"


def test_refuses_other_secret_types_without_decoding():
    secret = _api_secret(b"c2VjcmV0", "db-credentials")
    secret["type"] = "Opaque"
    with pytest.raises(RecordError) as e:
        decode_record(secret)
    assert "db-credentials" in str(e.value) and "c2VjcmV0" not in str(e.value)


@pytest.mark.parametrize("payload, reason", [
    (b"!!not base64!!", "not base64"),
    (base64.b64encode(b"\x1f\x8b\x08garbage"), "not valid gzip"),
    (base64.b64encode(gzip.compress(b"[1, 2]")), "not a JSON object"),
    (base64.b64encode(gzip.compress(b"{broken")), "not JSON"),
])
def test_malformed_records_raise_a_record_error_naming_the_secret(payload, reason):
    with pytest.raises(RecordError) as e:
        decode_record(_api_secret(payload))
    assert reason in str(e.value) and "ml/sh.helm.release.v1.mlflow.v1" in str(e.value)


def test_record_key_reads_names_and_labels():
    s = record_secret(helm_doc("my.app", revision=12))
    assert record_key(s) == ("ml", "my.app", 12)
    assert record_key({"type": RECORD_TYPE, "metadata": {"name": "other"}}) is None


def test_latest_release_is_the_newest_revision_and_only_it_is_decoded():
    secrets = [record_secret(helm_doc("a", revision=r, status=s))
               for r, s in ((1, "superseded"), (2, "deployed"), (3, "failed"))]
    secrets.append(_api_secret(b"garbage", "sh.helm.release.v1.b.v1"))  # broken, older than b.v2
    secrets.append(record_secret(helm_doc("b", revision=2)))
    secrets.append({"type": "Opaque", "metadata": {"name": "sh.helm.release.v1.c.v1", "namespace": "ml"},
                    "data": {"release": "x"}})
    got = latest_releases(reversed(secrets))
    assert {k: (v.revision, v.status) for k, v in got.releases.items()} == {
        ("ml", "a"): (3, "failed"), ("ml", "b"): (2, "deployed")}
    assert got.errors == {}


def test_an_undecodable_newest_record_is_an_error_not_a_crash():
    got = latest_releases([record_secret(helm_doc("a", revision=1)),
                           _api_secret(b"garbage", "sh.helm.release.v1.a.v2",
                                       labels={"name": "a", "version": "2", "owner": "helm"})])
    assert got.releases == {} and "sh.helm.release.v1.a.v2" in got.errors[("ml", "a")]


def test_keeps_workload_summaries_from_the_manifest_and_nothing_else_of_it():
    manifest = ("---\n# Source: c/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                "stringData: {token: manifest-secret}\n"
                "---\n# Source: c/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\n"
                "metadata: {name: web}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n"
                "      - name: app\n        image: registry.invalid/app:1\n"
                "        env: [{name: API_TOKEN, value: env-secret}, {name: MODE, value: fast}]\n")
    rel = decode_record(record_secret(helm_doc("mlflow", manifest=manifest)))
    (w,) = rel.workloads
    assert (w.ref(), w.replicas, w.containers[0].image) == ("Deployment/ml/web", 2, "registry.invalid/app:1")
    assert [(e.name, e.value) for e in w.containers[0].env if e.name == "MODE"] == [("MODE", "fast")]
    kept = repr(rel)
    assert "manifest-secret" not in kept and "env-secret" not in kept and "Source:" not in kept
