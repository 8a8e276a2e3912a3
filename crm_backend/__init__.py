"""CRM backend: the system of record (FastAPI + SQLAlchemy 2 + Alembic, port 8001)."""
