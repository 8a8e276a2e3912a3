import json
import re
from typing import Annotated, Any, Generic, TypeVar

from babel import Locale
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

T = TypeVar("T")

_TERRITORIES = frozenset(code for code in Locale("en").territories if re.fullmatch(r"[A-Z]{2}", code))


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PublicModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _lower(value: str) -> str:
    return value.lower()


def _country(value: str) -> str:
    if value not in _TERRITORIES:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code, e.g. DE")
    return value


def _json_size(limit: int):
    def check(value: Any) -> Any:
        if value is not None and len(json.dumps(value, default=str)) > limit:
            raise ValueError(f"must serialise to at most {limit} characters of JSON")
        return value

    return check


OrderNumber = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
TicketNumber = Annotated[str, StringConstraints(pattern=r"^[Tt]\d{5}$", to_upper=True)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Email = Annotated[EmailStr, Field(max_length=254), AfterValidator(_lower)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True), AfterValidator(_country)]
SessionId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@\-]+$")]
SmallJson = Annotated[dict[str, Any], AfterValidator(_json_size(16_000))]
AuditJson = Annotated[dict[str, Any], AfterValidator(_json_size(64_000))]


def text(max_length: int, min_length: int = 1) -> Any:
    return Field(min_length=min_length, max_length=max_length)


class Money(BaseModel):
    """An amount of a currency with two decimals (EUR, USD, GBP: vocab.CURRENCIES)."""

    amount: str = Field(examples=["49.90"], description="Decimal string, never a float")
    currency: str = Field(examples=["EUR"])

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> "Money":
        sign = "-" if minor < 0 else ""
        minor = abs(minor)
        return cls(amount=f"{sign}{minor // 100}.{minor % 100:02d}", currency=currency)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class StaffRef(BaseModel):
    id: int
    name: str


class ErrorBody(BaseModel):
    code: str
    message: str
    model_config = ConfigDict(extra="allow")


class ErrorResponse(BaseModel):
    detail: ErrorBody
