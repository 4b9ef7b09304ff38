"""BackgroundTasks: short work that runs after the response is sent, added in a route and in a dependency."""

from fastapi import BackgroundTasks, Depends, FastAPI, Request, status
from pydantic import BaseModel, EmailStr

outbox: list[str] = []  # stands in for an email provider
audit_log: list[str] = []  # stands in for an audit table


def send_welcome_email(email: str) -> None:
    # A plain `def` task runs in the threadpool; an `async def` one runs on the event loop and must not block.
    outbox.append(f"Welcome, {email}!")


def write_audit_log(entry: str) -> None:
    audit_log.append(entry)


def audit(request: Request, background_tasks: BackgroundTasks) -> None:
    # A dependency gets the same BackgroundTasks object as the route.
    background_tasks.add_task(write_audit_log, f"{request.method} {request.url.path}")


class SignUp(BaseModel):
    email: EmailStr


app = FastAPI()


@app.post("/signup", status_code=status.HTTP_201_CREATED, dependencies=[Depends(audit)])
def sign_up(body: SignUp, background_tasks: BackgroundTasks) -> SignUp:
    background_tasks.add_task(send_welcome_email, body.email)  # the function and its arguments: no call here
    return body
