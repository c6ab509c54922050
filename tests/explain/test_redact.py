"""Redaction (what never leaves the process) and anonymization (names replaced, then restored)."""

from __future__ import annotations

import pytest

from planner.explain.redact import REDACTED, Anonymizer, Redactor, is_secret_name
from planner.explain.sanitize import Sanitizer
from planner.report import Explanation, Finding, Outcome, Subject

CANARY = "CANARY7f3c9e"


@pytest.mark.parametrize(("text", "rule"), [
    (f"Secret/team-a/hf data.token={CANARY}", "secret-data"),
    (f"Pod/llm/vllm-0 env HF_TOKEN={CANARY}", "credential-value"),
    (f"env DB_PASSWORD={CANARY}", "credential-value"),
    (f"env OPENAI_KEY={CANARY}", "credential-value"),
    (f"annotation example.com/api-token: {CANARY}", "credential-value"),
    (f'{{"password": "{CANARY}"}}', "credential-value"),
    (f"--client-secret={CANARY}", "credential-value"),
    (f'kubectl.kubernetes.io/last-applied-configuration={{"data":{{"x":"{CANARY}"}}}}', "last-applied-configuration"),
    (f"pull https://robot:{CANARY}@registry.example.com/v2/", "url-userinfo"),
    (f"Authorization: Bearer {CANARY}abcdef", "authorization"),
    (f"curl -H 'Bearer {CANARY}abcdef'", "bearer"),
    ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDQU5BUlk3ZjNjOWUifQ.c2lnbmF0dXJl", "jwt"),
    ("AKIAIOSFODNN7CANARY9 is the key", "aws-access-key"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA" + CANARY + "\n-----END RSA PRIVATE KEY-----", "private-key"),
    ("client-key-data LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBQ0FOQVJZN2YzYzll",
     "credential-value"),
    ("blob LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBQ0FOQVJZN2YzYzll", "base64-credential"),
    ("blob MIIEowIBAAKCAQEAw3CANARY7f3c9eqx9Yd0y8kVn2Zb4JqPpR1sT6uLmN0oXwE5", "base64-blob"),
    ("hf_abcdefghijklmnopqrstuvwxyzABCDEF1234 leaked", "api-token"),
])
def test_credentials_are_removed_and_counted(text: str, rule: str) -> None:
    r = Redactor()
    out = r(text)
    assert CANARY not in out and "CANARY" not in out.upper().replace("[REDACTED]", "")
    assert REDACTED in out
    assert r.counts[rule] >= 1, r.counts


@pytest.mark.parametrize("text", [
    "Node/gpu-1 .spec.taints[0].key=nvidia.com/gpu effect=NoSchedule",
    "image nvcr.io/nvidia/driver@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
    "ClusterQueue/gpu-queue condition Active=False reason=FlavorNotFound",
    "secretKeyRef optional=true imagePullSecrets=[] token=null",
    "InferenceService/models/llama3-8b condition Ready=False reason=MinimumReplicasUnavailable",
])
def test_ordinary_evidence_is_left_alone(text: str) -> None:
    r = Redactor()
    assert r(text) == text
    assert r.total == 0


def test_secret_context_redacts_every_data_key() -> None:
    r = Redactor()
    assert CANARY not in r(f"data.config.json={CANARY}", secret_context=True)
    assert r(f"data.config.json={CANARY}") == f"data.config.json={CANARY}"  # not a Secret: kept


@pytest.mark.parametrize(("name", "secret"), [
    ("HF_TOKEN", True), ("password", True), ("aws_secret_access_key", True), ("OPENAI_KEY", True),
    ("accessKey", True), ("hf-key", True), ("key", True), (".spec.taints[0].key", False), ("MODEL", False),
    ("replicas", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_anonymizer_round_trip_is_stable_and_collision_free() -> None:
    a = Anonymizer()
    text = ("Pod/llm-serving/vllm-engine-7d9 on node=gpu-node-1 (10.0.3.17) "
            "image=private.example.com/team/vllm:0.6; see llm-serving.svc; NAMESPACE_1 is a real word here")
    a.reserve([text])
    a.collect(text)
    hidden = a(text)
    for name in ("llm-serving", "vllm-engine-7d9", "gpu-node-1", "10.0.3.17", "private.example.com"):
        assert name not in hidden
    assert "NAMESPACE_1 is a real word" in hidden  # a token already in the input is never handed out
    assert a(text) == hidden  # stable
    assert a.restore(hidden) == text


def test_sanitizer_drops_sensitive_and_restores_answers() -> None:
    f = Finding("HC010", "Pods run", Outcome.FAILED, Subject("Pod", "trainer-0", "team-x"),
                f"Pod team-x/trainer-0 crashed, env API_TOKEN={CANARY}", evidence=("ran on node=worker-7",),
                sensitive=("acme-corp",), remediation="ask acme-corp ops", doc_url="https://internal.acme/x")
    s = Sanitizer(anonymize=True)
    [sent] = s.prepare([f])
    blob = repr(sent)
    for secret in (CANARY, "trainer-0", "team-x", "worker-7", "acme-corp", "internal.acme"):
        assert secret not in blob
    assert s.redactions == 1 and s.anonymized == 4
    back = s.restore(Explanation(f"{sent.subject} failed", "cause", f"fix on {sent.evidence[0]}",
                                 (f"kubectl -n {sent.subject.namespace} logs {sent.subject.name}",)))
    assert back.summary == "Pod/team-x/trainer-0 failed"
    assert back.commands == ("kubectl -n team-x logs trainer-0",)
    assert "node=worker-7" in back.fix


@pytest.mark.parametrize("text", [
    f"error: password={CANARY}",
    f"last log: token={CANARY}",
    f"unauthorized: basic auth user:{CANARY}",
    f"Authorization: Bearer {CANARY}",
    f"args: --password {CANARY} --verbose",
    f"users: [{{name: sa, user: {{token: bogus-token-{CANARY}}}}}]",
])
def test_qa_leaks_are_redacted(text: str) -> None:
    """The forms QA found passing through unchanged (a key after another `key:` was taken as its value)."""
    r = Redactor()
    assert CANARY not in r(text) and r.total >= 1


def test_anonymizer_never_takes_a_common_word_for_a_name() -> None:
    f = Finding("HC003", "Releases are deployed", Outcome.FAILED, Subject("Release", "kubeai", "kubeai"),
                "release kubeai is missing", remediation="`helm upgrade --install` the release if it is missing")
    s = Sanitizer(anonymize=True)
    [sent] = s.prepare([f])
    assert sent.remediation == "`helm upgrade --install` the release if it is missing"
    assert "kubeai" not in repr(sent) and "NAME_" not in sent.remediation


def test_anonymizer_replaces_images_in_free_text_and_restores_them() -> None:
    image = "registry.invalid/kubeai:CANARYIMAGETAG"
    f = Finding("HC010", "Pods run", Outcome.FAILED, Subject("Pod", "kubeai-0", "kubeai"), "ImagePullBackOff",
                evidence=(f'event Failed: Failed to pull image "{image}": not found',
                          "Back-off pulling image kserve/huggingfaceserver:v0.20.0-gpu",
                          "ErrImagePull: image pull failed"))
    s = Sanitizer(anonymize=True)
    [sent] = s.prepare([f])
    blob = repr(sent)
    assert "CANARYIMAGETAG" not in blob and "registry.invalid" not in blob and "huggingfaceserver" not in blob
    assert "image pull failed" in blob  # a word after `image` is no image
    placeholder = next(e for e in sent.evidence if "Failed to pull" in e).split('"')[1]
    back = s.restore(Explanation("s", "c", f"mirror {placeholder}", ()))
    assert back.fix == f"mirror {image}"
