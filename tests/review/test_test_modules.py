"""Test modules hold literal credentials and throw-away apps on purpose: the rules about them stay silent there."""

from __future__ import annotations

import pytest

from fastapi_expert.review.checker import check_source
from fastapi_expert.review.context import SourceFile
from fastapi_expert.review.registry import rule_by_code


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("tests/test_app.py", True),
        ("tests/api/routes.py", True),
        ("app/testing/fixtures.py", True),
        ("test_users.py", True),
        ("app/users_test.py", True),
        ("conftest.py", True),
        ("app/core/settings/test.py", True),
        ("C:\\project\\tests\\x.py", True),
        ("app/latest.py", False),
        ("app/contest.py", False),
        ("app/attestation.py", False),
    ],
)
def test_is_test(path: str, is_test: bool) -> None:
    assert SourceFile(path, "").is_test is is_test


CASES = {
    "FE007": "SECRET_KEY = 'not-a-real-key'\n",
    "FE017": (
        "from fastapi import FastAPI, Depends\ndef get_current_user(): ...\napp = FastAPI()\n"
        "@app.get('/items')\ndef a(user=Depends(get_current_user)): ...\n@app.post('/items')\ndef b(): ...\n"
    ),
    "FE041": "from fastapi import Header\ndef check(x_token: str = Header()):\n    return x_token == 'abc'\n",
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_rules_about_fixtures_are_silent_in_test_modules(code: str) -> None:
    rule = rule_by_code(code)
    assert rule is not None
    assert check_source(CASES[code], "app/main.py", [rule]), "the case must trigger outside tests"
    assert check_source(CASES[code], "tests/test_main.py", [rule]) == []
