"""FT-release: feature toggles and their gradual releases (feature-flags).

Tools: `search-feature-toggles` {searchText, limit, offset} -> {featureToggles: [{id, name, description,
ownerService, status: "ON" | "OFF", percentage}], total}; `list-releases` {featureToggleId?, limit, offset} ->
{releases: [{id, featureToggleId, ownerService, createdAt, createdBy, strategyType, percentage, description}]}.
Assumptions (the seed documents tool names and filters, not bodies): the fields above; a toggle's key is its `name`;
a release is one rollout step; service and window filters are applied client-side (the tools filter by text and
toggle only). Config changes are not feature toggles, so FT-release never reports them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphs.contracts import Change, FlagState
from tools import interfaces as io
from tools.adapters.base import MalformedPayload, Mapping, VendorAdapter
from tools.adapters.wire import epoch

PAGE = 500


def _flags(payload: Any, q: io.ListFlagsIn, o: dict[str, Any]) -> io.ListFlagsOut:
    toggles = payload["featureToggles"]
    if not isinstance(toggles, list):
        raise MalformedPayload("search-feature-toggles 'featureToggles' must be a list")
    flags = [
        FlagState(
            key=t["name"],
            service=t["ownerService"],
            enabled=t["status"] == "ON",
            rollout_percent=float(t.get("percentage", 0.0)),
            description=t.get("description", ""),
        )
        for t in toggles
    ]
    return io.ListFlagsOut(flags=[f for f in flags if not q.service or f.service == q.service])


def _history(payload: Any, q: io.RolloutHistoryIn, o: dict[str, Any]) -> io.ChangesOut:
    releases = payload["releases"]
    if not isinstance(releases, list):
        raise MalformedPayload("list-releases 'releases' must be a list")
    lo, hi = q.start.timestamp(), q.end.timestamp()
    changes = [
        Change(
            id=r["id"],
            kind="feature_flag",
            service=r["ownerService"],
            timestamp=epoch(r["createdAt"]),
            author=r.get("createdBy", ""),
            title=r.get("description", ""),
            ref=r["featureToggleId"],
            diff=r.get("details", ""),
        )
        for r in releases
    ]
    keep = [
        c
        for c in changes
        if lo <= c.timestamp <= hi and (not q.service or c.service == q.service) and (not q.key or c.ref == q.key)
    ]
    return io.ChangesOut(changes=sorted(keep, key=lambda c: (c.timestamp, c.id)))


def _history_args(q: io.RolloutHistoryIn, o: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"limit": PAGE, "offset": 0}
    if q.key:
        args["featureToggleId"] = q.key
    return args


class FtReleaseAdapter(VendorAdapter):
    name = "FT-release"
    interfaces = ("feature-flags",)
    mappings: ClassVar[dict[str, Mapping]] = {
        "list_flags": Mapping(
            "search-feature-toggles", lambda q, o: {"searchText": "", "limit": PAGE, "offset": 0}, _flags
        ),
        "get_rollout_history": Mapping("list-releases", _history_args, _history),
    }
