"""Column helpers shared by the models."""

from enum import StrEnum

from sqlalchemy import Enum


def enum_type(enum_cls: type[StrEnum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint holding the enum's values (not the member names),
    portable across SQLite and PostgreSQL without native enum types to migrate."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
