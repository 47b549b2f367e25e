"""A seller's shipping terms: the flat fee it charges on each order, and an optional
free-shipping threshold. They apply to orders placed afterwards (an order keeps the
shipping it was placed with)."""
from flask_babel import gettext as _

from market.accounts.models import User
from market.core.audit import record_audit
from market.core.domain import DomainError
from market.extensions import db
from market.sellers.models import Seller
from market.sellers.services import ValidationFailed, seller_of

MAX_SHIPPING_FEE_VND = 5_000_000
# Far above any order of the pilot, and well inside a 32-bit integer column.
MAX_FREE_OVER_VND = 1_000_000_000


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def set_shipping(member: User, fee_vnd: int, free_over_vnd: int | None) -> Seller:
    """Any member of a seller sets its flat shipping fee (0 to 5.000.000 đồng) and its
    free-shipping threshold (None for none, else above 0). Raises ValidationFailed (a
    DomainError naming each wrong field); audited; commits."""
    seller = seller_of(member)
    if seller is None:
        raise DomainError(_("Only members of a seller can set its shipping fee."))
    errors = {}
    if not _is_int(fee_vnd) or not 0 <= fee_vnd <= MAX_SHIPPING_FEE_VND:
        errors["shipping_fee_vnd"] = _("Enter a fee between 0 and 5.000.000 đồng.")
    if free_over_vnd is not None and (not _is_int(free_over_vnd) or not 0 < free_over_vnd <= MAX_FREE_OVER_VND):
        errors["free_shipping_over_vnd"] = _("Enter an amount above 0 đồng, or leave it empty for no free shipping.")
    if errors:
        raise ValidationFailed(errors)
    old = (seller.shipping_fee_vnd, seller.free_shipping_over_vnd)
    seller.shipping_fee_vnd = fee_vnd
    seller.free_shipping_over_vnd = free_over_vnd
    record_audit(member.id, "seller", seller.id, "shipping_updated",
                 detail=f"{old[0]} → {fee_vnd} ₫; free over {old[1] or '–'} → {free_over_vnd or '–'} ₫")
    db.session.commit()
    return seller
