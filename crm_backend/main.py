"""CRM application: `uvicorn crm_backend.main:app`."""

from fastapi import FastAPI

app = FastAPI(title="CRM backend", version="1")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
