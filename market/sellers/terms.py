"""The seller terms (kept by market.pages) as they bind the members of sellers."""
from market.accounts.models import User
from market.sellers.models import SellerStatus
from market.sellers.services import seller_of


def seller_terms_baseline(user: User) -> int | None:
    """For market.pages (handed down by create_app): None when the seller terms do not bind
    `user` (not a member of an approved seller); else the version she holds without an
    acceptance of her own: the one her seller accepted when applying, or 1 for a seller
    approved before the terms were asked for."""
    seller = seller_of(user)
    if seller is None or seller.status != SellerStatus.APPROVED:
        return None
    return seller.terms_version or 1
