"""A small client of Prometheus's HTTP API (v1): instant and range queries in PromQL, series and label discovery."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel

from graphs.contracts import utc


class PrometheusQueryError(RuntimeError):
    """Prometheus refused a query; the message carries its error type and text."""


class Sample(BaseModel):
    """One series of a query result: its labels and (epoch seconds, value) points."""

    labels: dict[str, str]
    points: list[tuple[float, float]]


def selector(**matchers: str | list[str] | None) -> str:
    """`{a="x", b=~"y|z"}` from keyword matchers: a string is an exact match, a list an anchored alternation."""
    parts = []
    for name, value in matchers.items():
        if value is None:
            continue
        if isinstance(value, str):
            parts.append(f'{name}="{_quote(value)}"')
        else:
            parts.append(f'{name}=~"{_quote("|".join(re.escape(v) for v in value))}"')
    return "{" + ",".join(parts) + "}"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _seconds(at: datetime | float) -> float:
    return at if isinstance(at, float | int) else utc(at).timestamp()


class PrometheusAPI:
    """Read-only calls to one Prometheus; every answer is parsed into `Sample`s or plain lists."""

    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def _get(self, path: str, params: dict[str, Any] | list[tuple[str, Any]]) -> Any:
        # POST with a form body: long selectors (many services or metrics) would overflow a GET's URL
        response = self._client.post(f"/api/v1/{path}", data=params)
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code != 200 or body.get("status") != "success":
            raise PrometheusQueryError(
                f"{path}: {body.get('errorType', response.status_code)}: {body.get('error', response.text[:200])}"
            )
        return body["data"]

    def query(self, promql: str, at: datetime | float) -> list[Sample]:
        """An instant query; a range selector (`x[5m]`) returns the raw samples of the range."""
        data = self._get("query", {"query": promql, "time": _seconds(at)})
        return _samples(data)

    def query_range(self, promql: str, start: datetime | float, end: datetime | float, step: float) -> list[Sample]:
        """A range query evaluated every `step` seconds over [start, end]."""
        data = self._get("query_range", {"query": promql, "start": _seconds(start), "end": _seconds(end), "step": step})
        return _samples(data)

    def series(self, match: str, start: datetime | float, end: datetime | float) -> list[dict[str, str]]:
        """The label sets of the series that match a selector and have samples in [start, end]."""
        return self._get("series", {"match[]": match, "start": _seconds(start), "end": _seconds(end)})

    def label_values(self, label: str, match: str | None = None) -> list[str]:
        params = {"match[]": match} if match else {}
        response = self._client.get(f"/api/v1/label/{label}/values", params=params)
        body = response.json()
        if body.get("status") != "success":
            raise PrometheusQueryError(f"label values of {label}: {body.get('error', response.text[:200])}")
        return list(body["data"])


def _samples(data: dict[str, Any]) -> list[Sample]:
    kind, result = data["resultType"], data["result"]
    if kind == "matrix":
        return [Sample(labels=r["metric"], points=[(float(t), float(v)) for t, v in r["values"]]) for r in result]
    if kind == "vector":
        return [Sample(labels=r["metric"], points=[(float(r["value"][0]), float(r["value"][1]))]) for r in result]
    if kind == "scalar":
        return [Sample(labels={}, points=[(float(result[0]), float(result[1]))])]
    raise PrometheusQueryError(f"unexpected result type {kind!r}")
