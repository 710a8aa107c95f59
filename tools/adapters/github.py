"""github/github-mcp-server: commits, pull requests, releases (version-control).

Tools: `list_commits` {owner, repo, perPage} -> [{sha, html_url, commit: {message, author: {name,
date}}, author: {login}}]; `list_pull_requests` {owner, repo, state, sort, direction, perPage} -> [{number, title,
body, state, user: {login}, created_at, merged_at, head: {sha}}]; `list_releases` {owner, repo, perPage} ->
[{id, tag_name, name, body, target_commitish, published_at, author: {login}}]; `get_commit` {owner, repo, sha} ->
{sha, commit, author, files: [{filename, patch}]}.
Assumptions: a service's repository is `repos[service]` (option) or `<owner>/<service>` (option `owner`); a call
without a service needs option `default_repo`. Deployments are GitHub releases (tag = deploy id, target_commitish =
commit). PR ids are `pr-<number>`, their body is our `diff`. Results are filtered to the window client-side:
github-mcp-server's `list_commits` takes no since/until (0.12.1, checked against its tool schema in tests/vendors).
List payloads carry no diffs (`diff` is lossy there).
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphs.contracts import Change
from tools import interfaces as io
from tools.adapters.base import MalformedPayload, Mapping, Unsupported, VendorAdapter
from tools.adapters.wire import epoch


def repo_of(service: str | None, o: dict[str, Any]) -> tuple[str, str]:
    """(owner, repo) of a service's repository, from the adapter options."""
    full = (o.get("repos") or {}).get(service) if service else None
    if full is None and service and o.get("owner"):
        full = f"{o['owner']}/{service}"
    if full is None:
        full = o.get("default_repo")
    if not full or "/" not in full:
        raise Unsupported("the github adapter needs options owner/repos (per service) or default_repo (owner/name)")
    owner, _, repo = full.partition("/")
    return owner, repo


def service_of(repo: str, o: dict[str, Any]) -> str:
    for service, full in (o.get("repos") or {}).items():
        if full.rsplit("/", 1)[-1] == repo:
            return service
    return repo


def _list(payload: Any, tool: str) -> list[dict[str, Any]]:
    if not isinstance(payload, list):
        raise MalformedPayload(f"{tool} must answer with a list")
    return payload


def _in_window(changes: list[Change], q: Any) -> list[Change]:
    lo, hi = q.start.timestamp(), q.end.timestamp()
    return [c for c in changes if lo <= c.timestamp <= hi]


def _repo_args(q: Any, o: dict[str, Any], **extra: Any) -> dict[str, Any]:
    owner, repo = repo_of(q.service, o)
    return {"owner": owner, "repo": repo, **extra}


def _service(q: Any, o: dict[str, Any]) -> str:
    return q.service or service_of(repo_of(None, o)[1], o)


def _commit(item: dict[str, Any], service: str) -> Change:
    commit = item["commit"]
    author = (item.get("author") or {}).get("login") or commit["author"].get("name", "")
    return Change(
        id=item["sha"],
        kind="commit",
        service=service,
        timestamp=epoch(commit["author"]["date"]),
        author=author,
        title=commit["message"].split("\n", 1)[0],
        ref=item["sha"],
        diff="\n".join(f.get("patch", "") for f in item.get("files") or []),
    )


def _commits(payload: Any, q: io.ChangesIn, o: dict[str, Any]) -> io.ChangesOut:
    service = _service(q, o)
    changes = [_commit(item, service) for item in _list(payload, "list_commits")]
    return io.ChangesOut(changes=sorted(_in_window(changes, q), key=lambda c: c.timestamp))


def _prs(payload: Any, q: io.ChangesIn, o: dict[str, Any]) -> io.ChangesOut:
    service = _service(q, o)
    changes = [
        Change(
            id=f"pr-{item['number']}",
            kind="pull_request",
            service=service,
            timestamp=epoch(item.get("merged_at") or item["created_at"]),
            author=item["user"]["login"],
            title=item["title"],
            ref=(item.get("head") or {}).get("sha", ""),
            diff=item.get("body") or "",
        )
        for item in _list(payload, "list_pull_requests")
    ]
    return io.ChangesOut(changes=sorted(_in_window(changes, q), key=lambda c: c.timestamp))


def _releases(payload: Any, q: io.ChangesIn, o: dict[str, Any]) -> io.ChangesOut:
    service = _service(q, o)
    changes = [
        Change(
            id=item["tag_name"],
            kind="deploy",
            service=service,
            timestamp=epoch(item.get("published_at") or item["created_at"]),
            author=(item.get("author") or {}).get("login", ""),
            title=item.get("name") or item["tag_name"],
            ref=item.get("target_commitish", ""),
        )
        for item in _list(payload, "list_releases")
    ]
    return io.ChangesOut(changes=sorted(_in_window(changes, q), key=lambda c: c.timestamp))


def _diff(payload: Any, q: io.GetDiffIn, o: dict[str, Any]) -> io.GetDiffOut:
    if not payload:
        return io.GetDiffOut(change=None)
    return io.GetDiffOut(change=_commit(payload, service_of(repo_of(None, o)[1], o)))


class GithubAdapter(VendorAdapter):
    name = "github"
    interfaces = ("version-control",)
    mappings: ClassVar[dict[str, Mapping]] = {
        "list_commits": Mapping(
            "list_commits",
            lambda q, o: _repo_args(q, o, perPage=100),
            _commits,
            lossy=frozenset({"diff"}),
        ),
        "list_prs": Mapping(
            "list_pull_requests",
            lambda q, o: _repo_args(q, o, state="all", sort="created", direction="desc", perPage=100),
            _prs,
        ),
        "list_deployments": Mapping(
            "list_releases", lambda q, o: _repo_args(q, o, perPage=100), _releases, lossy=frozenset({"diff"})
        ),
        "get_diff": Mapping(
            "get_commit",
            lambda q, o: dict(zip(("owner", "repo"), repo_of(None, o), strict=True)) | {"sha": q.ref},
            _diff,
            lossy=frozenset({"id", "kind"}),  # a commit, even when another provider answers with the deploy
        ),
    }
