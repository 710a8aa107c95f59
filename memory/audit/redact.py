"""Secret redaction for audit payloads, tool responses and logs; standard library only, so the gateway reuses it.

from memory.audit.redact import redact, Redactor
redact({"password": "hunter2", "url": "postgres://app:s3cret@db/x"})
# {'password': '[REDACTED]', 'url': 'postgres://app:[REDACTED]@db/x'}
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

REDACTED = "[REDACTED]"

# (name, pattern, replacement template): `{r}` in a template stands for the replacement marker.
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (
        "private_key",
        r"(?i)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
        "{r}",
    ),
    # the same key after a query builder lower-cased it and dropped the dashes: everything up to its END line
    (
        "private_key_flat",
        r"(?i)\bbegin (?:[a-z0-9]+ )?private key\b[\s\S]*?(?:\bend (?:[a-z0-9]+ )?private key\b|\Z)",
        "{r}",
    ),
    # case-blind: a query builder may have lower-cased the key id
    ("aws_access_key_id", r"(?i)\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b", "{r}"),
    (
        "aws_secret_access_key",
        r"(?i)(aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9/+=]{40}",
        r"\g<1>{r}",
    ),
    ("slack_token", r"(?i)\bxox[abeposr]-[A-Za-z0-9-]{10,}", "{r}"),
    ("slack_webhook", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+", "{r}"),
    ("github_token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})", "{r}"),
    ("gitlab_token", r"\bglpat-[A-Za-z0-9_-]{20,}", "{r}"),
    ("openai_anthropic_key", r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}", "{r}"),
    ("stripe_key", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}", "{r}"),
    ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}", "{r}"),
    ("jwt", r"(?i)\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}", "{r}"),
    # a JWT's parts once the dots are gone or the case is lowered: base64 of `{"` is `eyJ`, and no word starts so
    ("jwt_part", r"(?i)\beyJ[A-Za-z0-9_-]{12,}", "{r}"),
    (
        "authorization_header",
        r"(?i)(\bauthorization[\"']?\s*[:=]\s*[\"']?)(?:bearer\s+|basic\s+|token\s+)?[^\s\"',;]+",
        r"\g<1>{r}",
    ),
    ("bearer", r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}", r"\g<1> {r}"),
    ("url_credentials", r"\b([a-z][a-z0-9+.-]*://)([^:/?#\s@\"']*):([^@/?#\s\"']+)@", r"\g<1>\g<2>:{r}@"),
    (
        "secret_assignment",
        # no leading \b or name prefix: `db_password=x` matches from `password`, the prefix stays as it was,
        # and the engine no longer tries a word-prefix loop at every word boundary of a large payload
        r"(?i)((?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token"
        r"|refresh[_-]?token|client[_-]?secret|private[_-]?key|token|credentials?))([\"']?\s*[:=]\s*)([\"']?)"
        r"(?!\[REDACTED\])[^\s\"'&,;}]+",
        r"\g<1>\g<2>\g<3>{r}",
    ),
    # `password hunter2` (the `=` or `:` dropped by a query builder): the next word when it looks like a credential
    # (holds a digit or a symbol), so `password reset failed` keeps its words
    (
        "secret_word",
        r"(?i)\b(password|passwd|pwd|passphrase|secret|api key|token)(\s+(?:is\s+|was\s+)?)"
        r"(?!\[REDACTED\])(?=[^\s\"',;]*[0-9!#$%^&*+/@~])[^\s\"',;]+",
        r"\g<1>\g<2>{r}",
    ),
)

# Literal fragments (lower case) without one of which a pattern cannot match: a substring test over a whole
# payload is far cheaper than a regex scan, and most payloads hold no secret at all.
_ANCHORS: dict[str, tuple[str, ...]] = {
    "private_key": ("private key-----",),
    "private_key_flat": ("private key",),
    "aws_access_key_id": ("akia", "asia", "agpa", "aida", "aroa", "anpa", "anva", "aipa", "abia", "acca"),
    "aws_secret_access_key": ("secret",),
    "slack_token": ("xox",),
    "slack_webhook": ("hooks.slack.com",),
    "github_token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "gitlab_token": ("glpat-",),
    "openai_anthropic_key": ("sk-",),
    "stripe_key": ("_live_", "_test_"),
    "google_api_key": ("aiza",),
    "jwt": ("eyj",),
    "jwt_part": ("eyj",),
    "authorization_header": ("authorization",),
    "bearer": ("bearer", "basic"),
    "url_credentials": ("@",),
    "secret_assignment": ("pass", "pwd", "secret", "key", "token", "credential"),
    "secret_word": ("pass", "pwd", "secret", "api key", "token"),
}

_SENSITIVE_KEY = re.compile(
    r"(?i)^(?:.*[_-])?(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key"
    r"|private[_-]?key|authorization|auth|cookie|set-cookie|session[_-]?id|credentials?|client[_-]?secret|dsn)$"
)


@dataclass(frozen=True, slots=True)
class Redactor:
    """Replaces secrets in strings and, recursively, in dicts, lists and tuples.

    `extra_patterns`: more regexes whose whole match is replaced; `extra_keys`: more mapping keys (exact, case-blind)
    whose values are replaced whole.
    """

    extra_patterns: tuple[str, ...] = ()
    extra_keys: tuple[str, ...] = ()
    replacement: str = REDACTED
    _compiled: tuple[tuple[re.Pattern[str], str], ...] = field(init=False, repr=False, compare=False)
    _anchors: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)
    _keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled: list[tuple[re.Pattern[str], str]] = []
        anchors: list[tuple[str, ...]] = []
        for name, pattern, template in _PATTERNS:
            compiled.append((re.compile(pattern), template.replace("{r}", self.replacement.replace("\\", r"\\"))))
            anchors.append(_ANCHORS.get(name, ()))
        for pattern in self.extra_patterns:
            try:
                compiled.append((re.compile(pattern), self.replacement.replace("\\", r"\\")))
            except re.error as error:
                raise ValueError(f"redaction pattern {pattern!r} is not a valid regex: {error}") from None
            anchors.append(())
        object.__setattr__(self, "_compiled", tuple(compiled))
        object.__setattr__(self, "_anchors", tuple(anchors))
        object.__setattr__(self, "_keys", frozenset(key.lower() for key in self.extra_keys))

    @classmethod
    def with_extra(cls, patterns: Iterable[str] = (), keys: Iterable[str] = ()) -> Redactor:
        return cls(extra_patterns=tuple(patterns), extra_keys=tuple(keys))

    def is_sensitive_key(self, key: str) -> bool:
        return bool(_SENSITIVE_KEY.match(key)) or key.lower() in self._keys

    def redact_text(self, text: str) -> str:
        """The text with every secret the patterns know replaced."""
        for pattern, template in self._compiled:
            text = pattern.sub(template, text)
        return text

    def redact(self, value: Any) -> Any:
        """`value` (str, mapping, list, tuple, scalar) with secrets replaced; other types pass unchanged.

        A container with nothing to redact comes back as it is (not copied); otherwise a copy is returned.
        """
        if isinstance(value, Mapping | list | tuple):
            # Large tool payloads (thousands of log lines): find, over all their text at once, which strings any
            # pattern matches, and run the patterns on those strings alone.
            texts: list[str] = []
            keys: set[str] = set()
            _strings(value, texts, keys)
            hits = self._hits(texts)
            sensitive = frozenset(key for key in keys if self.is_sensitive_key(key))
            if not hits and not sensitive:
                return value
            return _Scoped(self, hits, sensitive)._walk(value, iter(range(len(texts))))
        return self._redact(value)

    def _hits(self, texts: list[str]) -> dict[int, list[tuple[re.Pattern[str], str]]]:
        """String index -> the patterns that match inside that string.

        A pattern with anchors runs only on the strings that contain one of them (found by substring search over
        the whole payload); one without anchors scans the joined text once.
        """
        joined = "\x00".join(texts)
        lowered = joined.lower()
        starts = list(itertools.accumulate((len(t) + 1 for t in texts), initial=0))
        hits: dict[int, list[tuple[re.Pattern[str], str]]] = {}

        def hit(index: int, pattern: re.Pattern[str], template: str) -> None:
            patterns = hits.setdefault(index, [])
            if not patterns or patterns[-1][0] is not pattern:
                patterns.append((pattern, template))

        for (pattern, template), anchors in zip(self._compiled, self._anchors, strict=True):
            if not anchors:
                for match in pattern.finditer(joined):
                    first = bisect.bisect_right(starts, match.start()) - 1
                    last = bisect.bisect_right(starts, max(match.end() - 1, match.start())) - 1
                    for index in range(first, last + 1):
                        hit(index, pattern, template)
                continue
            candidates: set[int] = set()
            for anchor in anchors:
                position = lowered.find(anchor)
                while position != -1:
                    index = bisect.bisect_right(starts, position) - 1
                    candidates.add(index)
                    position = lowered.find(anchor, starts[index + 1])  # the rest of that string is covered
            for index in sorted(candidates):
                if pattern.search(texts[index]):
                    hit(index, pattern, template)
        return hits

    def _redact(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, bytes):
            return self.redact_text(value.decode("utf-8", errors="replace")).encode()
        if isinstance(value, Mapping):
            return {key: self._redact_item(str(key), item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._redact(item) for item in value]
        return value

    def _redact_item(self, key: str, item: Any) -> Any:
        if self.is_sensitive_key(key) and item is not None and not isinstance(item, bool) and item != "":
            return self.replacement
        return self._redact(item)


class _Scoped:
    """Walks a payload in the order `_strings` listed it, applying to each string only the patterns that hit it."""

    def __init__(
        self, base: Redactor, hits: dict[int, list[tuple[re.Pattern[str], str]]], sensitive: frozenset[str]
    ) -> None:
        self.base, self.hits, self.sensitive = base, hits, sensitive

    def _walk(self, value: Any, counter: Iterator[int]) -> Any:
        kind = type(value)
        if kind in _SCALARS:
            return value
        if kind is str:
            index = next(counter)
            patterns = self.hits.get(index)
            if not patterns:
                return value
            for pattern, template in patterns:
                value = pattern.sub(template, value)
            return value
        if isinstance(value, str | bytes):
            index = next(counter)
            text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
            for pattern, template in self.hits.get(index, ()):
                text = pattern.sub(template, text)
            return text.encode() if isinstance(value, bytes) else text
        if isinstance(value, Mapping):
            out = {}
            for key, item in value.items():
                walked = self._walk(item, counter)  # always walk, so the counter stays in step
                sensitive = str(key) in self.sensitive and item is not None and not isinstance(item, bool)
                out[key] = self.base.replacement if sensitive and item != "" else walked
            return out
        if isinstance(value, list | tuple):
            return [self._walk(item, counter) for item in value]
        return value


def _strings(value: Any, out: list[str], keys: set[str]) -> None:
    """Every string of a payload in walking order, and the set of its mapping keys."""
    kind = type(value)
    # exact-type checks first: an ABC isinstance per node dominated the cost on payloads of 100,000 values
    if kind is str:
        out.append(value)
    elif kind is dict or (kind is not list and isinstance(value, Mapping)):
        for key, item in value.items():
            keys.add(str(key))
            item_kind = type(item)
            if item_kind is str:
                out.append(item)
            elif item_kind in _SCALARS:
                continue
            else:
                _strings(item, out, keys)
    elif kind is list or kind is tuple:
        for item in value:
            item_kind = type(item)
            if item_kind is str:
                out.append(item)
            elif item_kind not in _SCALARS:
                _strings(item, out, keys)
    elif kind is bytes:
        out.append(value.decode("utf-8", errors="replace"))
    elif isinstance(value, str):
        out.append(value)


_SCALARS = frozenset({int, float, bool, type(None)})


DEFAULT_REDACTOR = Redactor()


def redact(value: Any) -> Any:
    """`value` with secrets replaced by the default patterns."""
    return DEFAULT_REDACTOR.redact(value)


__all__ = ["DEFAULT_REDACTOR", "REDACTED", "Redactor", "redact"]
