"""What a model sees or a log line says passes the audit trail's redaction (when that module is present)."""

from __future__ import annotations

from typing import Any

try:
    from memory.audit.redact import redact as _redact
except ImportError:  # the redaction module is optional for this package; without it values pass unchanged
    _redact = None


def redact(value: Any) -> Any:
    return _redact(value) if _redact is not None else value


def redact_text(text: str) -> str:
    return str(redact(text))
