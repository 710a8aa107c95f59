"""The scorer's side of the Nezha evaluation: labelled faults and the alert each investigation receives.

Only this module (and scoring) reads `*fault_list.json` and `root_cause_*.json`. The alert an investigation gets
names the symptom and a time, never the service or the fault type.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel

from graphs.contracts import TimeWindow
from tools.worlds.nezha import NezhaWorld, System
from tools.worlds.nezha_files import service_of_pod

ALERT_DELAY = timedelta(minutes=3)  # an alert rule with `for: 2m` evaluated each minute fires about this late
WINDOW_BEFORE_ALERT = timedelta(minutes=10)
BASELINE_METRICS_SPAN = timedelta(minutes=60)  # the quiet hour before the investigated window
BASELINE_DAY_SHIFT = timedelta(hours=24)  # logs and traces: the same system one day earlier ...
BASELINE_DAY_HALF_WIDTH = timedelta(hours=12)  # ... over the whole day around that time
ROOT_CAUSE_FILES = {"trainticket": "root_cause_ts.json", "onlineboutique": "root_cause_hipster.json"}


class NezhaCase(BaseModel):
    """One labelled fault: what the investigation is told (alert) and what the scorer knows (truth)."""

    case_id: str
    system: System
    day: str
    inject_at: datetime
    truth_service: str
    truth_pod: str
    fault_type: str
    truth_pinpoint: str = ""
    alert_at: datetime
    alert_text: str

    @property
    def window(self) -> TimeWindow:
        return TimeWindow(start=self.alert_at - WINDOW_BEFORE_ALERT, end=self.alert_at)


def load_cases(data_dir: Path, system: System, days: list[str] | None = None) -> list[NezhaCase]:
    """Every labelled fault of the system's days (all of them when `days` is None), in time order."""
    world = NezhaWorld(data_dir, system, days)
    pinpoints = _root_cause_labels(Path(data_dir), system)
    cases: list[NezhaCase] = []
    for day in world.days:
        path = Path(data_dir) / "rca_data" / day / f"{day}-fault_list.json"
        if not path.is_file():
            continue
        groups = json.loads(path.read_text())
        faults = [fault for hour in sorted(groups) for fault in groups[hour]]
        for index, fault in enumerate(sorted(faults, key=lambda f: f["inject_time"])):
            inject_at = datetime.fromisoformat(fault["inject_time"]).replace(tzinfo=UTC)  # inject_timestamp is off
            service = service_of_pod(fault["inject_pod"])
            alert_at = inject_at + ALERT_DELAY
            cases.append(
                NezhaCase(
                    case_id=f"{system}-{day}-{index:02d}",
                    system=system,
                    day=day,
                    inject_at=inject_at,
                    truth_service=service,
                    truth_pod=fault["inject_pod"],
                    fault_type=fault["inject_type"],
                    truth_pinpoint=pinpoints.get(service, {}).get(fault["inject_type"], ""),
                    alert_at=alert_at,
                    alert_text=_alert_text(system, alert_at),
                )
            )
    return cases


def baseline_windows(case_window: TimeWindow) -> tuple[TimeWindow, TimeWindow]:
    """(metrics baseline, logs/traces baseline) that a collector asks for next to the investigated window."""
    metrics = TimeWindow(start=case_window.start - BASELINE_METRICS_SPAN, end=case_window.start)
    day_before = case_window.start - BASELINE_DAY_SHIFT
    logs_traces = TimeWindow(start=day_before - BASELINE_DAY_HALF_WIDTH, end=day_before + BASELINE_DAY_HALF_WIDTH)
    return metrics, logs_traces


def _alert_text(system: System, alert_at: datetime) -> str:
    name = "Train-Ticket" if system == "trainticket" else "Online-Boutique"
    return (
        f"{name}: user-facing front end latency / success rate degraded; alert firing since "
        f"{alert_at:%Y-%m-%d %H:%M} UTC"
    )


def _root_cause_labels(data_dir: Path, system: System) -> dict[str, dict[str, str]]:
    path = data_dir / "construct_data" / ROOT_CAUSE_FILES[system]
    return json.loads(path.read_text()) if path.is_file() else {}
