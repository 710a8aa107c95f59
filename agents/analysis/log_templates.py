"""Log template mining: the code statement (`Class#line`) when a line names it, drain3 clusters otherwise."""

from __future__ import annotations

import re

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

STATEMENT = re.compile(r"(?<![\w.])((?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*#\d+)")
_MASKS = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<UUID>"),
    (re.compile(r"\b[0-9a-f]{16,}\b", re.I), "<HEX>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<NUM>"),
]
MAX_MESSAGE_CHARS = 300


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

    def template(self, level: str, message: str) -> str:
        statement = statement_of(message)
        if statement:
            return f"{level} {statement}"
        masked = message[:MAX_MESSAGE_CHARS]
        for pattern, token in _MASKS:
            masked = pattern.sub(token, masked)
        cached = self._cache.get(masked)
        if cached is None:
            cached = f"{level} " + self._miner.add_log_message(masked)["template_mined"]
            self._cache[masked] = cached
        return cached
