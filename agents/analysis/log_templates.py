"""Log template mining: the code statement (`Class#line`) when a line names it, drain3 clusters otherwise."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

STATEMENT = re.compile(r"(?<![\w.])((?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*#\d+)")
_MASKS = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<UUID>"),
    (re.compile(r"\b[0-9a-f]{16,}\b", re.I), "<HEX>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<NUM>"),
]
MAX_MESSAGE_CHARS = 300
CLUSTER = "#cluster-"  # a statement (`Class#line`) never starts with it


def statement_of(message: str) -> str | None:
    match = STATEMENT.search(message[:200])
    return match.group(1) if match else None


class TemplateIndex:
    """Maps messages to stable template strings; one miner per investigation so ids are deterministic."""

    def __init__(self) -> None:
        config = TemplateMinerConfig()
        config.profiling_enabled = False
        self._miner = TemplateMiner(config=config)
        self._cache: dict[str, str] = {}
        self._clusters: dict[str, str] = {}

    def template(self, level: str, message: str) -> str:
        """The template of the message's cluster as it stood when the message was first seen."""
        return self._keyed(level, message, self._cache, lambda mined: str(mined["template_mined"]))

    def cluster(self, level: str, message: str) -> str:
        """A key for the message's cluster that stays the same while the cluster's template generalises; name it with
        `final` once every line is in."""
        return self._keyed(level, message, self._clusters, lambda mined: f"{CLUSTER}{mined['cluster_id']}")

    def _keyed(self, level: str, message: str, cache: dict[str, str], name: Callable[[dict[str, Any]], str]) -> str:
        """The code statement a message names, else `name` of what drain mined from it, once per masked message."""
        statement = statement_of(message)
        if statement:
            return f"{level} {statement}"
        masked = _masked(message)
        key = cache.get(masked)
        if key is None:
            key = cache[masked] = f"{level} {name(self._miner.add_log_message(masked))}"
        return key

    def final(self, key: str) -> str:
        """The template a cluster key stands for, after all the lines seen so far."""
        level, _, rest = key.partition(" ")
        if not rest.startswith(CLUSTER):
            return key
        return f"{level} {self._miner.drain.id_to_cluster[int(rest.removeprefix(CLUSTER))].get_template()}"


def _masked(message: str) -> str:
    masked = message[:MAX_MESSAGE_CHARS]
    for pattern, token in _MASKS:
        masked = pattern.sub(token, masked)
    return masked
