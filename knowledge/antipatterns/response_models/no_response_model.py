from fastapi import FastAPI

app = FastAPI()

USERS = {"ada": {"username": "ada", "email": "ada@example.com", "hashed_password": "$argon2id$v=19$..."}}


@app.get("/users/{username}")
async def read_user(username: str):  # no return type, no response_model: whatever is returned is sent
    return USERS[username]
