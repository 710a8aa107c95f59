"""`production-master eval nezha|petshop|scenarios|cv`: run evaluations on past incidents through the full graph."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import UserError, console

eval_app = typer.Typer(help="Evaluations on past incidents, through the full graph.", no_args_is_help=True)


@eval_app.command("nezha")
def nezha(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="A directory with the Nezha dataset's layout.")],
    system: Annotated[str, typer.Option("--system", help="trainticket | onlineboutique.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for results.json and summary.json/md.")],
    day: Annotated[list[str], typer.Option("--day", help="Only this day (repeatable).")] = [],  # noqa: B006
    cases: Annotated[int | None, typer.Option("--cases", help="Only the first N faults.")] = None,
    audit: Annotated[bool, typer.Option("--audit/--no-audit", help="Keep the audit trail (on by default).")] = True,
    metrics_backend: Annotated[
        str, typer.Option("--metrics-backend", help="files | prometheus (a throwaway Prometheus, backfilled).")
    ] = "files",
    logs_backend: Annotated[
        str, typer.Option("--logs-backend", help="files | postgres (a throwaway PostgreSQL with otel_* tables).")
    ] = "files",
) -> None:
    """One investigation per labelled fault; labels are read only by the scorer."""
    from evals.backends import LOGS_BACKENDS, METRICS_BACKENDS
    from evals.nezha.runner import run_nezha_eval
    from graphs.settings import Settings
    from memory.postgres_server import PostgresServerError
    from tools.backends.prometheus_server import PrometheusError

    if system not in ("trainticket", "onlineboutique"):
        raise UserError(f"--system {system!r}: use trainticket or onlineboutique")
    _need_dir(data_dir, "--data-dir")
    _need_positive(cases, "--cases")
    if metrics_backend not in METRICS_BACKENDS:
        raise UserError(f"--metrics-backend {metrics_backend!r}: use {' or '.join(METRICS_BACKENDS)}")
    if logs_backend not in LOGS_BACKENDS:
        raise UserError(f"--logs-backend {logs_backend!r}: use {' or '.join(LOGS_BACKENDS)}")
    settings = Settings(audit="jsonl" if audit else "off")
    work = run_nezha_eval(
        data_dir,
        system,  # type: ignore[arg-type]
        out,
        days=day or None,
        limit=cases,
        settings=settings,
        metrics_backend=metrics_backend,
        logs_backend=logs_backend,
    )
    _print(_run(work, backend_errors=(PrometheusError, PostgresServerError)), out)


@eval_app.command("petshop")
def petshop(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="The folder that holds the PetShop sets.")],
    set_name: Annotated[str, typer.Option("--set", help="A set: a folder with graph.csv (low_traffic, ...).")],
    out: Annotated[Path, typer.Option("--out", help="Directory for results.json and summary.json/md.")],
    cases: Annotated[int | None, typer.Option("--cases", help="Only the first N issues.")] = None,
    audit: Annotated[bool, typer.Option("--audit/--no-audit", help="Keep the audit trail (on by default).")] = True,
) -> None:
    """One investigation per labelled issue (train and test), from its alarm; labels are read only by the scorer."""
    from evals.petshop.runner import run_petshop_eval
    from graphs.settings import Settings

    _need_dir(data_dir, "--data-dir")
    if not (data_dir / set_name / "graph.csv").is_file():
        raise UserError(f"--set {set_name!r}: {data_dir / set_name} has no graph.csv")
    _need_positive(cases, "--cases")
    settings = Settings(audit="jsonl" if audit else "off")
    _print(_run(run_petshop_eval(data_dir, set_name, out, limit=cases, settings=settings)), out)


@eval_app.command("scenarios")
def scenarios(
    out: Annotated[Path, typer.Option("--out", help="Directory for results.json and summary.json/md.")],
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Scenario worlds (the bundled ones if absent).")
    ] = None,
    name: Annotated[list[str], typer.Option("--scenario", help="Only this scenario (repeatable).")] = [],  # noqa: B006
) -> None:
    """One investigation per scenario world, from its ticket; truth files are read only by the scorer."""
    from evals.scenarios.runner import run_scenarios_eval

    _need_dir(directory, "--dir")
    _print(_run(run_scenarios_eval(out, root=directory, names=name or None)), out)


@eval_app.command("cv")
def cv(
    out: Annotated[Path, typer.Option("--out", help="Directory for the per-case feature cache and summary.json/md.")],
    nezha_dir: Annotated[
        Path | None, typer.Option("--nezha-dir", help="The Nezha dataset (its TT and OB groups join when given).")
    ] = None,
    petshop_dir: Annotated[
        Path | None, typer.Option("--petshop-dir", help="PetShop's dataset folder (one group per set with graph.csv).")
    ] = None,
    group: Annotated[list[str], typer.Option("--groups", help="Only this group (repeatable).")] = [],  # noqa: B006
    scenario_root: Annotated[
        Path | None,
        typer.Option("--scenario-root", help="Folder of scenario sets (data/, heldout*/); bundled if absent."),
    ] = None,
    write_params: Annotated[
        bool, typer.Option("--write-params", help="Refit and write the model's params.json and dataset.json.")
    ] = False,
) -> None:
    """Every labelled group through the full graph once (cached under --out), then leave-one-group-out CV."""
    from evals.cv.runner import run_cv

    _need_dir(nezha_dir, "--nezha-dir")
    _need_dir(petshop_dir, "--petshop-dir")
    _need_dir(scenario_root, "--scenario-root")
    result = _run(
        run_cv(
            out,
            nezha_dir=nezha_dir,
            scenario_root=scenario_root,
            petshop_dir=petshop_dir,
            groups=group or None,
            write_params=write_params,
            log=console.print,
        )
    )
    for name, m in [*result["groups"].items(), ("pooled", result["pooled"])]:
        console.print(
            f"{name:20} at1 {m['as_at_1']:.3f} at3 {m['as_at_3']:.3f} confirmed {m['confirmed_right']}/"
            f"{m['confirmed_wrong']} ece {m['ece']:.3f}"
        )
    console.print(f"wrote {out / 'summary.json'}, {out / 'summary.md'}")


def _need_dir(path: Path | None, option: str) -> None:
    if path is not None and not path.is_dir():
        raise UserError(f"{option} {path} is not a directory")


def _need_positive(count: int | None, option: str) -> None:
    if count is not None and count < 1:
        raise UserError(f"{option} must be at least 1")


def _run[T](work: Coroutine[Any, Any, T], *, backend_errors: tuple[type[Exception], ...] = ()) -> T:
    """Run one evaluation; its ValueError (bad input) and a backend that cannot start become one-line user errors."""
    try:
        return asyncio.run(work)
    except backend_errors as exc:
        raise UserError(f"cannot start a backend: {exc}") from None
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _print(summary: dict, out: Path) -> None:
    keys = (
        "cases",
        "as_at_1",
        "as_at_3",
        "as_at_5",
        "majority_baseline_at_1",
        "confirmed_right",
        "confirmed_wrong",
        "fault_type_at_1",
        "pinpoint_at_1",
        "median_seconds",
        "p95_seconds",
        "peak_rss_mb",
        "peak_children_rss_mb",
    )
    for key in keys:
        if key in summary:
            value = summary[key]
            console.print(f"{key:22} {value:.3f}" if isinstance(value, float) else f"{key:22} {value}")
    console.print(f"wrote {out / 'summary.json'}, {out / 'summary.md'}, {out / 'results.json'}")
