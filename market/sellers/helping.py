"""Help on a seller's behalf: the owner's consent (`SellerHelpGrant`), who it covers, its end,
and the sellers the union helped (for the union's counts).

A seller's owner names the staff of her province, or one staff member who may see her
seller, for a period; she can end it at any time, and it ends by itself when the period runs
out (`settle_expired_help`: by `flask sellers end-expired-help`, or at the first look after).
While it lasts, a covered staff member may open the seller area (`sellers.acting` checks the
grant again on every request); everything she does there is audited with the seller.
"""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from market.accounts.models import Role, User
from market.core.audit import AuditEntry, record_audit
from market.core.domain import DomainError
from market.extensions import db
from market.geo.provinces import get_by_code
from market.sellers import notices
from market.sellers.models import MemberRole, Seller, SellerHelpGrant, SellerStatus
from market.sellers.services import membership_of

DEFAULT_DAYS = 14
MIN_DAYS, MAX_DAYS = 1, 60
# Help is for sellers that sell, or that were suspended and have orders to finish.
HELPABLE_STATUSES = (SellerStatus.APPROVED, SellerStatus.SUSPENDED)


def _province_name(code: str) -> str:
    province = get_by_code(code)
    return province.name if province else code


def staff_who_may_help(seller: Seller) -> list[User]:
    """Active staff who see the seller: central staff, and the provincial staff of its province."""
    query = (
        select(User)
        .where(User.role == Role.STAFF, User.deactivated_at.is_(None), User.deleted_at.is_(None),
               or_(User.staff_province_code.is_(None), User.staff_province_code == seller.province_code))
        .order_by(User.full_name, User.id)
    )
    return list(db.session.scalars(query))


def _provincial_staff(seller: Seller) -> list[User]:
    return [user for user in staff_who_may_help(seller) if user.staff_province_code == seller.province_code]


def helper_label(grant: SellerHelpGrant) -> str:
    """Who a grant lets help, in the current language."""
    if grant.staff is not None:
        return grant.staff.full_name or grant.staff.email
    return _("the staff of the Women's Union of %(province)s", province=_province_name(grant.seller.province_code))


def covers(grant: SellerHelpGrant, staff: User) -> bool:
    """`staff` is the one the grant names, or one of its province's staff when it names none;
    and still staff who may see the seller (an account moved to another province, made a
    shopper or deactivated loses the help it was given)."""
    seller = grant.seller
    if not staff.is_staff or not staff.is_active:
        return False
    if staff.staff_province_code not in (None, seller.province_code):
        return False
    if grant.staff_id is not None:
        return grant.staff_id == staff.id
    return staff.staff_province_code == seller.province_code


def grant_in_force(seller_id: int, now: datetime) -> SellerHelpGrant | None:
    """The seller's grant in force at `now`, if any (at most one is)."""
    query = (
        select(SellerHelpGrant)
        .where(SellerHelpGrant.seller_id == seller_id, SellerHelpGrant.ended_at.is_(None),
               SellerHelpGrant.starts_at <= now, SellerHelpGrant.ends_at > now)
        .order_by(SellerHelpGrant.id.desc())
    )
    return db.session.scalars(query).first()


def past_grants(seller_id: int, now: datetime) -> list[SellerHelpGrant]:
    """The seller's grants no longer in force, newest first."""
    query = (
        select(SellerHelpGrant)
        .where(SellerHelpGrant.seller_id == seller_id,
               or_(SellerHelpGrant.ended_at.is_not(None), SellerHelpGrant.ends_at <= now))
        .order_by(SellerHelpGrant.id.desc())
    )
    return list(db.session.scalars(query))


def _owner_seller(owner: User) -> Seller:
    # A plain member, a shopper, and staff helping the seller (a stand-in plain member) are refused.
    membership = membership_of(owner)
    if membership is None or membership.role != MemberRole.OWNER:
        raise DomainError(_("Only the owner of a seller can let the union help on its behalf."))
    return membership.seller


def grant_help(owner: User, staff_id: int | None, days: int | None, now: datetime) -> SellerHelpGrant:
    """The owner lets the union help for `days` days from `now`: one staff member (`staff_id`),
    or her province's staff (None). She is sent a confirmation."""
    seller = _owner_seller(owner)
    if seller.status not in HELPABLE_STATUSES:
        raise DomainError(_("The union can help once your seller is approved."))
    if days is None or not MIN_DAYS <= days <= MAX_DAYS:
        raise DomainError(_("Choose between %(min)s and %(max)s days.", min=MIN_DAYS, max=MAX_DAYS), "days")
    # One grant in force at a time: a double submit waits here for the first to commit, then
    # finds its grant (the seller's row is locked on PostgreSQL; SQLite writes one at a time).
    db.session.execute(select(Seller.id).where(Seller.id == seller.id).with_for_update())
    if grant_in_force(seller.id, now) is not None:
        raise DomainError(_("The union may already help you: end that help first to name someone else."))
    if staff_id is None:
        if not _provincial_staff(seller):
            raise DomainError(_("No staff of your province use the marketplace yet: name a staff member instead."),
                              "helper")
    elif staff_id not in {user.id for user in staff_who_may_help(seller)}:
        raise DomainError(_("Choose a staff member from the list."), "helper")
    grant = SellerHelpGrant(seller_id=seller.id, granted_by_id=owner.id, staff_id=staff_id, starts_at=now,
                            ends_at=now + timedelta(days=days))
    db.session.add(grant)
    db.session.flush()
    label = helper_label(grant)
    record_audit(owner.id, "seller", seller.id, "help_granted", detail=f"{label}; {days} days"[:300])
    notices.help_started(owner, seller, grant, helper_label)
    db.session.commit()
    return grant


def _close(grant: SellerHelpGrant, ended_at: datetime, ended_by_id: int | None) -> bool:
    """Mark the grant ended unless something else already did: a conditional UPDATE, so two
    requests (or a request and the command) never both end it and tell the owner twice."""
    result = db.session.execute(
        update(SellerHelpGrant)
        .where(SellerHelpGrant.id == grant.id, SellerHelpGrant.ended_at.is_(None))
        .values(ended_at=ended_at, ended_by_id=ended_by_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(grant)
    return True


def end_help(owner: User, now: datetime) -> SellerHelpGrant:
    """The owner ends the help in force now; she is told it ended."""
    seller = _owner_seller(owner)
    grant = grant_in_force(seller.id, now)
    if grant is None or not _close(grant, now, owner.id):
        raise DomainError(_("The union is not helping you at the moment."))
    record_audit(owner.id, "seller", seller.id, "help_ended", detail=helper_label(grant)[:300])
    notices.help_ended(seller, grant, helper_label, ran_out=False)
    db.session.commit()
    return grant


def settle_expired_help(now: datetime, seller_id: int | None = None) -> int:
    """End the grants whose period ran out (every seller's, or one seller's), telling each
    owner once; returns how many ended. Run by `flask sellers end-expired-help`, and lazily
    when a grant is next looked at."""
    query = select(SellerHelpGrant).where(SellerHelpGrant.ended_at.is_(None), SellerHelpGrant.ends_at <= now)
    if seller_id is not None:
        query = query.where(SellerHelpGrant.seller_id == seller_id)
    ended = 0
    for grant in db.session.scalars(query.order_by(SellerHelpGrant.id)).all():
        if _close(grant, grant.ends_at, None):
            record_audit(None, "seller", grant.seller_id, "help_expired", detail=helper_label(grant)[:300])
            notices.help_ended(grant.seller, grant, helper_label, ran_out=True)
            ended += 1
    db.session.commit()
    return ended


def check_help(staff: User, seller_id: int, now: datetime) -> SellerHelpGrant:
    """The grant that lets `staff` help seller `seller_id` now; DomainError saying why not."""
    seller = db.session.get(Seller, seller_id)
    if seller is None:
        raise DomainError(_("This seller does not exist."))
    grant = grant_in_force(seller_id, now)
    if grant is None:
        latest = db.session.scalars(select(SellerHelpGrant).where(SellerHelpGrant.seller_id == seller_id)
                                    .order_by(SellerHelpGrant.id.desc())).first()
        if latest is None:
            raise DomainError(_("%(seller)s has not asked for the union's help.", seller=seller.name))
        if latest.ended_at is not None and latest.ended_by_id is not None:
            raise DomainError(_("%(seller)s ended the union's help.", seller=seller.name))
        raise DomainError(_("The period in which %(seller)s let the union help has ended.", seller=seller.name))
    if not covers(grant, staff):
        raise DomainError(_("%(seller)s asked %(helper)s for help, not you.", seller=seller.name,
                            helper=helper_label(grant)))
    return grant


def open_help(staff: User, seller_id: int, now: datetime) -> SellerHelpGrant:
    """`staff` opens the seller area to help, under the grant in force (audited)."""
    grant = check_help(staff, seller_id, now)
    record_audit(staff.id, "seller", seller_id, "help_opened")
    db.session.commit()
    return grant


def helped_seller_ids(start: datetime, end: datetime, acted_only: bool = False) -> set[int]:
    """Sellers the union helped in [start, end): at least one action done on their behalf,
    or (unless `acted_only`) a grant in force at some moment of the span."""
    acted = select(AuditEntry.on_behalf_of_seller_id).where(
        AuditEntry.on_behalf_of_seller_id.is_not(None), AuditEntry.created_at >= start, AuditEntry.created_at < end)
    found = set(db.session.scalars(acted.distinct()))
    if not acted_only:
        granted = select(SellerHelpGrant.seller_id).where(
            SellerHelpGrant.starts_at < end, SellerHelpGrant.ends_at > start,
            or_(SellerHelpGrant.ended_at.is_(None), SellerHelpGrant.ended_at > start))
        found |= set(db.session.scalars(granted.distinct()))
    return found
