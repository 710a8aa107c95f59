"""Shared libraries: a change to a library that several services consume, shipped by their own deploys.

A dependency bump is a line in a manifest or lockfile (`campus-commons==4.1.3` -> `4.2.0`). When services fail right
after the deploys that shipped the same library's new version, or their errors sit in the library's code, the
library's change is the cause, not the loudest consumer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from pydantic import BaseModel

from graphs.contracts import Evidence

if TYPE_CHECKING:
    from agents.analysis.service_view import ServiceView

MANIFESTS = re.compile(
    r"(?:^|/)(?:requirements[\w.\-]*\.(?:txt|in|lock)|[\w.\-]*\.lock|package(?:-lock)?\.json|pnpm-lock\.yaml|go\.(?:mod|sum)"
    r"|pom\.xml|build\.gradle(?:\.kts)?|Cargo\.toml|Gemfile|pyproject\.toml|composer\.json|[\w.\-]+\.csproj"
    r"|packages\.config|constraints[\w.\-]*\.txt)$"
)
VERSION = r"v?\d+(?:\.[\w\-]+)*"
PINS = (
    re.compile(rf"^\s*([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(?:==|>=|~=|===|@)\s*({VERSION})"),  # pip
    re.compile(rf"^\s*\"(@?[A-Za-z0-9_.\-/]+)\"\s*:\s*\"[\^~>=<]*({VERSION})\""),  # package.json
    re.compile(rf"^\s*(?:require\s+)?([A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)+)\s+({VERSION})"),  # go.mod
    re.compile(rf"^\s*([A-Za-z0-9_\-]+)\s*=\s*\"[\^~>=<]*({VERSION})\""),  # Cargo.toml, pyproject
    re.compile(rf"(?:^|[\s'\"(])[A-Za-z0-9_.\-]+:([A-Za-z0-9_.\-]+):({VERSION})"),  # gradle group:artifact:version
    re.compile(rf"^\s*([A-Za-z0-9_.\-]+) \(({VERSION})\)"),  # Gemfile.lock
)
TITLE = re.compile(
    rf"\b(?:bump|update|upgrade)\s+(?:dependency\s+)?(@?[A-Za-z0-9_.\-/]+)\s+(?:from\s+\S+\s+)?"
    rf"(?:to|->|→)\s*({VERSION})",
    re.IGNORECASE,
)
SHIPPED = re.compile(r"^-\s+([0-9a-f]{7,40})\b", re.MULTILINE)
MIN_CONSUMERS = 2
PROMPT_S = 15 * 60.0  # a consumer failing this soon after its bump deploy failed with the new version


class Bump(BaseModel):
    """A dependency whose version a change moved."""

    library: str
    before: str = ""
    after: str = ""


def dependency_bumps(title: str, diff: str) -> list[Bump]:
    """The dependencies a commit moves: version pins changed in a manifest or lockfile, or a bump named in its title."""
    found: dict[str, Bump] = {}
    removed: dict[str, str] = {}
    in_manifest = False
    for line in diff.splitlines():
        if line.startswith(("+++ ", "--- ")):
            path = line[4:].strip().removeprefix("a/").removeprefix("b/")
            if line.startswith("+++ ") or path != "/dev/null":
                in_manifest = bool(MANIFESTS.search(path))
            continue
        if not in_manifest or line[:1] not in ("-", "+"):
            continue
        pin = _pin(line[1:])
        if pin is None:
            continue
        name, version = pin
        if line[0] == "-":
            removed[name] = version
        elif removed.get(name, version) != version:
            found[name] = Bump(library=name, before=removed[name], after=version)
    for name, version in TITLE.findall(title):
        found.setdefault(name.lower(), Bump(library=name.lower(), after=version))
    return list(found.values())


def _pin(text: str) -> tuple[str, str] | None:
    for pattern in PINS:
        match = pattern.search(text)
        if match:
            return match.group(1).lower(), match.group(2)
    return None


def shipped_commits(deploy_diff: str) -> list[str]:
    """The commit shas a deploy lists as shipped (`- <sha> <title>` lines)."""
    return SHIPPED.findall(deploy_diff)


def _commits(views: dict[str, ServiceView]) -> dict[str, Evidence]:
    """Commits and other non-deploy changes by id."""
    return {
        str(c.data.get("id")): c for v in views.values() for c in v.changes if c.data.get("change_kind") != "deploy"
    }


def registry_names(library: str) -> list[str]:
    """Names to look a package up by in the service registry: as written, without its scope or group, dashed."""
    bare = library.lstrip("@").split("/")[-1]
    return list(dict.fromkeys([library, bare, library.lstrip("@").replace("/", "-"), bare.replace("_", "-")]))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def change_bumps(change: Evidence, commits: dict[str, Evidence]) -> list[Bump]:
    """What a change moves: a commit or PR its own pins; a deploy the pins of the commits it ships."""
    data = change.data
    if data.get("change_kind") != "deploy":
        return dependency_bumps(str(data.get("title", "")), str(data.get("diff", "")))
    bumps: list[Bump] = []
    for sha in shipped_commits(str(data.get("diff", ""))):
        commit = next((c for key, c in commits.items() if key.startswith(sha) or sha.startswith(key)), None)
        if commit is not None:
            bumps += dependency_bumps(str(commit.data.get("title", "")), str(commit.data.get("diff", "")))
    return bumps


def implicated_libraries(views: dict[str, ServiceView], tokens: set[str]) -> dict[str, list[str]]:
    """Libraries (services with changes of their own) whose new version consumers shipped just before they began
    failing, when at least two consumers did so or the consumers' errors name the library's code.
    Library -> its failing consumers, earliest failure first."""
    commits = _commits(views)
    by_slug = {slug(name): name for name, view in views.items() if view.changes}
    by_slug |= {slug(str(c.data["package"])): n for n, v in views.items() for c in v.changes if c.data.get("package")}
    consumers: dict[str, list[str]] = defaultdict(list)
    for name, view in views.items():
        onset = view.failing_onset or view.fault_onset
        if onset is None:
            continue
        for change in view.changes:
            at = change.data.get("onset")
            if not isinstance(at, int | float) or not onset - PROMPT_S <= at <= onset:
                continue
            for bump in change_bumps(change, commits):
                library = by_slug.get(slug(bump.library))
                if library and library != name and name not in consumers[library]:
                    consumers[library].append(name)
    named = {slug(t) for t in tokens}
    found = {}
    for library, users in consumers.items():
        in_errors = any(slug(library) in t for t in named)
        if len(users) >= MIN_CONSUMERS or in_errors:
            found[library] = sorted(users, key=lambda u: views[u].failing_onset or views[u].fault_onset or 0.0)
    return found


def bump_evidence_ids(views: dict[str, ServiceView], library: str, consumers: list[str]) -> list[str]:
    """The consumers' changes that shipped the library's new version."""
    commits = _commits(views)
    return [
        c.id
        for name in consumers
        for c in views[name].changes
        if any(slug(b.library) == slug(library) for b in change_bumps(c, commits))
    ]
