"""Reads scenario folders into validated models; the truth is read by `load_truth` only, never by `load_scenario`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tools.worlds.scenarios.schema import (
    ChangesSpec,
    ChatSpec,
    CodeSpec,
    ScenarioSpec,
    TelemetrySpec,
    TruthSpec,
    Window,
)

DEFAULT_DIR = Path(__file__).parent / "data"
SCENARIO_FILE = "scenario.yaml"
TRUTH_FILE = "truth.yaml"
# The files a world reads: truth.yaml is deliberately absent.
WORLD_FILES: dict[str, type[BaseModel]] = {
    "telemetry.yaml": TelemetrySpec,
    "changes.yaml": ChangesSpec,
    "chat.yaml": ChatSpec,
    "code.yaml": CodeSpec,
}


class ScenarioError(ValueError):
    """A scenario that cannot be read; carries one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything a world may serve about one incident (no truth)."""

    path: Path
    spec: ScenarioSpec
    telemetry: TelemetrySpec
    changes: ChangesSpec
    chat: ChatSpec
    code: CodeSpec

    @property
    def name(self) -> str:
        return self.path.name


def scenario_names(root: Path | str = DEFAULT_DIR) -> list[str]:
    """Folder names of the scenarios under root, sorted."""
    base = Path(root)
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / SCENARIO_FILE).is_file())


def heldout_sets(root: Path | str = DEFAULT_DIR.parent) -> list[Path]:
    """The written scenario sets (`heldout`, `heldout2`, ...) that hold scenarios, in the order they were added."""
    held = [p for p in Path(root).glob("heldout*") if p.is_dir() and scenario_names(p)]
    return sorted(held, key=lambda p: (len(p.name), p.name))


def resolve_scenario_dir(root: Path | str | None, name: str | None) -> Path:
    """The folder of a scenario: root/name, or root itself when it is a scenario folder."""
    base = Path(root) if root else DEFAULT_DIR
    if name:
        folder = base / name
        if not (folder / SCENARIO_FILE).is_file():
            known = ", ".join(scenario_names(base)) or "none"
            raise ScenarioError([f"no scenario {name!r} under {base}; known: {known}"])
        return folder
    if (base / SCENARIO_FILE).is_file():
        return base
    known = ", ".join(scenario_names(base)) or "none"
    raise ScenarioError([f"{base} is not a scenario folder; pass a scenario name (known: {known})"])


def read_yaml(path: Path) -> tuple[Any, list[str]]:
    """The parsed YAML of a file (an empty mapping when absent) and any problem reading it."""
    if not path.is_file():
        return {}, []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        return None, [f"{path.name}:{where} invalid YAML: {getattr(exc, 'problem', exc)}"]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return None, [f"{path.name}: top level must be a mapping, got {type(data).__name__}"]
    return data, []


def validation_problems(file_name: str, error: ValidationError) -> list[str]:
    """One line per pydantic error: 'file: field.path: message'."""
    lines = []
    for item in error.errors():
        loc = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{file_name}: {loc}: {message}")
    return lines


def parse_file[M: BaseModel](
    folder: Path, file_name: str, model: type[M], context: dict[str, Any]
) -> tuple[M | None, list[str]]:
    data, problems = read_yaml(folder / file_name)
    if problems:
        return None, problems
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as exc:
        return None, validation_problems(file_name, exc)


def _window_start(folder: Path) -> datetime | None:
    """The window start of scenario.yaml, which relative times in every file refer to; None when unreadable."""
    data, problems = read_yaml(folder / SCENARIO_FILE)
    if problems or not isinstance(data.get("window"), dict):
        return None
    try:
        return Window.model_validate(data["window"]).start
    except ValidationError:
        return None


def parse_scenario(folder: Path) -> tuple[Scenario | None, list[str]]:
    """The scenario of a folder and the schema problems found (no cross-reference checks)."""
    if not (folder / SCENARIO_FILE).is_file():
        return None, [f"{SCENARIO_FILE}: missing"]
    spec, problems = parse_file(folder, SCENARIO_FILE, ScenarioSpec, {"window_start": _window_start(folder)})
    if spec is None:
        return None, problems
    context = {"window_start": spec.window.start}
    parts: dict[str, BaseModel] = {}
    for file_name, model in WORLD_FILES.items():
        part, found = parse_file(folder, file_name, model, context)
        problems.extend(found)
        if part is not None:
            parts[file_name] = part
    if problems:
        return None, problems
    scenario = Scenario(
        path=folder,
        spec=spec,
        telemetry=parts["telemetry.yaml"],  # type: ignore[arg-type]
        changes=parts["changes.yaml"],  # type: ignore[arg-type]
        chat=parts["chat.yaml"],  # type: ignore[arg-type]
        code=parts["code.yaml"],  # type: ignore[arg-type]
    )
    return scenario, []


def load_scenario(folder: Path | str) -> Scenario:
    """A validated scenario, or ScenarioError with one line per problem."""
    scenario, problems = parse_scenario(Path(folder))
    if scenario is None:
        raise ScenarioError([f"{Path(folder).name}/{p}" for p in problems])
    return scenario


def load_truth(folder: Path | str) -> TruthSpec:
    """The answer of a scenario, for scorers only."""
    path = Path(folder)
    truth, problems = parse_file(path, TRUTH_FILE, TruthSpec, {})
    if not (path / TRUTH_FILE).is_file():
        problems = [f"{TRUTH_FILE}: missing"]
    if truth is None or problems:
        raise ScenarioError([f"{path.name}/{p}" for p in problems])
    return truth
