"""Test data for the union's report, placed at chosen moments: a seller's application and
each staff decision at its own time, an order placed at a given instant. Everything still
goes through the services (tests/builders.py); time_machine only sets the clock they read.

Moments are written in UTC ("2026-05-31 17:30"), as the database keeps them; Vietnam is
seven hours ahead, so that one is 1 June, 00:30 in Vietnam.
"""
import time_machine

from market.sellers import services as sellers
from market.sellers.models import Seller
from tests import builders

REASON = "Hồ sơ chưa đầy đủ."


def at(moment: str):
    """The clock stopped at `moment` (UTC)."""
    return time_machine.travel(f"{moment} +0000", tick=False)


def seller_with_history(staff, email: str, steps: list[tuple[str, str]], *, province: str = "Lâm Đồng",
                        legal_form: str = "cooperative", **changes) -> Seller:
    """A seller whose owner (`email`) applied and staff decided, each step (moment, action) at
    its moment: the first is "submit"; then any staff action ("approve", "reject",
    "request_changes", "suspend", "reinstate"), or "submit" again after changes were asked."""
    (moment, first), *rest = steps
    assert first == "submit"
    owner = builders.make_user(email)
    with at(moment):
        seller = builders.make_seller(owner, "pending", province=province, legal_form=legal_form, staff=staff,
                                      logo=False, **changes)
    for moment, action in rest:
        with at(moment):
            if action == "submit":
                data = builders.application(**{
                    "legal_form": seller.legal_form, "registration_number": seller.registration_number,
                    "province": province, "commune": builders.COMMUNES.get(province, ""), **changes,
                    "name": seller.name,
                })
                seller = sellers.save_application(owner, data, submit=True)
            else:
                reason = REASON if action in ("reject", "request_changes", "suspend") else None
                seller = sellers.decide(staff, seller.id, action, reason)
    return seller


def order_at(moment: str, *lines, user=None, **changes):
    """An order of (product, quantity) lines placed at `moment` (UTC) by `user` (or a guest)."""
    with at(moment):
        return builders.place(*lines, user=user, **changes)
