"""The replay world: answers every operation from the tool responses recorded in an audit bundle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphs.contracts import stable_hash
from tools.interfaces import INTERFACES, Operation, OpInput, OpOutput
from tools.worlds.base import required_option


class ReplayWorld:
    """Serves (interface, operation, arguments) -> the response recorded for exactly those arguments."""

    name = "replay"

    def __init__(
        self, answers: dict[tuple[str, str, str], Any], *, source: str = "", unoffered: set[str] | None = None
    ) -> None:
        self._answers = answers
        self._unoffered = unoffered or set()
        self._source = source
        self._ops: dict[str, tuple[str, Operation]] = {
            op.name: (iface.name, op) for iface in INTERFACES.values() for op in iface.operations.values()
        }
        self.misses: list[str] = []

    @classmethod
    def from_options(cls, options: dict[str, str]) -> ReplayWorld:
        from memory.audit.bundle import load_bundle

        path = required_option(options, "replay", "bundle", "PATH")
        bundle = load_bundle(Path(path))
        unoffered = {
            event.payload["operation"]
            for event in bundle.audit_events
            if event.type == "tool_call" and event.payload.get("outcome") == "no_data"
        }
        return cls(bundle.tool_answers(), source=path, unoffered=unoffered)

    def describe(self) -> dict[str, Any]:
        return {"world": self.name, "bundle": self._source, "recorded_calls": len(self._answers)}

    def __getattr__(self, operation: str) -> Callable[[OpInput], OpOutput]:
        ops = self.__dict__.get("_ops", {})
        if operation not in ops:
            raise AttributeError(operation)
        interface, op = ops[operation]
        if operation in self.__dict__.get("_unoffered", set()):
            raise AttributeError(operation)  # the recorded provider did not offer it: neither do we

        def answer(query: OpInput) -> OpOutput:
            key = (interface, operation, stable_hash(query.model_dump(mode="json", exclude_none=True)))
            if key not in self._answers:
                self.misses.append(f"{interface}.{operation}")
                raise LookupError(f"the bundle holds no answer for {interface}.{operation} with these arguments")
            recorded = self._answers[key]
            if isinstance(recorded, dict) and set(recorded) == {"error"}:
                raise RuntimeError(f"recorded failure: {recorded['error']}")
            return op.output.model_validate(recorded)

        return answer
