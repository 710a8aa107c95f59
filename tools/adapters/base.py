"""What a vendor adapter is: our operations mapped to a vendor's MCP tools, and its payloads back to our models."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import ValidationError

from tools.interfaces import OpInput, OpOutput, get_interface


class AdapterError(ValueError):
    """Base of adapter failures."""


class MalformedPayload(AdapterError):
    """The vendor answered with something that does not have the documented shape."""


class Unsupported(AdapterError):
    """This call cannot be expressed with the vendor's tools (missing option or identifier)."""


ArgsFn = Callable[[Any, dict[str, Any]], dict[str, Any]]
ParseFn = Callable[[Any, Any, dict[str, Any]], OpOutput]


@dataclass(frozen=True, slots=True)
class Mapping:
    """One operation: the vendor tool, how our input becomes its arguments, how its payload becomes our output.

    `lossy` names output fields the vendor cannot carry (parity ignores them and says so).
    """

    tool: str
    arguments: ArgsFn
    parse: ParseFn
    lossy: frozenset[str] = frozenset()


class VendorAdapter:
    """Base of the nine adapters: subclasses declare `name`, `interfaces` and `mappings`."""

    name: ClassVar[str]
    interfaces: ClassVar[tuple[str, ...]]
    mappings: ClassVar[dict[str, Mapping]]

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.options = dict(options or {})

    def tool_for(self, operation: str) -> str | None:
        """The vendor tool that serves an operation, or None when the vendor has none."""
        mapping = self.mappings.get(operation)
        return mapping.tool if mapping else None

    def arguments(self, operation: str, query: OpInput) -> dict[str, Any]:
        """The vendor tool's arguments for our operation input; raises Unsupported when it cannot be expressed."""
        return self._mapping(operation).arguments(query, self.options)

    def parse(self, operation: str, raw: Any, query: OpInput | None = None) -> OpOutput:
        """Our output model from the vendor payload (JSON text or structured); raises MalformedPayload."""
        mapping = self._mapping(operation)
        payload = decode(raw) if isinstance(raw, str | bytes) else raw
        if query is None:
            query = self._input_model(operation).model_construct()
        try:
            return mapping.parse(payload, query, self.options)
        except MalformedPayload:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, ValidationError) as exc:
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            raise MalformedPayload(
                f"{self.name} {mapping.tool} payload does not have the expected shape ({detail})"
            ) from None

    def lossy(self, operation: str) -> frozenset[str]:
        mapping = self.mappings.get(operation)
        return mapping.lossy if mapping else frozenset()

    def operations(self) -> list[str]:
        return list(self.mappings)

    def _mapping(self, operation: str) -> Mapping:
        try:
            return self.mappings[operation]
        except KeyError:
            raise Unsupported(f"the {self.name} adapter does not serve {operation!r}") from None

    def _input_model(self, operation: str) -> type[OpInput]:
        for name in self.interfaces:
            ops = get_interface(name).operations
            if operation in ops:
                return ops[operation].input
        raise Unsupported(f"the {self.name} adapter does not serve {operation!r}")


def decode(raw: str | bytes) -> Any:
    """JSON text to a value; anything else is a malformed payload."""
    try:
        return json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise MalformedPayload(f"payload is not JSON ({str(exc).splitlines()[0][:120]})") from None


def require(options: dict[str, Any], key: str, adapter: str, why: str) -> Any:
    value = options.get(key)
    if value in (None, ""):
        raise Unsupported(f"the {adapter} adapter needs the option {key!r} {why}")
    return value
