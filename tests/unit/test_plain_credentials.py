"""Canaries through the CLI: a credential in the stack file or `--set` is refused (exit 2, file:line:col or the
flag, never the value); a broken kubeconfig is reported by position, never by the parser's snippet; the
real catalog's defaults, profiles and choices never trip the refusal."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from planner.catalog import load_catalog
from planner.model import StackSpec
from planner.resolve import resolve
from planner.secrets import literal_credentials
from tests.cli_helpers import run_cli

CANARY = "hf_CANARYq7Zabcdefghijklmnopqrstuv"

STACK = """\
profile: llm-inference
choices: {serving: kubeai}
components:
  kubeai:
    values:
      replicaCount: 1
      secrets:
        huggingface:
          token: "%s"
"""


def _no_canary(*texts: str) -> None:
    for t in texts:
        assert "CANARY" not in t, t


@pytest.mark.parametrize("command", [("validate",), ("plan", "-o", "json"), ("plan",)])
def test_credential_in_the_stack_file_is_refused_by_position(tmp_path: Path, capsys, command) -> None:
    stack = tmp_path / "stackplan.yaml"
    stack.write_text(STACK % CANARY)
    result = run_cli(capsys, *command, "-f", str(stack))
    assert result.code == 2, result.err
    assert f"{stack}:9:18: " in result.err and "secrets.huggingface.token" in result.err
    assert "pulumi config set --secret stackplan:huggingfaceToken" in result.err
    assert "Traceback" not in result.err
    _no_canary(result.out, result.err)


@pytest.mark.parametrize("key", ["secrets.huggingface.token", "env.0.password", "open-webui.adminpw",
                                 "ingress.auth.apiKey", "secrets.s3.secretKey", "secrets.s3.accessKey",
                                 "secrets.sso.privateKey", "secrets.db.credentials", "args.0.MY_PASSWORD"])
def test_credential_in_set_is_refused_naming_the_flag(capsys, key: str) -> None:
    result = run_cli(capsys, "plan", "--profile", "llm-inference", "--set", f"kubeai.{key}=CANARYSETVALUE1")
    assert result.code == 2, (result.out, result.err)
    assert f"--set kubeai.{key}" in result.err and "plain text" in result.err
    _no_canary(result.out, result.err)


def test_references_and_empty_values_are_accepted(capsys) -> None:
    for expr in ("kubeai.secrets.huggingface.token=", "kubeai.open-webui.existingSecret=owui-admin",
                 "kubeai.secrets.huggingface.secretName=hf", "kubeai.auth.passwordKey=admin-password"):
        result = run_cli(capsys, "plan", "--profile", "llm-inference", "--set", expr, "-o", "json")
        assert "plain text" not in result.err, (expr, result.err)


def test_init_set_refuses_the_token_and_writes_nothing(tmp_path: Path, capsys) -> None:
    target = tmp_path / "proj"
    result = run_cli(capsys, "init", "--profile", "llm-inference", "--dir", str(target),
                     "--set", f"kubeai.secrets.huggingface.token={CANARY}")
    assert result.code == 2, result.err
    assert "--set kubeai.secrets.huggingface.token" in result.err
    _no_canary(result.out, result.err)
    assert not (target / "stackplan.yaml").exists()
    for f in tmp_path.rglob("*"):
        if f.is_file():
            _no_canary(f.read_text(errors="replace"))


def _combinations(profile) -> list[dict[str, str]]:
    names = sorted(profile.choices)
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(sorted(profile.choices[n].options) for n in names))]


def test_no_blueprint_default_profile_or_choice_value_trips_the_refusal() -> None:
    """Every profile x every combination of choices: the resolved values hold no literal credential, and given
    back as the user's own `--set` values (as if copied into the stack file) they are accepted."""
    catalog = load_catalog()
    runs = 0
    for profile in catalog.profiles.values():
        for choices in _combinations(profile):
            plan = resolve(catalog, StackSpec(profile=profile.name, choices=choices))
            for rid, release in plan.releases.items():
                assert literal_credentials(release.values) == [], (profile.name, choices, rid)
            sets = [(rid, key.replace(".", "\\."), value) for rid, release in plan.releases.items()
                    for key, value in release.values.items()]
            again = resolve(catalog, StackSpec(profile=profile.name, choices=choices), sets)
            assert again.releases.keys() == plan.releases.keys()
            runs += 1
    assert runs >= len(catalog.profiles)


def test_broken_kubeconfig_names_the_position_never_the_snippet(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.kubeconfig"
    bad.write_text("apiVersion: v1\nkind: Config\n"
                   "users: [{name: sa, user: {token: bogus-token-CANARYKUBE1}\n"
                   "contexts: [{name: c, context: {cluster: c, user: sa}}]\n")
    result = run_cli(capsys, "check", "--profile", "llm-inference", "--kubeconfig", str(bad))
    assert result.code == 2, result.err
    assert f"{bad}:4:1: " in result.err and "cannot read kubeconfig" in result.err
    _no_canary(result.out, result.err)


def test_duplicate_key_in_kubeconfig_does_not_quote_either_value(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "dup.kubeconfig"
    bad.write_text("users:\n- name: sa\n  user:\n    token: CANARYKUBE2\n    token: CANARYKUBE3\n")
    result = run_cli(capsys, "check", "--profile", "llm-inference", "--kubeconfig", str(bad))
    assert result.code == 2 and f"{bad}:5:5: " in result.err, result.err
    _no_canary(result.out, result.err)


def test_undecodable_client_key_is_named_not_shown(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "key.kubeconfig"
    bad.write_text("apiVersion: v1\ncurrent-context: c\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
                   "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
                   "users: [{name: u, user: {client-certificate-data: 'CANARYKUBE4!', client-key-data: 'x'}}]\n")
    result = run_cli(capsys, "check", "--profile", "llm-inference", "--kubeconfig", str(bad))
    assert result.code == 2, result.err
    assert "client" in result.err and "Traceback" not in result.err
    _no_canary(result.out, result.err)


def test_malformed_set_does_not_echo_the_value(capsys) -> None:
    result = run_cli(capsys, "init", "--profile", "llm-inference", "--set", f"token={CANARY}")
    assert result.code == 2 and "--set 'token'=…" in result.err, result.err
    _no_canary(result.out, result.err)


def test_credentials_in_model_args_sources_and_mirror_urls_are_refused(tmp_path: Path, capsys) -> None:
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: llm-inference\nchoices: {serving: kubeai}\nmirror:\n"
                     "  charts: oci://robot:CANARYMIRROR1@registry.internal/charts\n"
                     "models:\n- name: llama\n  source: hf://meta-llama/Llama-3.1-8B-Instruct\n"
                     "  args: [--max-model-len=8192, --api-key=CANARYARG1]\n")
    result = run_cli(capsys, "plan", "-f", str(stack), "-o", "json")
    assert result.code == 2, result.err
    assert f"{stack}:4:" in result.err and "`mirror.charts`" in result.err
    assert f"{stack}:8:" in result.err and "`models.0.args.1`" in result.err
    _no_canary(result.out, result.err)


def test_unloadable_certificate_authority_is_named_not_shown(tmp_path: Path, capsys) -> None:
    import base64

    ca = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nCANARYKUBE5\n-----END CERTIFICATE-----\n").decode()
    bad = tmp_path / "ca.kubeconfig"
    bad.write_text("apiVersion: v1\ncurrent-context: c\n"
                   "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', "
                   f"certificate-authority-data: {ca}}}}}]\n"
                   "contexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\n")
    result = run_cli(capsys, "check", "--profile", "llm-inference", "--kubeconfig", str(bad))
    assert result.code == 2 and "certificate authority" in result.err, result.err
    assert "Traceback" not in result.err
    _no_canary(result.out, result.err)
