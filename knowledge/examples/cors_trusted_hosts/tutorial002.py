"""TrustedHostMiddleware: answer 400 to requests whose Host header is not one of ours."""

from fastapi import FastAPI
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    # env ALLOWED_HOSTS='["api.example.com", "*.api.example.com"]'
    allowed_hosts: list[str] = ["api.example.com", "*.api.example.com", "localhost"]


settings = Settings()

app = FastAPI()
# Add it after other middleware (the last added is outermost), so bad hosts are rejected first.
app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)


@app.get("/")
def root() -> dict[str, str]:
    return {"status": "ok"}
