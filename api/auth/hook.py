"""The runtime's auth hook (`auth.path` in aegra.json): API key -> tenant; every thread and run scoped to it.

The identity is the tenant name, so the runtime's own per-user scoping isolates tenants (a cross-tenant read
answers 404). Our routes call `authenticate` too, so both are protected by the same code.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from langgraph_sdk import Auth

from api.auth.keys import valid_tenant_name
from api.auth.tenants import Principal, TenantStore
from api.http.settings import serving_settings

SERVICE_TOKEN_HEADER = "x-pm-service-token"
SERVICE_TENANT_HEADER = "x-pm-tenant"

auth = Auth()
_stores: dict[str, TenantStore] = {}


def tenant_store() -> TenantStore:
    """One store per Redis URL and process."""
    url = serving_settings().redis_url
    if url not in _stores:
        _stores[url] = TenantStore.from_url(url)
    return _stores[url]


def _text(headers: Mapping[Any, Any]) -> dict[str, str]:
    """Header names lower-cased and values as text: langgraph-api passes bytes, Aegra passes str."""
    return {
        (k.decode() if isinstance(k, bytes) else str(k)).lower(): v.decode() if isinstance(v, bytes) else str(v)
        for k, v in headers.items()
    }


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The API key from `x-api-key` or `Authorization: Bearer`."""
    if headers.get("x-api-key"):
        return headers["x-api-key"].strip()
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def principal_for_headers(raw_headers: Mapping[Any, Any]) -> Principal:
    """Who a request acts for (its tenant, and the person for a personal key); raises a 401 naming what is wrong."""
    headers = _text(raw_headers)
    token = serving_settings().service_token
    offered = headers.get(SERVICE_TOKEN_HEADER)
    if offered is not None:
        tenant = headers.get(SERVICE_TENANT_HEADER, "")
        if token is None or not hmac.compare_digest(offered, token.get_secret_value()):
            raise Auth.exceptions.HTTPException(status_code=401, detail="invalid service token")
        if not valid_tenant_name(tenant):
            raise Auth.exceptions.HTTPException(status_code=401, detail=f"{SERVICE_TENANT_HEADER} header is missing")
        return Principal(tenant=tenant)
    key = presented_key(headers)
    if key is None:
        raise Auth.exceptions.HTTPException(status_code=401, detail="API key required (x-api-key or Bearer)")
    principal = await tenant_store().principal_for_key(key)
    if principal is None:
        raise Auth.exceptions.HTTPException(status_code=401, detail="unknown API key")
    return principal


async def tenant_for_headers(raw_headers: Mapping[Any, Any]) -> str:
    """The tenant a request acts for; raises a 401 naming what is missing or wrong."""
    return (await principal_for_headers(raw_headers)).tenant


@auth.authenticate
async def authenticate(headers: dict[Any, Any]) -> Auth.types.MinimalUserDict:
    """API key (or our routes' service token) -> the tenant as identity."""
    tenant = await tenant_for_headers(headers)
    return {"identity": tenant, "display_name": tenant, "permissions": ["investigations"], "is_authenticated": True}


@auth.on.threads
async def scope_threads(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> Auth.types.FilterType:
    """Tag new threads with their tenant and filter every thread operation by their `owner` (the tenant)."""
    if ctx.action == "create":
        value["metadata"] = {**(value.get("metadata") or {}), "tenant": ctx.user.identity}
    # `owner` rather than `tenant`: the runtime stamps it on every thread, also those a cron firing creates
    # without passing through this hook, so scheduled investigations stay visible to the tenant that owns them
    return {"owner": ctx.user.identity}
