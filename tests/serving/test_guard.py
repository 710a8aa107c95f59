"""The request guard around an app whose errors quote SQL, over HTTP (httpx's ASGI transport): no 5xx body carries
internals, whichever layer produced it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse

from api.http.guard import RequestGuard

SQL = "SELECT thread_id FROM thread WHERE thread_id = $1 (parameters: ('\\x00',))"


def guarded() -> httpx.AsyncClient:
    app = FastAPI()

    @app.get("/raises")
    async def raises() -> None:
        raise RuntimeError(SQL)

    @app.get("/detail")
    async def detail() -> None:
        raise HTTPException(status_code=500, detail=SQL)

    @app.get("/busy")
    async def busy() -> JSONResponse:
        return JSONResponse({"message": SQL}, status_code=503, headers={"Retry-After": "2"})

    @app.get("/fine")
    async def fine() -> dict[str, str]:
        return {"ok": "yes"}

    guard = RequestGuard(app, max_body_bytes=1024, max_json_depth=8)
    transport = httpx.ASGITransport(app=guard, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://guarded")


async def test_no_5xx_body_carries_internals() -> None:
    async with guarded() as http:
        raised, detailed, busy, fine = [await http.get(p) for p in ("/raises", "/detail", "/busy", "/fine")]
    for answer in (raised, detailed, busy):
        assert answer.status_code >= 500
        assert "SELECT" not in answer.text and "thread_id" not in answer.text, answer.text
        assert answer.json()["message"]
    assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
    assert fine.json() == {"ok": "yes"}


def echoing() -> httpx.AsyncClient:
    app = FastAPI()

    @app.api_route("/echo", methods=["GET", "POST"])
    async def echo(offset: int | None = None) -> dict[str, int | None]:
        return {"offset": offset}

    guard = RequestGuard(app, max_body_bytes=1024, max_json_depth=8)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://guarded")


async def test_integers_beyond_64_bits_are_refused_by_name_and_others_pass() -> None:
    async with echoing() as http:
        body = await http.post("/echo", json={"limit": 10, "offset": 2**63})
        query = await http.get("/echo", params={"offset": "-99999999999999999999"})
        padded = await http.get("/echo", params={"offset": "0000000000000000000000042"})
        largest = await http.post("/echo", json={"offset": 2**63 - 1})
        nested = await http.post("/echo", json={"metadata": {"big": 10**30}, "name": "12345678901234567890123"})
    for refused in (body, query):
        assert refused.status_code == 422
        assert refused.json()["message"].startswith("offset: "), refused.text
    assert padded.json() == {"offset": 42}
    assert largest.status_code == 200 and nested.status_code == 200
