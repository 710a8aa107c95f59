"""The scorer's side of the PetShop evaluation: labelled issues and the alert each investigation receives.

Only this module reads `target.json`. The alert names what an alarm names: the target component, its metric and
when it fired; the root cause and the injection (`metadata.reproducibility.command`) stay with the scorer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from tools.worlds.petshop.files import issue_dirs, read_metrics
from tools.worlds.petshop.world import PetShopWorld, metric_name


class PetShopCase(BaseModel):
    """One labelled issue: what the investigation is told (alert) and what the scorer knows (truth)."""

    case_id: str
    set_name: str
    issue: str  # `test/issue_3`: the world option that serves this issue's timeline
    target_node: str
    target_metric: str  # as the world names it: `latency_average`
    target_at: datetime
    alert_at: datetime
    truth_service: str
    injection: str = ""  # the command that caused it: for reading results, never for an investigation

    @property
    def alert_text(self) -> str:
        return (
            f"PetShop alarm: {self.target_metric} of {self.target_node} breached its threshold; "
            f"firing since {self.alert_at:%Y-%m-%d %H:%M} UTC"
        )

    @property
    def alert_labels(self) -> dict[str, str]:
        """The labels an Alertmanager / CloudWatch alarm carries: which component and which metric."""
        return {"alertname": f"{self.target_node} {self.target_metric}", "service": self.target_node}


def load_cases(data_dir: Path, set_name: str) -> list[PetShopCase]:
    """Every labelled issue of the set, train before test, in issue order."""
    world = PetShopWorld(data_dir, set_name)  # validates the layout with a message naming what is missing
    cases = []
    for issue in issue_dirs(world.set_dir):
        path = world.set_dir / issue / "target.json"
        if path.is_file():
            cases.append(_case(world, issue, path))
    return cases


def alert_time(period_starts: list[float], step: float, target_at: float) -> float:
    """When an alarm on the target metric fires: the end of the first period that began at or after the issue's
    time, i.e. the first datapoint wholly inside the issue (CloudWatch evaluates whole periods)."""
    later = [start for start in period_starts if start >= target_at]
    start = min(later) if later else max(period_starts, default=target_at)
    return start + step


def _case(world: PetShopWorld, issue: str, path: Path) -> PetShopCase:
    label = json.loads(path.read_text())
    try:
        target, truth = label["target"], label["root_cause"]["node"]
        node, metric, at = target["node"], target["metric"], float(target["timestamp"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: no target node/metric/timestamp or root_cause node ({exc})") from None
    table = read_metrics(world.set_dir / issue / "metrics.csv")
    fired = alert_time(table.starts.tolist(), table.step, at)
    command = ((label.get("metadata") or {}).get("reproducibility") or {}).get("command", "")
    return PetShopCase(
        case_id=f"{world.set_name}-{issue.replace('/', '-')}",
        set_name=world.set_name,
        issue=issue,
        target_node=node,
        target_metric=metric_name(metric, target.get("agg") or "Average"),
        target_at=datetime.fromtimestamp(at, UTC),
        alert_at=datetime.fromtimestamp(fired, UTC),
        truth_service=str(truth),
        injection=str(command),
    )
