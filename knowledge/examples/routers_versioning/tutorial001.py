from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, status


def get_tenant(x_tenant: Annotated[str | None, Header()] = None) -> str:
    if not x_tenant:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "X-Tenant header required")
    return x_tenant


TenantDep = Annotated[str, Depends(get_tenant)]

# Prefix, tags, shared dependencies and documented errors belong on the router itself.
items_router = APIRouter(
    prefix="/items",
    tags=["items"],
    dependencies=[Depends(get_tenant)],
    responses={400: {"description": "Missing X-Tenant header"}},
)


@items_router.get("/")
async def list_items() -> list[str]:
    return ["hammer", "nails"]


@items_router.get("/{item_id}")
async def read_item(item_id: int, tenant: TenantDep) -> dict[str, str | int]:
    # Router-level dependencies run but their values are discarded: declare one again to use it
    # (the per-request cache still calls get_tenant only once).
    return {"id": item_id, "tenant": tenant}


health_router = APIRouter(tags=["health"])


@health_router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = FastAPI()
app.include_router(items_router)
app.include_router(health_router)
