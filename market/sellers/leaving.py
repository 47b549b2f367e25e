"""A member's account deleted: she leaves her seller with it (see market.accounts.deletion)."""
from flask_babel import gettext as _
from sqlalchemy import select

from market.accounts.models import Role, User
from market.core.audit import record_audit
from market.core.domain import DomainError
from market.extensions import db
from market.sellers.models import MemberRole, SellerMember


def leave_seller_with_account(user: User, **extra) -> None:
    """Receiver of `market.accounts.deletion.account_deleting` (connected in create_app): a
    member deleting her account leaves her seller, in the deletion's transaction; a seller's
    only owner cannot delete hers until the union hands the seller over or closes it."""
    membership = db.session.scalar(select(SellerMember).where(SellerMember.user_id == user.id))
    if membership is None:
        return
    seller = membership.seller
    owners = [member for member in seller.memberships if member.role == MemberRole.OWNER]
    if membership.role == MemberRole.OWNER and len(owners) <= 1:
        raise DomainError(_(
            "You are the owner of %(seller)s, so your account cannot be deleted yet. Contact the union: "
            "staff will hand the seller over to another member, or close it, and you can then delete "
            "your account.", seller=seller.name), "password")
    db.session.delete(membership)
    user.role = Role.SHOPPER
    record_audit(user.id, "seller", seller.id, "member_removed")
