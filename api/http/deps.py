"""FastAPI dependencies: the tenant (through the same hook the runtime uses) and the serving context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from langgraph_sdk import Auth

from api.auth.hook import tenant_for_headers
from api.http.context import ServingContext, serving_context


async def current_tenant(request: Request) -> str:
    """The caller's tenant from its API key; 401 with the reason otherwise."""
    try:
        return await tenant_for_headers(request.headers)
    except Auth.exceptions.HTTPException as error:
        raise HTTPException(status_code=401, detail=error.detail) from None


def context() -> ServingContext:
    return serving_context()


TenantDep = Annotated[str, Depends(current_tenant)]
ContextDep = Annotated[ServingContext, Depends(context)]
