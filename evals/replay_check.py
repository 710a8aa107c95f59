"""Replay as a regression gate, and the price of tracing and audit: both measured on real Nezha investigations.

`python -m evals.replay_check --data-dir ../shared/datasets/nezha --cases 10 --out out/replay` investigates each
case twice in one process (audit and tracing off, then on, alternating so machine load hits both alike), exports
the audited run's bundle, replays it, and reports how many verdicts the replay reproduced and the overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

from api.cli.audit import public_config, replay_bundle
from evals.nezha.cases import load_cases
from evals.nezha.runner import eval_settings
from graphs.contracts import InvestigationRequest
from graphs.runner import open_session
from graphs.settings import Settings
from memory.audit import JsonlAuditLog
from memory.audit.bundle import write_bundle


async def run(data_dir: Path, system: str, cases: int, out: Path) -> dict[str, Any]:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    sampler = _Switch()
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)

    out.mkdir(parents=True, exist_ok=True)
    selected = load_cases(data_dir, system)[:cases]  # type: ignore[arg-type]
    base = eval_settings(Settings(), data_dir, system, None, out / "home")  # type: ignore[arg-type]
    plain = base.model_copy(update={"audit": "off", "checkpointer": "memory"})
    audited = base.model_copy(update={"audit": "jsonl", "checkpointer": "memory"})
    timings: dict[str, list[float]] = {"plain": [], "audited": []}
    reproduced, rows = 0, []
    async with open_session(plain) as quiet, open_session(audited) as loud:
        for case in selected:
            request = InvestigationRequest(source="eval", text=case.alert_text, at=case.alert_at)
            for name, session in (("plain", quiet), ("audited", loud)):
                sampler.on = name == "audited"  # spans are recorded (and exported) for the audited run only
                started = time.perf_counter()
                thread = f"{case.case_id}-{name}"
                outcome = await session.run(request, thread_id=thread)
                timings[name].append(time.perf_counter() - started)
            report = outcome.report
            assert report is not None
            bundle = out / f"{case.case_id}.tar.gz"
            await write_bundle(
                JsonlAuditLog(audited.home / "audit"),
                thread,
                bundle,
                config=public_config(audited),
                report=report.model_dump(mode="json"),
                checkpoints=[],
            )
            changes = await replay_bundle(
                bundle, request.model_dump(mode="json"), public_config(audited), report.model_dump(mode="json"), None
            )
            reproduced += not changes
            rows.append({"case": case.case_id, "changes": changes})
    spans = len(exporter.get_finished_spans())
    summary = {
        "cases": len(selected),
        "replays_reproduced": reproduced,
        "median_seconds_plain": round(statistics.median(timings["plain"]), 3),
        "median_seconds_audited_traced": round(statistics.median(timings["audited"]), 3),
        "overhead_pct": round(
            100 * (sum(timings["audited"]) - sum(timings["plain"])) / max(sum(timings["plain"]), 1e-9), 1
        ),
        "spans_recorded": spans,
        "rows": rows,
    }
    (out / "replay_check.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


class _Switch:
    """A sampler that records every span while on and none while off (off costs what the no-op API costs)."""

    def __init__(self) -> None:
        from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

        self.on, self._yes, self._no = False, ALWAYS_ON, ALWAYS_OFF

    def should_sample(self, *args: Any, **kwargs: Any) -> Any:
        return (self._yes if self.on else self._no).should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return "switch"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--system", default="trainticket", choices=["trainticket", "onlineboutique"])
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("out/replay"))
    args = parser.parse_args()
    summary = asyncio.run(run(args.data_dir, args.system, args.cases, args.out))
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, indent=2))


if __name__ == "__main__":
    main()
