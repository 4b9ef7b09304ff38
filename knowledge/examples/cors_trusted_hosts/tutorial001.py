"""CORS for a browser frontend on another origin: explicit origins, methods and headers, credentials allowed."""

from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    # env CORS_ORIGINS='["https://app.example.com"]': scheme + host + port, no path, no trailing slash.
    cors_origins: list[str] = ["http://localhost:5173"]


settings = Settings()

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.cors_origins,  # explicit list: required when credentials are allowed
    allow_credentials=True,  # cookies / Authorization header from the browser
    allow_methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["Authorization", "Content-Type"],
    expose_headers=["X-Total-Count"],  # response headers the frontend's JavaScript may read
    max_age=600,  # seconds a browser may cache a preflight answer
)


@app.get("/items")
def list_items(response: Response) -> list[str]:
    response.headers["X-Total-Count"] = "2"
    return ["hammer", "saw"]


@app.post("/items", status_code=201)
def create_item() -> dict[str, str]:
    return {"status": "created"}
