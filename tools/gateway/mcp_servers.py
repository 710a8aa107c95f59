"""Reading an `mcpServers` JSON file (Claude, Cursor and the seed's shape); secrets come only from the environment.

A header, env value or URL query parameter whose name looks secret (authorization, token, key, password, ...) must be
a `${ENV_VAR}` reference (`"Bearer ${GITHUB_TOKEN}"` is fine); a literal value is refused with the path to fix. The
entries keep their references: values are resolved when a connection opens, so nothing resolved is ever logged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import ValidationError

from tools.gateway.models import ENV_REF, ServerEntry

_SECRET_NAME = re.compile(
    r"(?i)(authorization|auth|token|secret|password|passwd|pwd|api[-_]?key|access[-_]?key|private[-_]?key|cookie"
    r"|credential|session)"
)


def load_mcp_servers(path: Path) -> dict[str, ServerEntry]:
    """The entries of an mcpServers file by name; errors name the file, the entry and the field."""
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise ValueError(f"cannot read mcpServers file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"mcpServers file {path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    return parse_mcp_servers(raw, source=str(path))


def parse_mcp_servers(raw: Any, *, source: str = "mcpServers") -> dict[str, ServerEntry]:
    """Entries from the parsed JSON (`{"mcpServers": {...}}`, VS Code's `{"servers": {...}}`, or the bare mapping)."""
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: expected a JSON object with an 'mcpServers' key")
    servers = raw.get("mcpServers", raw.get("servers", raw))
    if not isinstance(servers, dict):
        raise ValueError(f"{source}: 'mcpServers' must map names to server entries")
    entries: dict[str, ServerEntry] = {}
    for name, body in servers.items():
        if not isinstance(body, dict):
            raise ValueError(f"{source}: mcpServers.{name} must be an object")
        try:
            entry = ServerEntry.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{source}: mcpServers.{name}.{where}: {first['msg']}") from None
        if not entry.url and not entry.command:
            raise ValueError(f"{source}: mcpServers.{name} needs either 'command' or 'url'")
        _refuse_literal_secrets(name, entry, source)
        entries[name] = entry
    return entries


def missing_env(entry: ServerEntry, environ: Mapping[str, str]) -> list[str]:
    """Names of the variables an entry refers to (without a default) that the environment lacks."""
    texts = [entry.url or "", entry.command or "", *entry.args]
    texts += list((entry.headers or {}).values()) + list((entry.env or {}).values())
    return sorted(
        {m.group(1) for t in texts for m in ENV_REF.finditer(t) if m.group(2) is None and m.group(1) not in environ}
    )


def _refuse_literal_secrets(name: str, entry: ServerEntry, source: str) -> None:
    fields: list[tuple[str, str, str]] = [("headers", k, v) for k, v in (entry.headers or {}).items()]
    fields += [("env", k, v) for k, v in (entry.env or {}).items()]
    if entry.url:
        fields += [("url", k, v) for k, v in parse_qsl(urlsplit(entry.url).query)]
    for section, key, value in fields:
        if _SECRET_NAME.search(key) and value and not _is_reference(value):
            raise ValueError(
                f"{source}: mcpServers.{name}.{section}.{key} holds a literal secret; "
                f"write a ${{ENV_VAR}} reference and set the variable in the environment"
            )


def _is_reference(value: str) -> bool:
    """True when every secret-bearing part of the value is an env reference (a scheme word like Bearer may stay)."""
    if not ENV_REF.search(value):
        return False
    rest = ENV_REF.sub("", value).strip()
    return rest.lower() in ("", "bearer", "basic", "token")
