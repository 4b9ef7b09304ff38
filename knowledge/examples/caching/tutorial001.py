"""Conditional requests: an ETag per version, 304 on If-None-Match, Cache-Control, and 412 on a stale If-Match."""

from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Response, status
from pydantic import BaseModel


class Article(BaseModel):
    id: int
    title: str
    version: int  # bumped on every update


class ArticleUpdate(BaseModel):
    title: str


articles = {1: Article(id=1, title="Caching in FastAPI", version=1)}

app = FastAPI()


def etag_for(article: Article) -> str:
    return f'"{article.id}-{article.version}"'  # quoted; or a hash of the serialized body


def matches(header: str | None, etag: str) -> bool:
    """If-None-Match / If-Match: a comma-separated list of tags or "*"; W/ (weak) prefixes compare equal."""
    if header is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag in tags


def get_article(article_id: int) -> Article:
    if article_id not in articles:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Article not found")
    return articles[article_id]


@app.get("/articles/{article_id}", response_model=Article, responses={304: {"description": "Not Modified"}})
def read_article(
    article_id: int, response: Response, if_none_match: Annotated[str | None, Header()] = None
) -> Article | Response:
    article = get_article(article_id)
    # Caches may reuse it for 60 s, then must revalidate: a 304 costs no body and no serialization.
    headers = {"ETag": etag_for(article), "Cache-Control": "public, max-age=60, must-revalidate"}
    if matches(if_none_match, etag_for(article)):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    response.headers.update(headers)
    return article


@app.put("/articles/{article_id}")
def update_article(
    article_id: int, update: ArticleUpdate, response: Response, if_match: Annotated[str | None, Header()] = None
) -> Article:
    article = get_article(article_id)
    if if_match is not None and not matches(if_match, etag_for(article)):
        # Someone changed it since this client read it: refuse instead of silently losing their update.
        raise HTTPException(status.HTTP_412_PRECONDITION_FAILED, "Article was modified; fetch it again")
    article = articles[article_id] = Article(id=article_id, title=update.title, version=article.version + 1)
    response.headers["ETag"] = etag_for(article)
    return article
