"""WRONG: add_task(send_welcome_email(email)) calls the function during the request and schedules its result."""

from fastapi import BackgroundTasks, FastAPI

outbox: list[str] = []

app = FastAPI()


def send_welcome_email(email: str) -> None:
    outbox.append(f"Welcome, {email}!")


@app.post("/signup")
def sign_up(email: str, background_tasks: BackgroundTasks) -> dict[str, str]:
    background_tasks.add_task(send_welcome_email(email))  # runs now, then schedules None
    return {"email": email}
