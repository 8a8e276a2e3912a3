"""Path and query parameter types shared by the routes."""

from typing import Annotated

from fastapi import Path, Query

OrderNumberPath = Annotated[str, Path(pattern=r"^\d{6}$", description="6 digits", examples=["100101"])]
TicketNumberPath = Annotated[str, Path(pattern=r"^[Tt]\d{5}$", description="T + 5 digits", examples=["T10001"])]
SessionIdPath = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@\-]+$")]
Limit = Annotated[int, Query(ge=1, le=100, description="page size (1-100)")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
SearchText = Annotated[str | None, Query(min_length=1, max_length=100)]
