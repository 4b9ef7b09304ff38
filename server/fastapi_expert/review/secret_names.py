"""What a name says about its value: ``SECRET_KEY`` holds a secret, ``hashed_password`` a password's hash,
``password_changed_at`` neither.

Names are split into words (``snake_case``, ``camelCase``, ``UPPER_CASE``) and judged by how they *end*: the last
words name what the value is, the first ones only qualify it (``secret_name`` is a name, ``api_key_header`` a header).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

__all__ = ["SecretKind", "comparable_secret", "hardcodable_secret", "name_words", "response_secret", "spells_name"]

SecretKind = Literal["password", "hash", "key", "credential"]

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
#: Letters joined by single separators: a value that can spell words and nothing else (no digits, no symbols).
_SPELLED = re.compile(r"[A-Za-z]+(?:[ _.:-]?[A-Za-z]+)*")

_PASSWORD_WORDS = ("password", "passwd", "passphrase")

#: Endings naming a private key or signing secret: never sent to a client, never written in code.
_KEYS: tuple[tuple[str, ...], ...] = (
    ("secret", "key"),
    ("private", "key"),
    ("signing", "key"),
    ("encryption", "key"),
    ("jwt", "key"),
    ("jwt", "secret"),
    ("master", "key"),
    ("fernet", "key"),
    ("hmac", "key"),
)
#: Endings naming a hash of a secret: useless to a client, a gift to an attacker.
_HASHES: tuple[tuple[str, ...], ...] = (
    ("password", "hash"),
    ("passwd", "hash"),
    ("password", "salt"),
    ("token", "hash"),
    ("key", "hash"),
    ("secret", "hash"),
    ("otp", "secret"),
    ("totp", "secret"),
)
#: Endings naming a credential a client may legitimately receive once (when it is created).
_CREDENTIALS: tuple[tuple[str, ...], ...] = (
    ("api", "key"),
    ("apikey",),
    ("access", "key"),
    ("secret",),
)
#: Endings naming a bearer token: a hard-coded one is a leaked one.
_TOKENS: tuple[tuple[str, ...], ...] = (
    ("api", "token"),
    ("auth", "token"),
    ("access", "token"),
    ("refresh", "token"),
    ("bot", "token"),
    ("bearer", "token"),
    ("secret", "token"),
    ("admin", "token"),
    ("master", "token"),
    ("service", "token"),
)


#: Trailing words that say how a value is stored, not what it is (``password_bytes`` is a password).
_REPRESENTATIONS = frozenset({"bytes", "str", "string", "value", "text", "raw"})


def name_words(name: str) -> tuple[str, ...]:
    """``hashedPassword`` -> ``("hashed", "password")``; ``SECRET_KEY`` -> ``("secret", "key")``."""
    return tuple(word.lower() for word in _WORD.findall(name) if not word.isdigit())


def _core_words(name: str) -> tuple[str, ...]:
    words = name_words(name)
    while len(words) > 1 and words[-1] in _REPRESENTATIONS:
        words = words[:-1]
    return words


def _ends_with(words: tuple[str, ...], endings: tuple[tuple[str, ...], ...]) -> bool:
    return any(len(words) >= len(ending) and words[-len(ending) :] == ending for ending in endings)


def _is_password(words: tuple[str, ...]) -> bool:
    return bool(words) and (words[-1] == "pwd" or any(words[-1].endswith(word) for word in _PASSWORD_WORDS))


@cache
def response_secret(name: str) -> SecretKind | None:
    """What secret a response field called ``name`` would expose, if any.

    ``credential`` (``api_key``, ``secret``) is what a create endpoint may show once; the other kinds never belong in a
    response.
    """
    words = _core_words(name)
    if _ends_with(words, _HASHES) or (words and "hashed" in words and _is_password(words)):
        return "hash"
    if _is_password(words):
        return "password"
    if _ends_with(words, _KEYS):
        return "key"
    if _ends_with(words, _CREDENTIALS):
        return "credential"
    return None


@cache
def hardcodable_secret(name: str) -> bool:
    """Whether a variable, field or parameter called ``name`` holds a secret that must not be a literal."""
    words = _core_words(name)
    if any(word.startswith("hash") for word in words):
        return False
    return _is_password(words) or _ends_with(words, _KEYS + _CREDENTIALS + _TOKENS + (("client", "secret"),))


@cache
def comparable_secret(name: str) -> bool:
    """Whether comparing a value called ``name`` leaks timing about a secret (tokens, keys, passwords, signatures)."""
    words = _core_words(name)
    if not words:
        return False
    if words[-1] in {"token", "signature", "digest", "secret"} or words[-1] == "apikey":
        return True
    return hardcodable_secret(name) or _ends_with(words, _HASHES) or (_is_password(words))


@cache
def spells_name(name: str, value: str) -> bool:
    """Whether ``value`` only spells words of ``name``, in order: a label naming the thing, not the thing.

    ``_HASH_PASSWORD = "hash-password"`` (a sub-command), ``GRANT_PASSWORD = "password"`` (a grant type) and
    ``ACCESS_TOKEN = "access_token"`` (a key) are labels; ``API_KEY = "sk_live_abc123"`` and ``ADMIN_PASSWORD =
    "hunter"`` are not. Digits and symbols never spell a word, so ``API_KEY = "api-key-1"`` is not a label either.
    """
    if not _SPELLED.fullmatch(value):
        return False
    said, words = name_words(value), name_words(name)
    size = len(said)
    return size > 0 and any(words[start : start + size] == said for start in range(len(words) - size + 1))
