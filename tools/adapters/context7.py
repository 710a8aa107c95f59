"""context-7: library documentation (documentation).

Tools: `resolve-library-id` {libraryName} and `query-docs` {libraryId, query}; `query-docs` answers with text, not
JSON: snippets separated by lines of dashes, each with `TITLE:`, `DESCRIPTION:` and `SOURCE:` lines.
Assumptions: one library per provider (option `library_id`, e.g. "/org/project"), since resolving it first would be
a second call; snippets past `limit` are dropped; a reply without any TITLE is "no documentation".
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from graphs.contracts import DocHit
from tools import interfaces as io
from tools.adapters.base import MalformedPayload, Mapping, VendorAdapter, require

SEPARATOR = re.compile(r"^-{10,}\s*$", re.MULTILINE)


def _field(block: str, name: str) -> str:
    match = re.search(rf"^{name}:[ \t]*(.*?)(?=^[A-Z]+:|\Z)", block, re.MULTILINE | re.DOTALL)
    return match.group(1).strip() if match else ""


def _docs(payload: Any, q: io.SearchDocsIn, o: dict[str, Any]) -> io.SearchDocsOut:
    if not isinstance(payload, str):
        raise MalformedPayload("query-docs answers with text")
    hits = [
        DocHit(title=_field(block, "TITLE"), url=_field(block, "SOURCE"), snippet=_field(block, "DESCRIPTION"))
        for block in SEPARATOR.split(payload)
        if _field(block, "TITLE")
    ]
    return io.SearchDocsOut(docs=hits[: q.limit])


class Context7Adapter(VendorAdapter):
    name = "context-7"
    interfaces = ("documentation",)
    mappings: ClassVar[dict[str, Mapping]] = {
        "search_docs": Mapping(
            "query-docs",
            lambda q, o: {
                "libraryId": require(o, "library_id", "context-7", "(one library per provider)"),
                "query": q.query,
            },
            _docs,
        ),
    }

    def parse(self, operation: str, raw: Any, query: Any = None):
        if isinstance(raw, bytes):
            raw = raw.decode()
        if query is None:
            query = io.SearchDocsIn.model_construct(limit=10)
        return self._mapping(operation).parse(raw, query, self.options)
