"""The auth schemes ``add_auth`` offers: what each generated auth module is called from, and how it is rendered.

Every auth module (``generate/templates/auth/<scheme>.py.j2``) exports the same contract the codemod relies on:
``require_auth``, a dependency for ``dependencies=[Depends(require_auth)]``; for schemes that identify a user,
``CurrentUser``, an ``Annotated`` alias for a ``current_user: CurrentUser`` parameter; for ``oauth2-password-jwt``,
``router``, the ``APIRouter`` serving ``POST /token``. Secrets are read from the environment by pydantic-settings
(``SECRET_KEY``, ``API_KEY``, ``AUTH_USERNAME`` ...), never written into the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from fastapi_expert.errors import InputError

__all__ = [
    "API_KEY_HEADER",
    "DEPENDENCY_NAME",
    "SCHEMES",
    "SCHEME_NAMES",
    "TOKEN_ROUTER_NAME",
    "USER_ALIAS",
    "USER_PARAMETER",
    "AuthScheme",
    "SchemeName",
    "render_auth_module",
    "scheme_named",
]

SchemeName = Literal["oauth2-password-jwt", "api-key", "http-basic"]
SCHEME_NAMES: tuple[str, ...] = get_args(SchemeName)

#: Names every auth module exports (the codemod imports them; a hand-written module with them is recognised).
DEPENDENCY_NAME = "require_auth"
USER_ALIAS = "CurrentUser"
TOKEN_ROUTER_NAME = "router"  # noqa: S105 - a variable name
#: The parameter a route gets when its body uses the user (``current_user`` is a free name in it).
USER_PARAMETER = "current_user"


@dataclass(frozen=True, slots=True)
class AuthScheme:
    """One scheme: its name, template, the security class it declares, and what its module exports."""

    name: SchemeName
    template: str
    security_class: str  # the ``fastapi.security`` class, qualified
    has_user: bool  # exports ``CurrentUser``
    has_token_route: bool  # exports ``router`` with ``POST /token``, to be included into the app
    environment: tuple[str, ...]  # the variables it reads (required ones first)


SCHEMES: dict[str, AuthScheme] = {
    "oauth2-password-jwt": AuthScheme(
        name="oauth2-password-jwt",
        template="auth/oauth2_password_jwt.py.j2",
        security_class="fastapi.security.OAuth2PasswordBearer",
        has_user=True,
        has_token_route=True,
        environment=("SECRET_KEY", "AUTH_USERNAME", "AUTH_PASSWORD_HASH", "ACCESS_TOKEN_EXPIRE_MINUTES"),
    ),
    "api-key": AuthScheme(
        name="api-key",
        template="auth/api_key.py.j2",
        security_class="fastapi.security.APIKeyHeader",
        has_user=False,
        has_token_route=False,
        environment=("API_KEY",),
    ),
    "http-basic": AuthScheme(
        name="http-basic",
        template="auth/http_basic.py.j2",
        security_class="fastapi.security.HTTPBasic",
        has_user=True,
        has_token_route=False,
        environment=("AUTH_USERNAME", "AUTH_PASSWORD"),
    ),
}

#: The header the ``api-key`` scheme reads.
API_KEY_HEADER = "X-API-Key"


def scheme_named(name: str) -> AuthScheme:
    """The scheme called ``name``; ``InputError`` (argument ``scheme``) listing the known ones otherwise."""
    try:
        return SCHEMES[name]
    except KeyError:
        known = ", ".join(SCHEME_NAMES)
        raise InputError(f"unknown scheme {name!r}; the schemes are {known}", argument="scheme") from None


def render_auth_module(scheme: AuthScheme, *, filename: str = "auth.py") -> str:
    """The auth module of ``scheme``, rendered through the one template environment and formatted by ruff."""
    from fastapi_expert.generate.render import render_python

    return render_python(scheme.template, filename=filename, header=API_KEY_HEADER)
