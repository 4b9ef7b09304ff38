"""WRONG: "*" with credentials. Starlette then echoes *any* Origin back with Allow-Credentials: true."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,  # every website may now read responses made with the user's cookies
    allow_methods=["*"],
    allow_headers=["*"],
)


@app.get("/account")
def read_account() -> dict[str, str]:
    return {"email": "alice@example.com"}
