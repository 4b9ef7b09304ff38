"""What a name says about its value: judged by the words it ends with."""

from __future__ import annotations

import pytest

from fastapi_expert.review.secret_names import (
    comparable_secret,
    hardcodable_secret,
    name_words,
    response_secret,
    spells_name,
)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("hashedPassword", ("hashed", "password")),
        ("SECRET_KEY", ("secret", "key")),
        ("APIKey", ("api", "key")),
        ("password2", ("password",)),
        ("", ()),
    ],
)
def test_name_words(name: str, words: tuple[str, ...]) -> None:
    assert name_words(name) == words


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("password", "password"),
        ("new_password", "password"),
        ("password_bytes", "password"),
        ("hashed_password", "hash"),
        ("password_hash", "hash"),
        ("token_hash", "hash"),
        ("totp_secret", "hash"),
        ("secret_key", "key"),
        ("private_key", "key"),
        ("api_key", "credential"),
        ("clientSecret", "credential"),
        ("password_changed_at", None),
        ("secret_name", None),
        ("access_token", None),
        ("token_type", None),
        ("", None),
    ],
)
def test_response_secret(name: str, kind: str | None) -> None:
    assert response_secret(name) == kind


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("SECRET_KEY", True),
        ("DB_PASSWORD", True),
        ("POSTGRES_PWD", True),
        ("stripe_api_key", True),
        ("GITHUB_API_TOKEN", True),
        ("client_secret", True),
        ("hashed_password", False),
        ("SECRET_KEY_ENV", False),
        ("API_KEY_HEADER", False),
        ("token_type", False),
        ("access_token_expire_minutes", False),
        ("password_reset_token", False),
    ],
)
def test_hardcodable_secret(name: str, secret: bool) -> None:
    assert hardcodable_secret(name) is secret


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("x_token", True),
        ("x-signature", True),
        ("apikey", True),
        ("hashed_password", True),
        ("api_key", True),
        ("token_type", False),
        ("username", False),
        ("", False),
    ],
)
def test_comparable_secret(name: str, secret: bool) -> None:
    assert comparable_secret(name) is secret


@pytest.mark.parametrize(
    ("name", "value", "label"),
    [
        ("_HASH_PASSWORD", "hash-password", True),
        ("PASSWORD_FIELD", "password", True),
        ("GRANT_PASSWORD", "password", True),
        ("ACCESS_TOKEN", "access_token", True),
        ("X_API_KEY", "X-API-Key", True),
        ("API_KEY", "sk_live_abc123", False),
        ("API_KEY", "api-key-1", False),
        ("API_KEY", "read-from-settings", False),
        ("ADMIN_PASSWORD", "hunter", False),
        ("API_KEY", "key--api", False),
        ("API_KEY", "", False),
    ],
)
def test_spells_name(name: str, value: str, label: bool) -> None:
    assert spells_name(name, value) is label
