"""octocode: GitHub code research through bulk queries (code-search).

Tools: `githubSearchCode` {queries: [{keywordsToSearch, owner, repo, limit, researchGoal, reasoning}]} and
`githubGetFileContent` {queries: [{owner, repo, path, branch, fullContent}]}; both answer {"results": [{status:
"hasResults" | "empty" | "error", data: {...}}]}, one result per query.
Assumptions (octocode's envelope varies between versions): search data is {files: [{repo ("owner/name"), path,
matches: [{line, value}]}]}; file data is {owner, repo, path, branch, content}. An "empty" status is no hit; an
"error" status is a tool failure reported as malformed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphs.contracts import CodeHit, FileContent
from tools import interfaces as io
from tools.adapters.base import MalformedPayload, Mapping, VendorAdapter

GOAL = {"researchGoal": "find the code behind a production incident", "reasoning": "incident investigation"}


def _result(payload: Any) -> dict[str, Any] | None:
    result = payload["results"][0]
    if result["status"] == "error":
        raise MalformedPayload(f"octocode reported an error: {str(result.get('error', ''))[:200]}")
    return result.get("data") if result["status"] == "hasResults" else None


def _search_args(q: io.SearchCodeIn, o: dict[str, Any]) -> dict[str, Any]:
    query: dict[str, Any] = {"keywordsToSearch": [q.query], "limit": q.limit, **GOAL}
    if q.repo:
        query["owner"], _, query["repo"] = q.repo.partition("/")
    return {"queries": [query]}


def _hits(payload: Any, q: io.SearchCodeIn, o: dict[str, Any]) -> io.SearchCodeOut:
    data = _result(payload) or {"files": []}
    hits = [
        CodeHit(repo=f["repo"], path=f["path"], line=int(m["line"]), snippet=m["value"])
        for f in data["files"]
        for m in f["matches"]
    ]
    return io.SearchCodeOut(hits=hits[: q.limit])


def _file_args(q: io.GetFileIn, o: dict[str, Any]) -> dict[str, Any]:
    owner, _, repo = q.repo.partition("/")
    return {"queries": [{"owner": owner, "repo": repo, "path": q.path, "branch": q.ref, "fullContent": True, **GOAL}]}


def _file(payload: Any, q: io.GetFileIn, o: dict[str, Any]) -> io.GetFileOut:
    data = _result(payload)
    if data is None:
        return io.GetFileOut(file=None)
    repo = f"{data['owner']}/{data['repo']}"
    return io.GetFileOut(file=FileContent(repo=repo, path=data["path"], content=data["content"], ref=data["branch"]))


class OctocodeAdapter(VendorAdapter):
    name = "octocode"
    interfaces = ("code-search",)
    mappings: ClassVar[dict[str, Mapping]] = {
        "search_code": Mapping("githubSearchCode", _search_args, _hits),
        "get_file": Mapping("githubGetFileContent", _file_args, _file),
    }
