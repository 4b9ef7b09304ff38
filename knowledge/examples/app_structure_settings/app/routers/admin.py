from fastapi import APIRouter, Depends

from ..dependencies import SettingsDep, require_admin_key

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin_key)])


@router.get("/config")
async def read_config(settings: SettingsDep) -> dict[str, str | bool]:
    # Never echo secrets or connection strings: pick the harmless fields explicitly.
    return {"project_name": settings.project_name, "debug": settings.debug}
