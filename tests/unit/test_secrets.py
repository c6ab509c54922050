"""planner.secrets: one set of rules for credentials. Canaries are planted in every form; none may come out."""

from __future__ import annotations

import re

import pytest

from planner.drift.compare import drift_report
from planner.drift.values_diff import diff_values
from planner.engine.state import trim_error
from planner.render.report import RENDERERS
from planner.secrets import (
    MASK,
    REDACTED,
    is_credential_key,
    is_reference_key,
    is_secret_key,
    literal_credentials,
    mask,
    mask_tree,
    redact_text,
)
from tests.unit.drift_fixtures import plan, rec, release

CANARY = "CANARYq7Z"
PEM = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA" + CANARY + "\nabcd\n-----END RSA PRIVATE KEY-----")
B64_KEY = "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBQ0FOQVJZcTda"  # "-----BEGIN RSA PRIVATE
B64_USERPASS = "YWRtaW46Q0FOQVJZcTda"  # base64("admin:CANARYq7Z")
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDQU5BUllxN1oifQ.c2lnbmF0dXJl"  # sub=CANARYq7Z

# every form a credential takes in an error, an event, a pod message, a YAML or JSON snippet
LEAKS = [
    f"error: password={CANARY}",
    f"last log: token={CANARY}",
    f"unauthorized: basic auth user:{CANARY}",
    f"Authorization: Bearer {CANARY}",
    f"authorization: basic {B64_USERPASS}",
    f"curl -H 'bearer {CANARY}abcdefgh'",
    f"pull https://robot:{CANARY}@registry.example.com/v2/",
    f"git clone https://oauth2:{CANARY}@git.example.com/x.git",
    f"run --password {CANARY} --db x",
    f"run --password={CANARY}",
    f"password := {CANARY}",
    f"run --client-secret {CANARY}1",
    f"mysql -uroot -p{CANARY} app",
    f"redis-cli -h redis -a {CANARY} ping",
    f"password {CANARY}",
    f'{{"password": "{CANARY}"}}',
    f"{{'apiKey': '{CANARY}'}}",
    f"users: [{{name: sa, user: {{token: bogus-token-{CANARY}}}}}]",
    f"client-key-data: {B64_KEY}",
    f"client-certificate-data: x\nclient-key-data: {B64_KEY}",
    f"  token: {CANARY}",
    f"openwebui.adminpw: \"{CANARY}\"",
    f"env HF_TOKEN={CANARY}",
    f"env OPENAI_KEY={CANARY}",
    f"MY_PASSWORD={CANARY}",
    f"s3: accessKey={CANARY} secretKey={CANARY}",
    f"privateKey: {CANARY}",
    f"credentials={CANARY}",
    f"annotation example.com/api-token: {CANARY}",
    f'{{"name": "DB_PASSWORD", "value": "{CANARY}"}}',
    f"- name: HF_TOKEN\n  value: {CANARY}",
    f"token {JWT}",
    f"saw {JWT} in the header",
    "key AKIAIOSFODNN7CANARY9 leaked",
    f"secret material {PEM} end",
    f"blob {B64_KEY}",
    f"auth header {B64_USERPASS}",
    "hf_CANARYq7Zabcdefghijklmnopqrstuv in the log",
    f"dsn=postgres://app:{CANARY}@db:5432/app",
    f"Secret/ns/x data.token={CANARY}",
]


@pytest.mark.parametrize("text", LEAKS)
def test_every_credential_form_is_redacted(text: str) -> None:
    out = redact_text(text)
    assert CANARY not in out and "CANARY" not in out, out
    assert REDACTED in out
    assert CANARY not in redact_text(text, marker=MASK)


@pytest.mark.parametrize("text", [
    "timed out waiting for the condition on customresourcedefinitions/workflowtaskresults.argoproj.io",
    "Failed to pull image \"registry.invalid/kubeai:v0.22.1\": not found",
    "image nvcr.io/nvidia/driver@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "kubeconfig not found",
    "secretName: foo",
    "existingSecret: mlflow-db",
    "passwordKey: admin-password userKey: username",
    "valueFrom.secretKeyRef.key=token",
    "imagePullSecrets=[] token=null password=\"\" secret=${HF_TOKEN}",
    "Node/gpu-1 .spec.taints[0].key=nvidia.com/gpu effect=NoSchedule",
    "topologyKey: kubernetes.io/hostname",
    "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
    "password authentication failed for user \"mlflow\"",
    "the token expired; secret mlflow-db not found",
    "Secret/ml/hf-token .data.token absent",
    "docker run -p 8080:80 web",
    "basic authentication failed; Bearer authentication required",
    "MountVolume.SetUp failed for volume \"hf-token\" : secret \"hf-token\" not found",
    "secrets \"hf-token\" is forbidden: User \"system:serviceaccount:ml:runner\" cannot get resource \"secrets\"",
    "annotation validation error: key \"meta.helm.sh/release-name\" must equal \"kubeai\"",
    "executing \"kubeai/templates/secret.yaml\" at <.Values.secrets.huggingface.token>: nil pointer",
    "ClusterQueue/gpu-queue condition Active=False reason=FlavorNotFound",
    "pod-template-hash=7d9f8c6b5 uid=4f1c2a9e-0b1d-4c3e-9f2a-1b2c3d4e5f60",
])
def test_ordinary_text_is_kept(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(("key", "credential", "secret", "reference"), [
    ("password", True, True, False), ("adminpw", True, True, False), ("MY_PASSWORD", True, True, False),
    ("token", True, True, False), ("HF_TOKEN", True, True, False), ("clientSecret", True, True, False),
    ("apiKey", True, True, False), ("accessKey", True, True, False), ("secretKey", True, True, False),
    ("privateKey", True, True, False), ("credentials", True, True, False), ("client-key-data", True, True, False),
    ("OPENAI_KEY", True, True, False), ("connectionString", True, True, False),
    ("key", False, True, False), ("basicAuth", False, True, False), ("topologyKey", False, True, False),
    ("existingSecret", False, False, True), ("secretName", False, False, True), ("tlsSecretName", False, False, True),
    ("secretKeyRef", False, False, True), ("passwordKey", False, False, True), ("userKey", False, False, True),
    ("existingSecretPasswordKey", False, False, True), ("tokenFile", False, False, True),
    ("imagePullSecrets", False, False, True),
    ("replicaCount", False, False, False), ("keyspace", False, False, False), ("monkey", False, False, False),
    ("certManager", False, False, False), ("bypass", False, False, False), ("sessionAffinity", False, False, False),
    (".spec.taints[0].key", False, False, False),
])
def test_key_rules(key: str, credential: bool, secret: bool, reference: bool) -> None:
    assert (is_credential_key(key), is_secret_key(key), is_reference_key(key)) == (credential, secret, reference)


def test_mask_tree_hides_credentials_at_every_depth_and_keeps_references() -> None:
    tree = {"openwebui": {"adminpw": CANARY, "existingSecret": "owui"}, "env": [{"name": "HF_TOKEN", "value": CANARY}],
            "args": [f"--token={CANARY}"], "tolerations": [{"key": "nvidia.com/gpu"}], "auth": {"user": CANARY}}
    shown = repr(mask_tree(tree))
    assert CANARY not in shown
    for kept in ("owui", "nvidia.com/gpu", "HF_TOKEN"):
        assert kept in shown
    assert mask(CANARY, "password") == MASK and mask("x", "replicas") == "x"


def test_literal_credentials_finds_user_literals_but_not_references() -> None:
    values = {"secrets": {"huggingface": {"token": CANARY}}, "auth": {"existingSecret": "s", "passwordKey": "pw"},
              "env": [{"name": "API_TOKEN", "value": CANARY}, {"name": "T", "valueFrom": {"secretKeyRef": {
                  "name": "s", "key": "token"}}}],
              "db": {"password": "", "token": None, "apiKey": "${API_KEY}"},
              "backend": f"postgresql://u:{CANARY}@db/x", "replicaCount": 2}
    assert sorted(literal_credentials(values)) == [("backend",), ("env", "0", "value"),
                                                    ("secrets", "huggingface", "token")]


def test_apply_error_trimmer_masks_credentials_and_keeps_object_names() -> None:
    out = trim_error("Error: UPGRADE FAILED: timed out waiting for the condition on "
                     "customresourcedefinitions/workflowtaskresults.argoproj.io\n")
    assert "customresourcedefinitions/workflowtaskresults.argoproj.io" in out and "***" not in out
    for leak in LEAKS:
        assert CANARY not in trim_error(leak + "\nError: UPGRADE FAILED: x"), leak


def test_drift_masks_canaries_in_every_output_format() -> None:
    planned = {"openwebui": {"adminpw": "planned-" + CANARY}, "secrets": {"token": "a" + CANARY},
               "extraEnv": {"MY_PASSWORD": "p" + CANARY}, "replicaCount": 1}
    live = {"openwebui": {"adminpw": CANARY + "3"}, "secrets": {"token": CANARY + "t"},
            "extraEnv": {"MY_PASSWORD": CANARY + "p"}, "replicaCount": 2, "args": [f"--api-key={CANARY}"]}
    assert {c.path for c in diff_values(planned, live)} >= {"openwebui.adminpw", "replicaCount"}
    report = drift_report(plan(release("app", values=planned)), _live(rec("app", config=live)))
    for fmt, render in RENDERERS.items():
        text = render(report)
        assert "openwebui.adminpw" in text, fmt
        assert not re.search("CANARY", text), (fmt, text[:400])


def _live(*records):
    from planner.drift.live import LiveFacts

    return LiveFacts(releases={(r.namespace, r.name): r for r in records}, crds={},
                     workloads={"Deployment": {}, "DaemonSet": {}, "StatefulSet": {}})
