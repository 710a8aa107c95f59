"""A common cause: services that do not call each other began failing together, and a dependency they share moved
at that minute. One cause explaining both beats two coincidences: the shared dependency is where the symptom begins,
even when a deploy of one of them lines up and the dependency logs less than they do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.analysis.call_reach import reachable

if TYPE_CHECKING:
    from agents.analysis.service_view import ServiceView

TOGETHER_S = 120.0  # failures this close began together
DEPENDANT_DECLINE = ("traffic", -1)  # less work on the dependency follows from its callers failing, it explains nothing


def shared_failures(
    symptom: list[str], views: dict[str, ServiceView], callees: dict[str, set[str]], loaded: set[str]
) -> dict[str, list[str]]:
    """Shared dependency -> the services failing together on it, for pairs with at least one symptom service. A pair
    whose shared path holds a service another explanation already covers (a caller's surge, a driver's change: the
    `loaded` services) has that explanation instead."""
    failing = {name: at for name, view in views.items() if (at := view.failing_onset) is not None}
    below = {name: reachable([name], callees) for name in failing}
    found: dict[str, set[str]] = {}
    for first in sorted(set(symptom) & failing.keys()):
        for second in sorted(failing):
            if second == first or abs(failing[first] - failing[second]) > TOGETHER_S:
                continue
            if second in below[first] or first in below[second]:
                continue  # one calls the other: the walk down the chain already weighs them
            began = min(failing[first], failing[second])
            moved = {dep for dep in below[first] & below[second] if _moved_by(views.get(dep), began)}
            if moved & loaded:
                continue
            for dep in _deepest(moved, callees):
                found.setdefault(dep, set()).update((first, second))
    return {dep: sorted(members) for dep, members in found.items()}


def _moved_by(view: ServiceView | None, began: float) -> bool:
    """The dependency was off its normal when the failures began, other than losing work its callers no longer
    send: a departure that started by then and had not ended before."""
    if view is None:
        return False
    return any(
        float(a.data["onset"]) <= began + TOGETHER_S
        and (a.data.get("family"), a.data.get("direction")) != DEPENDANT_DECLINE
        and (a.data.get("ongoing") is not False or float(a.data.get("end") or 0.0) >= began - TOGETHER_S)
        for a in view.anomalies
    )


def _deepest(moved: set[str], callees: dict[str, set[str]]) -> list[str]:
    """The moved dependencies with no moved dependency of their own below them: where the trouble bottoms out."""
    return sorted(dep for dep in moved if not (reachable([dep], callees) & moved))
