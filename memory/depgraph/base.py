"""The dependency-graph interface. Edges point from caller to callee.

downstream(s) are the services `s` calls, directly or through others (its dependencies); upstream(s) are the services
that call `s` (its dependents), and `blast_radius(s)` is every service that transitively depends on `s`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from memory.depgraph.models import Deploy, Direction, ServiceNode


@runtime_checkable
class DependencyGraph(Protocol):
    """Services, who calls whom, owners and deploys."""

    async def upsert_service(
        self, name: str, owner: str | None = None, tier: str | None = None, attrs: dict[str, Any] | None = None
    ) -> None:
        """Create or update a service; a None owner or tier keeps the stored value, attrs are merged."""
        ...

    async def upsert_edge(self, caller: str, callee: str, calls: int = 0) -> None:
        """Record that `caller` calls `callee` (both created if missing); calls > 0 replaces the stored count."""
        ...

    async def record_deploy(self, service: str, deploy_id: str, at: datetime, version: str) -> None:
        """Record a deploy (idempotent by deploy_id)."""
        ...

    async def deploys(self, service: str, since: datetime | None = None) -> list[Deploy]:
        """Deploys of a service, oldest first."""
        ...

    async def service(self, name: str) -> ServiceNode | None:
        """One service, or None."""
        ...

    async def services(self) -> list[str]:
        """All service names, sorted."""
        ...

    async def neighbours(self, service: str, direction: Direction = "both") -> set[str]:
        """Services one hop away: callers (upstream), callees (downstream) or both."""
        ...

    async def upstream(self, service: str, depth: int = 1) -> dict[str, int]:
        """Services that call `service` within `depth` hops, with their distance in hops."""
        ...

    async def downstream(self, service: str, depth: int = 1) -> dict[str, int]:
        """Services that `service` calls within `depth` hops, with their distance in hops."""
        ...

    async def paths(self, src: str, dst: str, max_depth: int = 4) -> list[list[str]]:
        """Every simple call path from `src` to `dst` of at most `max_depth` hops, shortest first."""
        ...

    async def blast_radius(self, service: str) -> set[str]:
        """Every service that transitively depends on `service`."""
        ...

    async def owner(self, service: str) -> str | None:
        """Who owns the service, or None."""
        ...

    async def aclose(self) -> None:
        """Release files or connections."""
        ...
