"""The Helm chart as an operator meets it: it renders, validates, holds no secret, locks its pods down, restricts
their egress, autoscales only as asked, refuses bad values with a message, and agrees with the kustomize base."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.http import backlog

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".venv-gates"
CHART = REPO / "deploy" / "helm" / "production-master"
KUSTOMIZE_BASE = REPO / "deploy" / "kubernetes" / "base"

pytestmark = pytest.mark.skipif(
    not (TOOLS / ".installed").exists() and os.environ.get("PM_UNDER_MAKE") != "1",
    reason="the chart renders with helm-python-sdk in .venv-gates, installed by `make test` / `make gates`",
)

Documents = list[dict[str, Any]]


def helm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(TOOLS / "bin" / "python"), str(REPO / "scripts" / "render_helm.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def render(*sets: str) -> Documents:
    result = helm(*(arg for value in sets for arg in ("--set", value)))
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def rendered_cases(tmp_path: Path) -> dict[str, Documents]:
    """What the manifests gate renders: default values and each ci/*-values.yaml."""
    result = helm("--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    paths = [Path(line) for line in result.stdout.splitlines()]
    return {p.stem.removeprefix("helm-"): [d for d in yaml.safe_load_all(p.read_text()) if d] for p in paths}


def one(documents: Documents, kind: str) -> dict[str, Any]:
    (found,) = [d for d in documents if d["kind"] == kind]
    return found


def kinds(documents: Documents) -> set[str]:
    return {d["kind"] for d in documents}


def pod_specs(documents: Documents) -> list[dict[str, Any]]:
    return [d["spec"]["template"] for d in documents if d["kind"] in ("Deployment", "Job")]


def test_every_case_renders_and_every_object_validates(tmp_path: Path) -> None:
    cases = rendered_cases(tmp_path)
    assert set(cases) == {"default", "hpa", "keda"}
    for documents in cases.values():
        expected = {"Deployment", "Service", "Job", "ServiceAccount", "PodDisruptionBudget", "NetworkPolicy"}
        assert expected <= kinds(documents)
    files = sorted(str(p) for p in tmp_path.glob("helm-*.yaml"))
    result = subprocess.run(
        [str(TOOLS / "bin" / "kubernetes-validate"), "--strict", "--quiet", "--no-warn", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout + result.stderr


def test_no_secret_is_rendered_and_every_secret_reference_names_an_existing_secret(tmp_path: Path) -> None:
    for case, documents in rendered_cases(tmp_path).items():
        assert "Secret" not in kinds(documents), case
        for pod in pod_specs(documents):
            for container in pod["spec"]["containers"]:
                refs = {e["secretRef"]["name"] for e in container.get("envFrom", [])}
                refs |= {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e}
                literal = {e["name"] for e in container["env"] if "value" in e}
                assert {"DATABASE_URL", "REDIS_URL", "PM_REDIS_URL", "PM_SERVICE_TOKEN"}.isdisjoint(literal)
                wanted = {"keda": {"production-master", "pm-postgresql", "pm-redis"}}.get(case, {"production-master"})
                assert refs == wanted, (case, refs)


def test_pods_run_as_non_root_with_a_read_only_root_and_no_token(tmp_path: Path) -> None:
    documents = rendered_cases(tmp_path)["default"]
    assert one(documents, "ServiceAccount")["automountServiceAccountToken"] is False
    pods = pod_specs(documents)
    assert len(pods) == 2
    for pod in pods:
        spec = pod["spec"]
        assert spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] > 0
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True
            assert context["capabilities"]["drop"] == ["ALL"]
            assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp", "/data"}
            assert container["resources"]["limits"] and container["resources"]["requests"]
    (server,) = one(documents, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert server["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert server["livenessProbe"]["httpGet"]["path"] == server["startupProbe"]["httpGet"]["path"] == "/healthz"


def _egress_ports(policy: dict[str, Any]) -> set[int]:
    return {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}


def test_the_network_policy_covers_every_pod_and_allows_only_named_egress(tmp_path: Path) -> None:
    cases = rendered_cases(tmp_path)
    default = cases["default"]
    policy = one(default, "NetworkPolicy")
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    selector = policy["spec"]["podSelector"]["matchLabels"]
    for pod in pod_specs(default):
        assert selector.items() <= pod["metadata"]["labels"].items(), "a pod escapes the NetworkPolicy"
    assert all(rule.get("ports") for rule in policy["spec"]["egress"]), "an egress rule allows every port"
    assert _egress_ports(policy) == {53, 5432, 6379, 443}
    assert [p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]] == [2026]

    narrowed = one(cases["hpa"], "NetworkPolicy")
    narrow = [rule for rule in narrowed["spec"]["egress"] if "to" in rule]
    blocks = {p["port"]: [peer["ipBlock"]["cidr"] for peer in rule["to"]] for rule in narrow for p in rule["ports"]}
    assert blocks == {5432: ["10.20.0.0/24"], 6379: ["10.20.1.0/24"], 443: ["203.0.113.0/24"]}

    no_providers = one(render("networkPolicy.providers.cidrs=null"), "NetworkPolicy")
    assert _egress_ports(no_providers) == {53, 5432, 6379}
    assert "NetworkPolicy" not in kinds(render("networkPolicy.enabled=false"))


def test_autoscalers_appear_only_when_enabled_and_keda_replaces_the_hpa(tmp_path: Path) -> None:
    cases = rendered_cases(tmp_path)
    assert {"HorizontalPodAutoscaler", "ScaledObject"}.isdisjoint(kinds(cases["default"]))
    assert one(cases["default"], "Deployment")["spec"]["replicas"] == 2

    assert "ScaledObject" not in kinds(cases["hpa"])
    hpa = one(cases["hpa"], "HorizontalPodAutoscaler")
    deployment = one(cases["hpa"], "Deployment")
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert "replicas" not in deployment["spec"], "helm upgrades would fight the autoscaler over replicas"

    keda = cases["keda"]
    assert "HorizontalPodAutoscaler" not in kinds(keda), "two HPAs would scale one Deployment"
    scaled, deployment = one(keda, "ScaledObject"), one(keda, "Deployment")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1" and "replicas" not in deployment["spec"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (3, 12)
    triggers = {t["type"]: t for t in scaled["spec"]["triggers"]}
    assert set(triggers) == {"prometheus", "cpu"}
    query = triggers["prometheus"]["metadata"]["query"]
    assert backlog.RUNS_PENDING._name in query and backlog.RUNS_RUNNING._name in query
    pod = deployment["spec"]["template"]
    assert f'app="{pod["metadata"]["labels"]["app"]}"' in query, "the query selects pods the Deployment does not label"
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("existingSecret=", "existingSecret is required"),
        ("existingSecret=null", "missing property 'existingSecret'"),
        ("image.repository=", "/image/repository"),
        ("extraEnv[0].name=PM_SLACK_BOT_TOKEN,extraEnv[0].value=xoxb-1", "does not belong in values"),
        ("keda.enabled=true,keda.prometheus.serverAddress=", "keda.prometheus.serverAddress is required"),
        ("networkPolicy.providers.cidrs={0.0.0.0}", "/networkPolicy/providers/cidrs/0"),
    ],
)
def test_bad_values_fail_rendering_with_a_message_naming_the_value(value: str, message: str) -> None:
    result = helm("--set", value)
    assert result.returncode == 1 and result.stdout == ""
    assert message in result.stderr and result.stderr.startswith("render_helm: ")


def _kustomize_documents() -> Documents:
    return [d for d in yaml.safe_load_all((KUSTOMIZE_BASE / "production-master.yaml").read_text()) if d]


def test_the_chart_and_the_kustomize_base_configure_the_same_instances(tmp_path: Path) -> None:
    chart = one(rendered_cases(tmp_path)["default"], "Deployment")["spec"]["template"]["spec"]
    base = one(_kustomize_documents(), "Deployment")["spec"]["template"]["spec"]
    (ours,), (theirs,) = chart["containers"], base["containers"]
    assert {e["name"]: e["value"] for e in ours["env"] if "value" in e} == {
        e["name"]: e["value"] for e in theirs["env"] if "value" in e
    }
    for key in ("command", "startupProbe", "readinessProbe", "livenessProbe", "resources", "imagePullPolicy"):
        assert ours[key] == theirs[key], key
    assert ours["image"].split(":")[0] == theirs["image"].split(":")[0]
    assert [p["containerPort"] for p in ours["ports"]] == [p["containerPort"] for p in theirs["ports"]]
    assert ours["securityContext"].items() >= theirs["securityContext"].items()
    assert chart["securityContext"] == base["securityContext"]
    assert chart["terminationGracePeriodSeconds"] == base["terminationGracePeriodSeconds"]
    service = one(_kustomize_documents(), "Service")["spec"]["ports"][0]["port"]
    assert one(render(), "Service")["spec"]["ports"][0]["port"] == service
