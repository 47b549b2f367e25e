"""Invitations to join a seller: by email, or by a link the owner shares in Zalo or by SMS
(the same signed link, expiring a fixed time after the invitation was made); reading one for
its page, accepting it, withdrawing it."""
import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from market.accounts.models import Role, User
from market.accounts.services import normalise_email
from market.core.audit import record_audit
from market.core.clock import aware, utcnow
from market.core.domain import DomainError
from market.core.mail import queue_email
from market.core.urls import public_url
from market.extensions import db
from market.sellers.models import MemberRole, Seller, SellerInvitation, SellerMember
from market.sellers.services import membership_of, owner_seller


def _invitation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="seller-invitation")


def invitation_link(invitation: SellerInvitation) -> str:
    """The invitation's signed link (the email's, or one to share in Zalo or by SMS). A link
    made later for the same invitation expires when the first did: `read_invitation` counts
    from the invitation's creation, not from the link's signature."""
    return public_url("sellers.accept_invitation", token=_invitation_token(invitation))


def _invitation_token(invitation: SellerInvitation) -> str:
    # A signed link is readable by whoever holds it (signed, not encrypted): it carries a keyed
    # hash of the invited address, never the address, so a forwarded link does not tell it.
    return _invitation_serializer().dumps({"i": invitation.id, "t": _email_tag(invitation.email)})


def _email_tag(email: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"seller-invitation-email:" + email.encode(), hashlib.sha256).hexdigest()[:24]


def _names_its_invitation(data: dict, invitation: SellerInvitation) -> bool:
    if "t" in data:
        return hmac.compare_digest(str(data["t"]), _email_tag(invitation.email))
    return data.get("e") == invitation.email  # links mailed before the tag, until they expire


def invitation_expires_at(invitation: SellerInvitation) -> datetime:
    return aware(invitation.created_at) + timedelta(seconds=current_app.config["INVITATION_MAX_AGE"])


def invite_member(owner: User, email: str, send_email: bool = True) -> tuple[SellerInvitation, str]:
    """Invite an email to join the owner's seller; returns the invitation and its link's token.

    The link is signed and expires INVITATION_MAX_AGE seconds after the invitation is made;
    the email with it is queued in the same transaction, unless the owner shares the link
    themself (`send_email=False`: Zalo, SMS).
    """
    seller = owner_seller(owner)
    email = normalise_email(email)
    already = db.session.scalar(
        select(SellerMember.id).join(User).where(SellerMember.seller_id == seller.id, User.email == email)
    )
    if already:
        raise DomainError(_("This person is already a member."), "email")
    invitation = SellerInvitation(seller_id=seller.id, email=email, invited_by_id=owner.id, created_at=utcnow())
    db.session.add(invitation)
    db.session.flush()
    record_audit(owner.id, "seller", seller.id, "member_invited" if send_email else "member_invited_by_link",
                 detail=email)
    token = _invitation_token(invitation)
    link = public_url("sellers.accept_invitation", token=token)
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    if send_email:
        with force_locale(owner.locale or "vi"):
            queue_email(
                email,
                _("%(name)s invites you to sell with them", name=seller.name),
                _(
                    "%(owner)s invites you to join “%(name)s” on the Women's Cooperative Market. "
                    "Sign in (or register) with this email address, then open this link within %(days)d days:\n\n%(link)s",
                    owner=owner.full_name,
                    name=seller.name,
                    days=days,
                    link=link,
                ),
            )
    db.session.commit()
    return invitation, token


def read_invitation(token: str) -> SellerInvitation:
    """The invitation a link names, while it may still be accepted; otherwise the reason why not."""
    try:
        data = _invitation_serializer().loads(token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except SignatureExpired:
        raise DomainError(_("This invitation has expired. Ask the owner to invite you again.")) from None
    except BadSignature:
        raise DomainError(_("This invitation link is not valid.")) from None
    invitation = db.session.get(SellerInvitation, data.get("i")) if isinstance(data, dict) else None
    if invitation is None or invitation.revoked_at is not None or not _names_its_invitation(data, invitation):
        raise DomainError(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise DomainError(_("This invitation has already been used."))
    if utcnow() >= invitation_expires_at(invitation):
        raise DomainError(_("This invitation has expired. Ask the owner to invite you again."))
    return invitation


def accept_invitation(user: User, token: str) -> SellerMember:
    """Join a seller through an invitation link, signed in with the invited email."""
    invitation = read_invitation(token)
    if not is_for(invitation, user):
        raise DomainError(_("This invitation was sent to another email address. Sign in with that address to accept it."))
    if user.role == Role.STAFF:
        raise DomainError(_("Union staff accounts cannot join a seller."))
    if membership_of(user) is not None:
        raise DomainError(_("You are already a member of a seller."))
    # Conditional, so that an accept racing a withdrawal (or another accept) cannot both win.
    taken = db.session.execute(
        update(SellerInvitation)
        .where(SellerInvitation.id == invitation.id, SellerInvitation.accepted_at.is_(None),
               SellerInvitation.revoked_at.is_(None))
        .values(accepted_at=utcnow(), accepted_by_id=user.id)
    ).rowcount
    if taken != 1:
        db.session.rollback()
        raise DomainError(_("This invitation link is not valid."))
    membership = SellerMember(seller_id=invitation.seller_id, user_id=user.id, role=MemberRole.MEMBER)
    db.session.add(membership)
    user.role = Role.SELLER
    record_audit(user.id, "seller", invitation.seller_id, "member_joined", detail=user.email)
    db.session.commit()
    return membership


def revoke_invitation(owner: User, invitation_id: int) -> None:
    """The owner withdraws an invitation not yet accepted: its links stop working."""
    seller = owner_seller(owner)
    email = db.session.execute(
        update(SellerInvitation)
        .where(SellerInvitation.id == invitation_id, SellerInvitation.seller_id == seller.id,
               SellerInvitation.accepted_at.is_(None), SellerInvitation.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(SellerInvitation.email)
    ).scalar()
    if email is None:
        db.session.rollback()
        raise DomainError(_("This invitation does not exist or has been used."))
    record_audit(owner.id, "seller", seller.id, "invitation_revoked", detail=email)
    db.session.commit()


def pending_invitations(seller: Seller) -> list[SellerInvitation]:
    query = select(SellerInvitation).where(
        SellerInvitation.seller_id == seller.id,
        SellerInvitation.accepted_at.is_(None),
        SellerInvitation.revoked_at.is_(None),
    )
    return list(db.session.scalars(query.order_by(SellerInvitation.id)))


def is_for(invitation: SellerInvitation, user: User) -> bool:
    return normalise_email(user.email) == invitation.email


def masked_email(email: str) -> str:
    """Enough of the invited address for its owner to recognise ("ng***@example.vn"), not
    enough for whoever else holds the link to learn it."""
    name, _at, domain = email.partition("@")
    return f"{name[:2]}***@{domain}"
