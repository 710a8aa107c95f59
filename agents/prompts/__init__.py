"""Prompt files, versioned: a `version:` header, a system part and a user template with `$placeholders`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

PROMPT_DIR = Path(__file__).resolve().parent
SYSTEM_MARK = "--- system"
USER_MARK = "--- user"


class PromptError(ValueError):
    """A prompt file is malformed, or a render left a placeholder empty or broke the size limit."""


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    version: str
    max_chars: int
    system: str
    user: str

    @property
    def ref(self) -> str:
        """`name@version`: what routing decisions and audit events record."""
        return f"{self.name}@{self.version}"

    @property
    def placeholders(self) -> frozenset[str]:
        names: set[str] = set()
        for text in (self.system, self.user):
            names.update(Template(text).get_identifiers())
        return frozenset(names)

    def render(self, **values: str) -> list[BaseMessage]:
        """System and user messages with every placeholder filled; refuses missing, unknown or oversize values."""
        missing = sorted(self.placeholders - values.keys())
        unknown = sorted(values.keys() - self.placeholders)
        if missing or unknown:
            raise PromptError(f"prompt {self.ref}: missing values {missing}, unknown values {unknown}")
        system = Template(self.system).substitute(values)
        user = Template(self.user).substitute(values)
        size = len(system) + len(user)
        if size > self.max_chars:
            raise PromptError(f"prompt {self.ref}: {size} chars rendered, the limit is {self.max_chars}")
        return [SystemMessage(system), HumanMessage(user)]

    def room_for(self, placeholder: str, **others: str) -> int:
        """How many characters `placeholder` may take so the render stays within max_chars."""
        used = len(Template(self.system).safe_substitute(others)) + len(Template(self.user).safe_substitute(others))
        return max(0, self.max_chars - used + len(f"${placeholder}"))


@cache
def load_prompt(name: str) -> Prompt:
    """Read `agents/prompts/<name>.txt`."""
    path = PROMPT_DIR / f"{name}.txt"
    if not path.is_file():
        raise PromptError(f"no prompt file {path.name} in {PROMPT_DIR}")
    return parse_prompt(name, path.read_text(encoding="utf-8"))


def parse_prompt(name: str, text: str) -> Prompt:
    header, sep, rest = text.partition(SYSTEM_MARK + "\n")
    system, sep2, user = rest.partition("\n" + USER_MARK + "\n")
    if not sep or not sep2:
        raise PromptError(f"prompt {name}: needs a header, a '{SYSTEM_MARK}' line and a '{USER_MARK}' line")
    fields = dict(line.split(":", 1) for line in header.strip().splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    if not fields.get("version"):
        raise PromptError(f"prompt {name}: the header needs a 'version:' line")
    try:
        max_chars = int(fields.get("max_chars", "60000"))
    except ValueError:
        raise PromptError(f"prompt {name}: max_chars {fields['max_chars']!r} is not an integer") from None
    return Prompt(name=name, version=fields["version"], max_chars=max_chars, system=system.strip(), user=user.strip())


__all__ = ["Prompt", "PromptError", "load_prompt", "parse_prompt"]
