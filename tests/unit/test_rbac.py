"""`stackplan rbac`: the ClusterRole covers exactly what the checks read, read-only, never Secrets."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from planner.checks.registry import kinds_read
from planner.commands.rbac import rbac
from planner.kinds import PREFLIGHT_EXTRA_KINDS
from planner.rbac import RbacSubject, read_rules


def docs(args: list[str]) -> list[dict]:
    result = CliRunner().invoke(rbac, args)
    assert result.exit_code == 0, result.output
    return [d for d in YAML(typ="safe").load_all(result.output) if d]


def test_cluster_role_grants_exactly_the_kinds_checks_read() -> None:
    [sa, role, binding] = docs([])
    granted = {(g, r) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
    assert granted == {(k.group, k.plural) for k in (*kinds_read(), *PREFLIGHT_EXTRA_KINDS)}
    assert all(rule["verbs"] == ["get", "list", "watch"] for rule in role["rules"])
    assert not any(r == "secrets" for _, r in granted)
    assert sa["kind"] == "ServiceAccount" and binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "stackplan", "namespace": "default"}]
    assert binding["roleRef"]["name"] == role["metadata"]["name"] == "stackplan-check"


def test_drift_roles_per_plan_namespace() -> None:
    out = docs(["--drift", "--profile", "llm-inference", "--subject", "group:sre"])
    roles = [d for d in out if d["kind"] == "Role" and d["metadata"]["name"] == "stackplan-drift-release-records"]
    assert {r["metadata"]["namespace"] for r in roles} == {"gpu-operator", "kubeai"}
    assert all(r["rules"] == [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}] for r in roles)
    bindings = [d for d in out if d["kind"] == "RoleBinding"]
    assert len(bindings) == 4 and bindings[0]["subjects"][0]["kind"] == "Group"  # check's and drift's Roles
    assert not any(d["kind"] == "ServiceAccount" for d in out)
    drift_cluster = [d for d in out if d["kind"] == "ClusterRole" and d["metadata"]["name"] == "stackplan-drift"]
    assert [r["rules"] for r in drift_cluster] == [[{"apiGroups": ["autoscaling"],
                                                     "resources": ["horizontalpodautoscalers"],
                                                     "verbs": ["get", "list", "watch"]}]]
    assert any(d["kind"] == "ClusterRoleBinding" and d["roleRef"]["name"] == "stackplan-drift" for d in out)


def test_roles_only_and_bad_subject() -> None:
    assert [d["kind"] for d in docs(["--roles-only"])] == ["ClusterRole"]
    result = CliRunner().invoke(rbac, ["--subject", "serviceaccount:nons"])
    assert result.exit_code == 2 and "serviceaccount:NAMESPACE:NAME" in result.output



def test_check_release_status_roles_list_only_secrets_in_the_plan_namespaces() -> None:
    out = docs(["--profile", "llm-inference"])
    roles = [d for d in out if d["kind"] == "Role"]
    assert {r["metadata"]["namespace"] for r in roles} == {"gpu-operator", "kubeai"}
    assert all(r["metadata"]["name"] == "stackplan-secret-metadata" for r in roles)
    assert all(r["rules"] == [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}] for r in roles)
    assert len([d for d in out if d["kind"] == "RoleBinding"]) == 2
    cluster_roles = [d for d in out if d["kind"] == "ClusterRole"]
    assert not any(r == "secrets" for c in cluster_roles for rule in c["rules"] for r in rule["resources"])
    without_plan = CliRunner().invoke(rbac, [])
    assert "no Roles for HC090" in without_plan.output and "kind: Role\n" not in without_plan.output


def test_secrets_can_never_enter_the_check_role() -> None:
    from planner.kinds import HELM_RELEASE_SECRETS

    with pytest.raises(ValueError, match="never grant Secrets"):
        read_rules([HELM_RELEASE_SECRETS])
    assert RbacSubject.parse("user:alice").to_dict()["apiGroup"] == "rbac.authorization.k8s.io"
