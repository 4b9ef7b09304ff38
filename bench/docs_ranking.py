"""Ranking quality of ``fetch_docs``: for questions written as an assistant asks them, is the right section first?

Each case names a library installed in this environment, a topic, and the section that must come first (its source
and its title, or the end of its title). Answers are offline (installed API, bundled docs, knowledge base), so the
figures depend only on the installed versions. Prints each case's rank of the expected section, then hit@1 and
hit@3 (target hit@3 >= 0.9). ``tests/docs/test_ranking.py`` asserts the same target.

    .venv/bin/python bench/docs_ranking.py
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import anyio

from fastapi_expert.docs.models import DocsAnswer, DocSection
from fastapi_expert.docs.service import DocsService


@dataclass(frozen=True)
class Case:
    library: str
    topic: str
    source: str
    #: The expected section's title, or its last part after " > ".
    title: str

    def matches(self, section: DocSection) -> bool:
        return section.source == self.source and (
            section.title == self.title or section.title.endswith(f" > {self.title}")
        )


CASES = [
    # FastAPI: conceptual questions are answered by the skill FastAPI ships, API names by the installed API.
    Case("fastapi", "dependencies with yield", "bundled", "Dependencies with `yield` and `scope`"),
    Case("fastapi", "Depends", "installed", "fastapi.Depends"),
    Case("fastapi", "BackgroundTasks", "installed", "fastapi.BackgroundTasks"),
    Case("fastapi", "lifespan", "knowledge", "Lifespan events and shared resources"),
    Case("fastapi", "server-sent events", "bundled", "Server-Sent Events (SSE)"),
    Case("fastapi", "include a router with a prefix and tags", "bundled", "Including Routers"),
    Case("fastapi", "return type or response_model", "bundled", "Return Type or Response Model"),
    Case("fastapi", "limit the request body size", "bundled", "Request Body Limits"),
    Case("fastapi", "HTTPException", "installed", "fastapi.HTTPException"),
    Case("fastapi", "APIRouter.include_router", "installed", "fastapi.APIRouter.include_router"),
    Case("fastapi", "class dependencies", "bundled", "Class Dependencies"),
    Case("fastapi", "async def or def path operations", "bundled", "Async vs Sync *path operations*"),
    Case("fastapi", "limit how many dependency calls run concurrently", "bundled", "Limit dependency concurrency"),
    Case("fastapi", "OAuth2PasswordBearer", "installed", "fastapi.security.OAuth2PasswordBearer"),
    Case("fastapi", "stream JSON lines", "bundled", "Stream JSON Lines"),
    Case("fastapi", "override a dependency in tests", "knowledge", "Overriding dependencies in tests"),
    Case("fastapi", "serve a built frontend app", "bundled", "Serve Frontend Apps"),
    Case("fastapi", "should I use RootModel", "bundled", "Do not use Pydantic RootModels"),
    # Pydantic.
    Case("pydantic", "field_validator", "installed", "pydantic.field_validator"),
    Case("pydantic", "model_validator", "installed", "pydantic.model_validator"),
    Case("pydantic", "ConfigDict", "installed", "pydantic.ConfigDict"),
    Case("pydantic", "BaseModel.model_dump", "installed", "pydantic.BaseModel.model_dump"),
    Case("pydantic", "TypeAdapter", "installed", "pydantic.TypeAdapter"),
    Case("pydantic", "computed_field", "installed", "pydantic.computed_field"),
    Case("pydantic", "serialize a model to a JSON string", "installed", "pydantic.BaseModel.model_dump_json"),
    Case("pydantic", "Field alias and default", "installed", "pydantic.Field"),
    # SQLAlchemy.
    Case("sqlalchemy", "AsyncSession.execute", "installed", "sqlalchemy.ext.asyncio.AsyncSession.execute"),
    Case("sqlalchemy", "create_async_engine", "installed", "sqlalchemy.ext.asyncio.create_async_engine"),
    Case("sqlalchemy", "mapped_column", "installed", "sqlalchemy.orm.mapped_column"),
    Case("sqlalchemy", "select()", "installed", "sqlalchemy.select"),
    Case("sqlalchemy", "async_sessionmaker", "installed", "sqlalchemy.ext.asyncio.async_sessionmaker"),
    Case("sqlalchemy", "Session.commit", "installed", "sqlalchemy.orm.Session.commit"),
    Case("sqlalchemy", "eager load a relationship with selectinload", "installed", "sqlalchemy.orm.selectinload"),
]


@dataclass(frozen=True)
class Outcome:
    case: Case
    rank: int | None
    answer: DocsAnswer


async def evaluate(service: DocsService | None = None) -> list[Outcome]:
    """Answer every case offline; the rank is 1-based, ``None`` when the expected section is not in the answer."""
    service = service or DocsService()
    outcomes = []
    for case in CASES:
        answer = await service.fetch_docs(case.library, case.topic, offline=True)
        rank = next((i for i, section in enumerate(answer.sections, 1) if case.matches(section)), None)
        outcomes.append(Outcome(case, rank, answer))
    return outcomes


def hit_at(outcomes: list[Outcome], k: int) -> float:
    return sum(1 for outcome in outcomes if outcome.rank is not None and outcome.rank <= k) / len(outcomes)


def main() -> int:
    outcomes = anyio.run(evaluate)
    for outcome in outcomes:
        case = outcome.case
        rank = "-" if outcome.rank is None else str(outcome.rank)
        first = outcome.answer.sections[0] if outcome.answer.sections else None
        got = f"{first.source}: {first.title}" if first else "(nothing)"
        print(f"{rank:>2}  {case.library:<10} {case.topic:<50} first: {got}")
    hit1, hit3 = hit_at(outcomes, 1), hit_at(outcomes, 3)
    print(f"\n{len(outcomes)} cases  hit@1 {hit1:.2f}  hit@3 {hit3:.2f}  (target hit@3 >= 0.9)")
    return 0 if hit3 >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
