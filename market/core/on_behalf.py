"""Who acts on whose behalf in this request: a staff member working in a seller's area with
the seller's consent (market.sellers.acting sets it per request, for the seller area only).

Two readers, one source: `record_audit` marks the rows that staff member writes with the
seller, and the sellers package counts the staff member as a member of that seller. A
context variable, not `flask.g`, so services read it without knowing of requests; it is
cleared at the end of every request, and is None in commands and background work.
"""
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class OnBehalf:
    actor_id: int
    seller_id: int


_current: ContextVar[OnBehalf | None] = ContextVar("on_behalf", default=None)


def begin(actor_id: int, seller_id: int) -> None:
    """From now until `end()`, `actor_id` acts for seller `seller_id`."""
    _current.set(OnBehalf(actor_id, seller_id))


def end() -> None:
    _current.set(None)


def seller_for(actor_id: int | None) -> int | None:
    """The seller `actor_id` acts for in this request, or None (someone else, or nobody)."""
    current = _current.get()
    if current is None or actor_id is None or current.actor_id != actor_id:
        return None
    return current.seller_id
