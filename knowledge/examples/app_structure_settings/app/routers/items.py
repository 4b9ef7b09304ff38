from fastapi import APIRouter

router = APIRouter(prefix="/items", tags=["items"])

ITEMS = ["hammer", "nails"]


@router.get("/")
async def list_items() -> list[str]:
    return ITEMS
