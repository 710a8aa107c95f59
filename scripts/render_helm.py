"""Renders the Helm chart deploy/helm/production-master to YAML, as `helm template` would, with no helm binary.

.venv-gates/bin/python scripts/render_helm.py -f my.yaml --set keda.enabled=true   # one render, to stdout
.venv-gates/bin/python scripts/render_helm.py --out out/manifests   # the gate's cases: default values and each
    ci/*-values.yaml, linted (`helm lint --strict`) and rendered to helm-NAME.yaml; prints one path a line
Renderer: helm-python-sdk (Helm v4's Go SDK in a shared library bundled in its wheel, scripts/gates-requirements.txt).
Values are checked against values.schema.json first, as `helm install` does; bad values exit 1 with helm's message.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import helm_python as helm

REPO = Path(__file__).resolve().parents[1]
CHART = REPO / "deploy" / "helm" / "production-master"
RELEASE = "production-master"  # names the objects as deploy/kubernetes does
NAMESPACE = "production-master"


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge, override winning; a None survives so that helm drops that default, as `--set key=null` does."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def overrides(files: list[Path], sets: list[str]) -> dict[str, Any]:
    """Values from `-f` files then `--set` strings, later ones winning, as helm reads them."""
    values: dict[str, Any] = {}
    for path in files:
        values = merge(values, helm.values_from_yaml(path.read_text()) or {})
    for expression in sets:
        values = merge(values, helm.parse_set_string(expression))
    return values


def render(values: dict[str, Any], chart: Path = CHART, name: str = RELEASE, namespace: str = NAMESPACE) -> str:
    """The chart's manifests as one YAML stream; raises helm.HelmError on values the schema or a template rejects."""
    with helm.Chart.load(chart) as loaded:
        loaded.validate_schema(loaded.merge_values(values))
        manifests = loaded.render(values, name=name, namespace=namespace, is_install=True)
    documents = [
        f"# Source: {path}\n{text.strip()}\n"
        for path, text in sorted(manifests.items())
        if path.endswith((".yaml", ".yml")) and text.strip()
    ]
    return "---\n" + "---\n".join(documents)


class LintError(Exception):
    """`helm lint --strict` found a warning or an error."""


def lint(values: dict[str, Any], chart: Path = CHART) -> None:
    report = helm.lint(chart, values, strict=True, namespace=NAMESPACE)
    problems = [f"{m['path']}: {m['error']}" for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    if problems:
        raise LintError(f"helm lint: {problems[0]}" + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""))


def render_all(out: Path, chart: Path = CHART) -> list[Path]:
    """Default values and every ci/*-values.yaml, linted and rendered to out/helm-NAME.yaml."""
    out.mkdir(parents=True, exist_ok=True)
    cases = {"default": {}}
    for path in sorted((chart / "ci").glob("*-values.yaml")):
        cases[path.name.removesuffix("-values.yaml")] = overrides([path], [])
    written = []
    for case, values in cases.items():
        target = out / f"helm-{case}.yaml"
        target.write_text(render(values, chart))
        lint(values, chart)
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--values", type=Path, action="append", default=[], help="a values file")
    parser.add_argument("--set", action="append", default=[], help="key=value[,key=value]")
    parser.add_argument("--chart", type=Path, default=CHART)
    parser.add_argument("--out", type=Path, help="render the gate's cases into this directory")
    args = parser.parse_args(argv)
    try:
        if args.out is not None:
            for path in render_all(args.out, args.chart):
                print(path)
        else:
            sys.stdout.write(render(overrides(args.values, args.set), args.chart))
    except (helm.HelmError, LintError) as exc:
        print(f"render_helm: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
