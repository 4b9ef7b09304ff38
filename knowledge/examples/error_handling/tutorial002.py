import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)
app = FastAPI()


def problem(request: Request, status_code: int, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status_code, media_type="application/problem+json")


# Starlette's HTTPException (FastAPI's is a subclass): also covers unknown routes (404) and wrong methods (405).
@app.exception_handler(StarletteHTTPException)
async def http_exception_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    response = problem(request, exc.status_code, str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Leave out "input": the default 422 echoes what was sent, passwords included.
    errors = [{"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]} for error in exc.errors()]
    return problem(request, status.HTTP_422_UNPROCESSABLE_CONTENT, "The request is invalid", errors=errors)


@app.exception_handler(Exception)
async def unhandled_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    # Log the details for operators; tell the client nothing about the internals.
    logger.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, status.HTTP_500_INTERNAL_SERVER_ERROR, "An unexpected error occurred.")


class Login(BaseModel):
    username: str
    password: str = Field(min_length=12)


@app.post("/login")
async def login(credentials: Login) -> dict[str, str]:
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid credentials", headers={"WWW-Authenticate": "Bearer"})


@app.get("/reports/{report_id}")
async def read_report(report_id: int) -> dict[str, int]:
    raise ConnectionError("could not connect to postgresql://reports:hunter2@10.0.0.7/reports")
