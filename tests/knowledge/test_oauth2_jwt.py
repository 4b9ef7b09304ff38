"""Tests for the oauth2-jwt knowledge entry."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.knowledge.conftest import LoadExample

SECRET = secrets.token_hex(32)
PASSWORD = "secret"  # what the argon2 hash in the example was made from


@pytest.fixture
def module(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    return load_example("examples/oauth2_jwt/tutorial001.py")


@pytest.fixture
def client(module: ModuleType) -> Iterator[TestClient]:
    with TestClient(module.app) as client:
        yield client


def login(client: TestClient, username: str = "alice", password: str = PASSWORD) -> Any:
    return client.post("/token", data={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(**overrides: Any) -> dict[str, Any]:
    return {"sub": "alice", "exp": datetime.now(UTC) + timedelta(minutes=5)} | overrides


def assert_rejected(response: Any) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "Could not validate credentials"}


def test_login_returns_a_bearer_token_that_authenticates(client: TestClient) -> None:
    """/token exchanges form credentials for a bearer JWT whose `sub` identifies the user on later requests."""
    response = login(client)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    payload = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"])
    assert payload["sub"] == "alice"
    assert payload["exp"] > payload["iat"]

    me = client.get("/users/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == {"username": "alice", "full_name": "Alice Liddell"}


def test_token_lifetime_comes_from_settings(client: TestClient) -> None:
    """`exp` is set from ACCESS_TOKEN_EXPIRE_MINUTES (30 minutes by default), computed from datetime.now(UTC)."""
    payload = jwt.decode(login(client).json()["access_token"], SECRET, algorithms=["HS256"])
    assert payload["exp"] - payload["iat"] == 30 * 60


def test_wrong_password_is_401_with_bearer_challenge(client: TestClient) -> None:
    """A wrong password is rejected with 401 and `WWW-Authenticate: Bearer`."""
    response = login(client, password="wrong")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "Incorrect username or password"}


def test_unknown_user_gets_the_same_answer_and_still_verifies_a_hash(
    client: TestClient, module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown username gets the same 401 as a wrong password and still runs one argon2 verify (the dummy hash)."""
    verified: list[str] = []
    real_verify = module.password_hash.verify

    def spy(password: str, hashed: str) -> bool:
        verified.append(hashed)
        return bool(real_verify(password, hashed))

    monkeypatch.setattr(module.password_hash, "verify", spy)
    unknown = login(client, username="mallory", password="secret")
    wrong = login(client, password="wrong")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert verified[0] == module.DUMMY_HASH
    assert verified[1] != module.DUMMY_HASH
    assert len(verified) == 2


def test_stored_hash_is_argon2_and_hidden_from_responses(client: TestClient, module: ModuleType) -> None:
    """Passwords are stored as argon2id hashes and the return type keeps the hash out of every response."""
    user = module.get_user("alice")
    assert user.hashed_password.startswith("$argon2id$")
    assert module.password_hash.verify("secret", user.hashed_password)
    token = login(client).json()["access_token"]
    assert "hashed_password" not in client.get("/users/me", headers=bearer(token)).text


def test_missing_token_is_401(client: TestClient) -> None:
    """Without an Authorization header OAuth2PasswordBearer answers 401 with a Bearer challenge."""
    response = client.get("/users/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_expired_token_is_401(client: TestClient, module: ModuleType) -> None:
    """A token whose `exp` has passed is rejected with 401."""
    settings = module.get_settings()
    token = module.create_access_token("alice", settings, expires_delta=timedelta(seconds=-1))
    assert_rejected(client.get("/users/me", headers=bearer(token)))


def test_tampered_token_is_401(client: TestClient) -> None:
    """Changing the payload of a signed token (here `sub`) breaks the signature: 401."""
    header, _, signature = login(client).json()["access_token"].split(".")
    forged = base64.urlsafe_b64encode(json.dumps(claims(sub="admin"), default=str).encode()).rstrip(b"=").decode()
    assert_rejected(client.get("/users/me", headers=bearer(f"{header}.{forged}.{signature}")))


def test_token_signed_with_another_key_is_401(client: TestClient) -> None:
    """A well-formed token signed with a different secret is rejected."""
    token = jwt.encode(claims(), secrets.token_hex(32), algorithm="HS256")
    assert_rejected(client.get("/users/me", headers=bearer(token)))


def test_alg_none_token_is_401(client: TestClient) -> None:
    """An unsigned token (`alg: none`) is rejected because decode pins `algorithms=[...]`."""
    token = jwt.encode(claims(), None, algorithm="none")
    assert_rejected(client.get("/users/me", headers=bearer(token)))


def test_token_without_exp_or_sub_is_401(client: TestClient) -> None:
    """`exp` and `sub` are required claims: a correctly signed token missing either is rejected."""
    no_exp = jwt.encode({"sub": "alice"}, SECRET, algorithm="HS256")
    no_sub = jwt.encode({"exp": datetime.now(UTC) + timedelta(minutes=5)}, SECRET, algorithm="HS256")
    assert_rejected(client.get("/users/me", headers=bearer(no_exp)))
    assert_rejected(client.get("/users/me", headers=bearer(no_sub)))


def test_token_for_a_deleted_user_is_401(client: TestClient, module: ModuleType) -> None:
    """`sub` is checked against the user store: a valid token for a user that no longer exists is rejected."""
    token = login(client).json()["access_token"]
    del module.fake_users_db["alice"]
    assert_rejected(client.get("/users/me", headers=bearer(token)))


def test_openapi_declares_the_password_flow(client: TestClient) -> None:
    """OAuth2PasswordBearer documents an OAuth2 password flow pointing at /token, used by the /docs Authorize button."""
    schema = client.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme == {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "token"}}}
    assert schema["paths"]["/users/me"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]


def test_short_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> None:
    """SECRET_KEY comes from the environment and must be at least 32 characters (an HS256 key of 256 bits)."""
    monkeypatch.setenv("SECRET_KEY", "too-short")
    with pytest.raises(ValidationError, match="at least 32"):
        module.Settings()


def test_antipattern_unverified_decode_accepts_forged_tokens(load_example: LoadExample) -> None:
    """Decoding with verify_signature=False lets anyone mint a token for any user."""
    module = load_example("antipatterns/oauth2_jwt/unverified_decode.py")
    forged = jwt.encode(claims(sub="admin"), secrets.token_hex(32), algorithm="HS256")
    with TestClient(module.app) as client:
        response = client.get("/users/me", headers=bearer(forged))
    assert response.status_code == 200
    assert response.json() == {"username": "admin"}
