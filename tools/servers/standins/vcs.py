"""Stand-ins for github/github-mcp-server and octocode (repositories are named after services)."""

from __future__ import annotations

import hashlib
from itertools import groupby
from typing import Any

from graphs.contracts import Change
from tools import interfaces as io
from tools.adapters.wire import iso
from tools.servers.standins.base import EARLIEST, LATEST, VendorTool, WorldCalls, when


def _changes(world: WorldCalls, operation: str, repo: str, since: str | None = None, until: str | None = None):
    out = world(operation, io.ChangesIn, start=when(since, EARLIEST), end=when(until, LATEST), service=repo)
    return out.changes


def _commit(change: Change, owner: str, repo: str, *, with_files: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sha": change.ref or change.id,
        "html_url": f"https://github.com/{owner}/{repo}/commit/{change.ref or change.id}",
        "commit": {"message": change.title, "author": {"name": change.author, "date": iso(change.timestamp)}},
        "author": {"login": change.author},
    }
    if with_files:
        item["files"] = [{"filename": "diff", "patch": change.diff}]
    return item


def _number(change_id: str) -> int:
    tail = change_id.removeprefix("pr-")
    return (
        int(tail)
        if tail.isdigit()
        else int(hashlib.sha1(change_id.encode(), usedforsecurity=False).hexdigest()[:6], 16)
    )


def github_tools(world: WorldCalls) -> list[VendorTool]:
    def list_commits(
        owner: str, repo: str, sha: str | None = None, author: str | None = None,
        since: str | None = None, until: str | None = None, page: int = 1, perPage: int = 30,
    ) -> list[dict[str, Any]]:  # fmt: skip
        changes = sorted(_changes(world, "list_commits", repo, since, until), key=lambda c: -c.timestamp)
        return [_commit(c, owner, repo) for c in changes[(page - 1) * perPage : page * perPage]]

    def list_pull_requests(
        owner: str, repo: str, state: str = "open", sort: str = "created", direction: str = "desc",
        page: int = 1, perPage: int = 30,
    ) -> list[dict[str, Any]]:  # fmt: skip
        changes = sorted(_changes(world, "list_prs", repo), key=lambda c: c.timestamp, reverse=direction == "desc")
        return [
            {
                "number": _number(c.id),
                "title": c.title,
                "body": c.diff,
                "state": "closed",
                "user": {"login": c.author},
                "created_at": iso(c.timestamp),
                "merged_at": iso(c.timestamp),
                "head": {"sha": c.ref},
                "html_url": f"https://github.com/{owner}/{repo}/pull/{_number(c.id)}",
            }
            for c in changes[(page - 1) * perPage : page * perPage]
        ]

    def list_releases(owner: str, repo: str, page: int = 1, perPage: int = 30) -> list[dict[str, Any]]:
        changes = sorted(_changes(world, "list_deployments", repo), key=lambda c: -c.timestamp)
        return [
            {
                "id": _number(c.id),
                "tag_name": c.id,
                "name": c.title,
                "body": "",
                "target_commitish": c.ref,
                "created_at": iso(c.timestamp),
                "published_at": iso(c.timestamp),
                "author": {"login": c.author},
            }
            for c in changes[(page - 1) * perPage : page * perPage]
        ]

    def get_commit(owner: str, repo: str, sha: str) -> dict[str, Any]:
        change = world("get_diff", io.GetDiffIn, ref=sha).change
        if change is None:
            raise ValueError(f"No commit found for SHA: {sha}")
        return _commit(change, owner, repo, with_files=True)

    return [
        VendorTool("list_commits", list_commits, ("list_commits",)),
        VendorTool("list_pull_requests", list_pull_requests, ("list_prs",)),
        VendorTool("list_releases", list_releases, ("list_deployments",)),
        VendorTool("get_commit", get_commit, ("get_diff",)),
    ]


def octocode_tools(world: WorldCalls) -> list[VendorTool]:
    def githubSearchCode(queries: list[dict[str, Any]]) -> dict[str, Any]:
        results = []
        for query in queries:
            repo = f"{query['owner']}/{query['repo']}" if query.get("owner") and query.get("repo") else None
            text = " ".join(query.get("keywordsToSearch") or [])
            hits = world("search_code", io.SearchCodeIn, query=text, repo=repo, limit=query.get("limit", 20)).hits
            files = [
                {"repo": r, "path": p, "matches": [{"line": h.line, "value": h.snippet} for h in group]}
                for (r, p), group in groupby(hits, key=lambda h: (h.repo, h.path))
            ]
            results.append({"status": "hasResults" if files else "empty", "data": {"files": files}})
        return {"results": results}

    def githubGetFileContent(queries: list[dict[str, Any]]) -> dict[str, Any]:
        results = []
        for query in queries:
            repo = f"{query['owner']}/{query['repo']}"
            found = world("get_file", io.GetFileIn, repo=repo, path=query["path"], ref=query.get("branch") or "main")
            if found.file is None:
                results.append({"status": "empty", "data": {}})
                continue
            f = found.file
            owner, _, name = f.repo.partition("/")
            data = {"owner": owner, "repo": name, "path": f.path, "branch": f.ref, "content": f.content}
            results.append({"status": "hasResults", "data": data})
        return {"results": results}

    return [
        VendorTool("githubSearchCode", githubSearchCode, ("search_code",)),
        VendorTool("githubGetFileContent", githubGetFileContent, ("get_file",)),
    ]
