"""FastAPI dependencies: the tenant (through the same hook the runtime uses) and the serving context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from langgraph_sdk import Auth

from api.auth.hook import principal_for_headers
from api.auth.tenants import Principal
from api.http.context import ServingContext, serving_context


async def current_principal(request: Request) -> Principal:
    """The caller's tenant (and person, for a personal key) from its API key; 401 with the reason otherwise."""
    try:
        return await principal_for_headers(request.headers)
    except Auth.exceptions.HTTPException as error:
        raise HTTPException(status_code=401, detail=error.detail) from None


async def current_tenant(principal: Annotated[Principal, Depends(current_principal)]) -> str:
    return principal.tenant


def context() -> ServingContext:
    return serving_context()


TenantDep = Annotated[str, Depends(current_tenant)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
ContextDep = Annotated[ServingContext, Depends(context)]
