from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


@app.exception_handler(Exception)
async def unhandled_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=500)  # WRONG: internal text goes to the client


@app.get("/reports/{report_id}")
async def read_report(report_id: int) -> dict[str, int]:
    raise ConnectionError("could not connect to postgresql://reports:hunter2@10.0.0.7/reports")
