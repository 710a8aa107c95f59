"""A stand-in of GitHub's REST API (as GitHub Enterprise Server serves it, under `/api/v3`) over a world's changes,
for the real github-mcp-server.

Serves `repos/{owner}/{repo}/commits` (and `/commits/{sha}` with files), `pulls` and `releases`, in GitHub's JSON
shapes, built by the same functions as the github stand-in MCP server. github-mcp-server 0.12 drops the port of
`GITHUB_HOST`, so tests name a host that does not resolve and reach this app as the binary's HTTP proxy
(`HTTP_PROXY`): nothing the binary asks for can leave the machine, and anything unexpected is recorded.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tools.servers.standins.base import WorldCalls
from tools.servers.standins.http import Seen, not_found, recording
from tools.servers.standins.vcs import github_tools
from tools.worlds.base import World

PREFIX = "/api/v3/repos/{owner}/{repo}"


def github_app(world: World, seen: Seen | None = None) -> Starlette:
    """The Starlette app of the stand-in GitHub REST API over a world."""
    tools = {tool.name: tool for tool in github_tools(WorldCalls(world))}
    calls = WorldCalls(world)

    def paging(request: Request) -> dict[str, int]:
        query = request.query_params
        return {"page": int(query.get("page") or 1), "perPage": int(query.get("per_page") or 30)}

    def listing(tool: str, operation: str, *extra: str):  # type: ignore[no-untyped-def]
        async def handler(request: Request) -> JSONResponse:
            if not calls.has(operation):
                return JSONResponse([])
            args = {k: request.query_params[k] for k in extra if k in request.query_params}
            return JSONResponse(tools[tool].fn(**request.path_params, **paging(request), **args))

        return handler

    async def commit(request: Request) -> JSONResponse:
        try:
            return JSONResponse(tools["get_commit"].fn(**request.path_params))
        except (KeyError, ValueError):  # no such commit, or a world without diffs
            return not_found("No commit found for SHA")

    async def me(request: Request) -> JSONResponse:
        return JSONResponse({"login": "production-master", "id": 1, "type": "User"})

    app = Starlette(
        routes=[
            Route("/api/v3/user", me),
            Route(f"{PREFIX}/commits", listing("list_commits", "list_commits", "sha", "author")),
            Route(f"{PREFIX}/commits/{{sha}}", commit),
            Route(f"{PREFIX}/pulls", listing("list_pull_requests", "list_prs", "state", "sort", "direction")),
            Route(f"{PREFIX}/releases", listing("list_releases", "list_deployments")),
        ]
    )
    return recording(app, seen) if seen is not None else app
