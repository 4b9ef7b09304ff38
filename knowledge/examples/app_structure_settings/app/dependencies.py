import secrets
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status

from .core.config import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]


def require_admin_key(settings: SettingsDep, x_admin_key: Annotated[str | None, Header()] = None) -> None:
    expected = settings.admin_api_key.get_secret_value().encode()
    if x_admin_key is None or not secrets.compare_digest(x_admin_key.encode(), expected):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid admin key")
