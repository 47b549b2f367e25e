"""Complaints: a report of a product (anyone), a problem with an order part (its shopper),
the seller's answer, and the union's decision. Each function commits once; every step
writes an audit row on the complaint (subject "complaint") and tells the parties.

Who may report a problem with an order part: the order's account holder, signed in; for a
guest's order, whoever holds the order page's link (its token is the key to the order, as
everywhere else in the shop), and the answer goes to the email given at checkout.

Staff may take down a product of a product report, or, for a problem with an order, one
product among the lines of that order part (staff name it). "Refund owed" is for order
problems: central staff are told to return the money (the refund itself is recorded in the
orders' staff pages, as for a cancelled paid part); nothing moves money here.
"""
import re
import secrets
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from market.accounts.models import Role, User
from market.accounts.services import notify
from market.catalog.models import Product, ProductStatus
from market.catalog.services import moderate_product
from market.complaints.models import (
    Complaint,
    ComplaintDecision,
    ComplaintKind,
    ComplaintPhoto,
    ComplaintStatus,
)
from market.complaints.rules import (
    DECISION_LABELS,
    MAX_ANSWER,
    MAX_PHOTOS,
    MAX_TEXT,
    ORDER_ONLY_DECISIONS,
    ORDER_REASONS,
    PHOTO_AREA,
    PRODUCT_REASONS,
    REPORTABLE_PART_STATUSES,
    aware,
    current_deadline,
    deadlines,
    overdue_condition,
)
from market.core import uploads
from market.core.audit import history, record_audit
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.emails import local_time, send_email
from market.core.paging import Page, paginate
from market.core.urls import public_url, site_path
from market.extensions import db
from market.orders.models import SellerOrder
from market.sellers.models import SellerMember, SellerStatus
from market.sellers.services import decide as decide_seller

PER_PAGE = 25
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


class ComplaintNotFound(DomainError):
    """Nothing to complain about here (a product not on sale, an order part not the
    visitor's): the view answers 404, so nobody learns what exists."""


def _clean_text(text: str | None, limit: int, field: str, required_message) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(required_message, field)
    if len(text) > limit:
        raise DomainError(_("Write at most %(num)d characters.", num=limit), field)
    if any((ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) < 0xA0 for ch in text):
        raise DomainError(_("This text contains characters that are not allowed."), field)
    return text


def _check_reason(reason: str | None, reasons: dict) -> str:
    if not isinstance(reason, str) or reason not in reasons:
        raise DomainError(_("Choose a reason from the list."), "reason")
    return reason


def _new_complaint(**values) -> Complaint:
    now = utcnow()
    answer_due, decision_due = deadlines(now)
    complaint = Complaint(token=secrets.token_urlsafe(24), status=ComplaintStatus.OPEN, created_at=now,
                          answer_due_at=answer_due, decision_due_at=decision_due, **values)
    db.session.add(complaint)
    db.session.flush()
    record_audit(values.get("reporter_id"), "complaint", complaint.id, "complaint_reported", None,
                 ComplaintStatus.OPEN)
    return complaint


# --- telling people -------------------------------------------------------------------------

def _subject_of(complaint: Complaint) -> str:
    if complaint.kind == ComplaintKind.PRODUCT:
        return complaint.product.name
    return complaint.seller_order.order.number


def _tell_reporter(complaint: Complaint, subject_and_body) -> None:
    """The reporter hears in her language: an account message (and email), or an email to
    the address a guest gave, with the link of the complaint's page."""
    reporter = complaint.reporter
    if reporter is not None and reporter.deleted_at is None:
        with force_locale(reporter.locale or "vi"):
            subject, body = subject_and_body()
        notify(reporter, subject, body, link=site_path("complaints.my_complaint", complaint_id=complaint.id))
    elif complaint.reporter_email:
        locale = _guest_locale(complaint)
        with force_locale(locale):
            subject, body = subject_and_body()
        send_email(complaint.reporter_email, "notice", locale, subject[:200], body=body,
                   link=public_url("complaints.follow", token=complaint.token))


def _guest_locale(complaint: Complaint) -> str:
    """A guest's language: her order's; for a product report, the page's at the time of the
    report (not stored: later emails to her are in Vietnamese, the shop's first language)."""
    if complaint.seller_order is not None:
        return complaint.seller_order.order.locale or "vi"
    return getattr(complaint, "guest_locale", None) or "vi"


def _tell_seller(complaint: Complaint, subject_and_body) -> None:
    """Every member of the seller hears, each in her language."""
    members = db.session.scalars(
        select(SellerMember).where(SellerMember.seller_id == complaint.seller_id).options(joinedload(SellerMember.user))
    ).all()
    for member in members:
        with force_locale(member.user.locale or "vi"):
            subject, body = subject_and_body()
        notify(member.user, subject, body, link=site_path("complaints.seller_complaint", complaint_id=complaint.id))


def _reported_to_seller(complaint: Complaint) -> None:
    reasons = PRODUCT_REASONS if complaint.kind == ComplaintKind.PRODUCT else ORDER_REASONS

    def text():
        return (
            _("A complaint about %(subject)s", subject=_subject_of(complaint)),
            _("A complaint was made about %(subject)s (%(reason)s). Answer it before %(due)s; the union then "
              "decides.", subject=_subject_of(complaint), reason=str(reasons[complaint.reason]),
              due=local_time(complaint.answer_due_at)),
        )
    _tell_seller(complaint, text)


def _received_by_reporter(complaint: Complaint) -> None:
    def text():
        return (
            _("We received your complaint about %(subject)s", subject=_subject_of(complaint)),
            _("Thank you. The seller answers before %(answer_due)s and the Women's Union decides before "
              "%(decision_due)s; we will tell you of each step.", answer_due=local_time(complaint.answer_due_at),
              decision_due=local_time(complaint.decision_due_at)),
        )
    _tell_reporter(complaint, text)


# --- reporting ------------------------------------------------------------------------------

def report_product(reporter: User | None, product_id: int, reason: str, text: str,
                   email_for_guest: str | None = None, locale: str | None = None) -> Complaint:
    """Anyone reports a product on sale ("Report this product"). A guest gives an email to
    hear back (a signed-in reporter hears in her account). Raises ComplaintNotFound when the
    product is not on sale, DomainError for a bad reason, text or email."""
    product = db.session.scalar(select(Product).where(Product.id == product_id, Product.visible()))
    if product is None:
        raise ComplaintNotFound(_("This product is not on sale."))
    reason = _check_reason(reason, PRODUCT_REASONS)
    body = _clean_text(text, MAX_TEXT, "text", _("Tell us what is wrong."))
    email = None
    if reporter is None:
        email = (email_for_guest or "").strip().lower()
        if not _EMAIL.fullmatch(email) or len(email) > 254:
            raise DomainError(_("Enter your email, so we can tell you what happens."), "email")
    else:
        already = db.session.scalar(select(Complaint.id).where(
            Complaint.product_id == product.id, Complaint.reporter_id == reporter.id,
            Complaint.status != ComplaintStatus.DECIDED))
        if already is not None:
            raise DomainError(_("You already reported this product; the union is looking into it."))
    complaint = _new_complaint(kind=ComplaintKind.PRODUCT, reason=reason, body=body, product=product,
                               seller_id=product.seller_id, reporter_id=reporter.id if reporter else None,
                               reporter_email=email)
    complaint.guest_locale = locale  # for the guest's first email (not stored)
    _reported_to_seller(complaint)
    _received_by_reporter(complaint)
    db.session.commit()
    return complaint


def reportable_part(user: User | None, seller_order_id: int, order_token: str | None = None) -> SellerOrder:
    """The order part this visitor may report a problem with, else ComplaintNotFound: an
    account's order for its account holder, a guest's order for the holder of its link."""
    if not isinstance(seller_order_id, int):
        raise ComplaintNotFound(_("This order does not exist."))
    part = db.session.scalar(select(SellerOrder).where(SellerOrder.id == seller_order_id)
                             .options(joinedload(SellerOrder.order), selectinload(SellerOrder.lines)))
    if part is None:
        raise ComplaintNotFound(_("This order does not exist."))
    order = part.order
    if order.user_id is not None:
        allowed = user is not None and getattr(user, "is_authenticated", False) and user.id == order.user_id
    else:
        # Bytes: compare_digest refuses str with non-ASCII characters ("²" in a hostile link).
        allowed = isinstance(order_token, str) and secrets.compare_digest(order_token.encode(),
                                                                          order.token.encode())
    if not allowed:
        raise ComplaintNotFound(_("This order does not exist."))
    return part


def open_complaint_of_part(seller_order_id: int) -> Complaint | None:
    return db.session.scalar(select(Complaint).where(Complaint.seller_order_id == seller_order_id,
                                                     Complaint.status != ComplaintStatus.DECIDED))


def report_order_problem(user: User | None, seller_order_id: int, reason: str, text: str, photos=(),
                         order_token: str | None = None) -> Complaint:
    """The shopper reports a problem with one seller's part of her order (not received,
    damaged, not as described, other), with up to 3 photos. One open complaint per part."""
    part = reportable_part(user, seller_order_id, order_token)
    if part.status not in REPORTABLE_PART_STATUSES:
        raise DomainError(_("A problem can be reported once the seller has confirmed this part."))
    reason = _check_reason(reason, ORDER_REASONS)
    body = _clean_text(text, MAX_TEXT, "text", _("Tell us what is wrong."))
    photos = [photo for photo in (photos or ()) if photo is not None and getattr(photo, "filename", "")]
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("Add at most %(num)d photos.", num=MAX_PHOTOS), "photos")
    if open_complaint_of_part(part.id) is not None:
        raise DomainError(_("A complaint about this part of your order is already open."))
    stored = []
    try:
        for photo in photos:
            stored.append(uploads.store_image(photo, PHOTO_AREA).stored_name)
    except uploads.UploadError as error:
        _delete_photos(stored)
        raise DomainError(str(error), "photos") from None
    order = part.order
    try:
        complaint = _new_complaint(
            kind=ComplaintKind.ORDER, reason=reason, body=body, seller_order=part, seller_id=part.seller_id,
            reporter_id=order.user_id, reporter_email=None if order.user_id else order.email)
        for position, name in enumerate(stored):
            complaint.photos.append(ComplaintPhoto(stored_name=name, position=position))
        _reported_to_seller(complaint)
        _received_by_reporter(complaint)
        db.session.commit()
    except Exception:
        db.session.rollback()
        _delete_photos(stored)
        raise
    return complaint


def _delete_photos(names) -> None:
    for name in names:
        uploads.delete_stored(PHOTO_AREA, name)


# --- the seller -----------------------------------------------------------------------------

def seller_complaints(member: User, page: int) -> Page:
    """The complaints about the member's seller, open ones first, then newest."""
    query = (select(Complaint).where(Complaint.owned_by(member))
             .options(joinedload(Complaint.product), joinedload(Complaint.seller_order).joinedload(SellerOrder.order))
             .order_by((Complaint.status == ComplaintStatus.DECIDED).asc(), Complaint.id.desc()))
    return paginate(query, page, PER_PAGE)


def answer(member: User, complaint_id: int, text: str) -> Complaint:
    """A member of the seller answers an open complaint (once); the reporter is told."""
    complaint = db.session.scalar(select(Complaint).where(Complaint.id == complaint_id, Complaint.owned_by(member))
                                  .with_for_update())
    if complaint is None:
        raise ComplaintNotFound(_("This complaint does not exist."))
    if complaint.status != ComplaintStatus.OPEN:
        raise DomainError(_("This complaint has already been answered."))
    body = _clean_text(text, MAX_ANSWER, "text", _("Write your answer."))
    complaint.seller_answer = body
    complaint.answered_at = utcnow()
    complaint.answered_by_id = member.id
    complaint.status = ComplaintStatus.ANSWERED
    record_audit(member.id, "complaint", complaint.id, "complaint_answered", ComplaintStatus.OPEN,
                 ComplaintStatus.ANSWERED)

    def text_for_reporter():
        return (
            _("The seller answered your complaint about %(subject)s", subject=_subject_of(complaint)),
            _("%(seller)s answered: %(answer)s", seller=complaint.seller.name, answer=body),
        )
    _tell_reporter(complaint, text_for_reporter)
    db.session.commit()
    return complaint


# --- staff ----------------------------------------------------------------------------------

def _staff_query(staff: User):
    return (select(Complaint).where(Complaint.in_staff_scope(staff))
            .options(joinedload(Complaint.product), joinedload(Complaint.seller),
                     joinedload(Complaint.seller_order).joinedload(SellerOrder.order)))


def complaints_for_staff(staff: User, status: str | None = None, overdue_only: bool = False, page: int = 1,
                         now: datetime | None = None) -> Page:
    """Complaints in the staff member's scope (provincial staff: their province's sellers),
    the most urgent first (waiting ones by their decision deadline), then the decided."""
    if not staff.is_staff:
        raise DomainError(_("You cannot do that."))
    now = now or utcnow()
    query = _staff_query(staff)
    if status is not None:
        query = query.where(Complaint.status == status)
    if overdue_only:
        query = query.where(overdue_condition(now))
    query = query.order_by((Complaint.status == ComplaintStatus.DECIDED).asc(), Complaint.decision_due_at.asc(),
                           Complaint.id.desc())
    return paginate(query, page, PER_PAGE)


def overdue(now: datetime, staff: User | None = None) -> list[Complaint]:
    """Complaints waiting past their deadline (for the staff digest), oldest first; only
    those in `staff`'s scope when given."""
    query = (_staff_query(staff) if staff is not None else
             select(Complaint).options(joinedload(Complaint.product), joinedload(Complaint.seller)))
    return list(db.session.scalars(query.where(overdue_condition(now)).order_by(Complaint.created_at)).unique())


def near_deadline(now: datetime, within: timedelta, staff: User | None = None) -> list[Complaint]:
    """Complaints not yet overdue whose next deadline (the seller's answer, or the union's
    decision) falls within `within` from `now` (for the staff digest), soonest first."""
    soon = now + within
    answer_soon = and_(Complaint.status == ComplaintStatus.OPEN, Complaint.answer_due_at >= now,
                       Complaint.answer_due_at <= soon)
    decision_soon = and_(Complaint.status != ComplaintStatus.DECIDED, Complaint.decision_due_at >= now,
                         Complaint.decision_due_at <= soon)
    query = (_staff_query(staff) if staff is not None else
             select(Complaint).options(joinedload(Complaint.product), joinedload(Complaint.seller)))
    query = query.where(or_(answer_soon, decision_soon), ~overdue_condition(now)).order_by(Complaint.answer_due_at)
    found = list(db.session.scalars(query).unique())
    return sorted(found, key=lambda complaint: aware(current_deadline(complaint)))


def takedown_choices(complaint: Complaint) -> list[Product]:
    """The products staff may take down for this complaint."""
    if complaint.kind == ComplaintKind.PRODUCT:
        return [complaint.product] if complaint.product is not None else []
    seen, products = set(), []
    for line in complaint.seller_order.lines:
        if line.product_id not in seen:
            seen.add(line.product_id)
            products.append(line.product)
    return products


def decide(staff: User, complaint_id: int, decision: str, reason: str, product_id: int | None = None) -> Complaint:
    """Staff decide a complaint with a reason, in one transaction (one commit): dismiss; refund owed
    (central staff are told); take a product down (off the storefront, search and sitemap);
    warn the seller; suspend the seller. The reporter and the seller are told."""
    if not getattr(staff, "is_staff", False):
        raise DomainError(_("You cannot do that."))
    complaint = db.session.scalar(_staff_query(staff).where(Complaint.id == complaint_id).with_for_update(of=Complaint))
    if complaint is None:
        raise ComplaintNotFound(_("This complaint does not exist."))
    if complaint.status == ComplaintStatus.DECIDED:
        raise DomainError(_("This complaint has already been decided."))
    if decision not in set(ComplaintDecision):
        raise DomainError(_("Choose a decision from the list."), "decision")
    if decision in ORDER_ONLY_DECISIONS and complaint.kind != ComplaintKind.ORDER:
        raise DomainError(_("A refund is owed only for a problem with an order."), "decision")
    reason = _clean_text(reason, MAX_TEXT, "reason", _("Give a reason: the shopper and the seller will see it."))
    effect = EFFECTS[decision](staff, complaint, reason, product_id)  # checks first, acts last
    old = complaint.status
    complaint.status = ComplaintStatus.DECIDED
    complaint.decision = decision
    complaint.decision_reason = reason
    complaint.decided_at = utcnow()
    complaint.decided_by_id = staff.id
    record_audit(staff.id, "complaint", complaint.id, f"complaint_{decision}", old, ComplaintStatus.DECIDED, reason)

    def text():
        return (
            _("Decision on the complaint about %(subject)s", subject=_subject_of(complaint)),
            _("The Women's Union decided: %(decision)s. Reason: %(reason)s",
              decision=str(DECISION_LABELS[decision]), reason=reason),
        )
    _tell_reporter(complaint, text)
    _tell_seller(complaint, text)
    try:
        if effect is not None:
            effect()  # commits the whole decision with it
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return complaint


# Each effect checks what it needs at once (raising DomainError before anything changed) and
# returns None when it is done, or, for the moves of another package whose service commits
# itself (catalog's moderate_product, sellers' decide), that call: decide() makes it last, so
# its commit is the decision's one commit, and a refusal there rolls the whole decision back.

def _dismiss(staff, complaint, reason, product_id):
    return None


def _refund_owed(staff, complaint, reason, product_id) -> None:
    """Central staff (who see the union's account) are told that the shopper is owed a
    refund for this part; an audit row on the order says so too."""
    part = complaint.seller_order
    order = part.order
    record_audit(staff.id, "order", order.id, "complaint_refund_due", reason=reason,
                 detail=f"complaint #{complaint.id}: {part.subtotal_vnd} ₫")
    central = db.session.scalars(select(User).where(User.role == Role.STAFF, User.staff_province_code.is_(None),
                                                    User.deleted_at.is_(None)))
    for user in central:
        with force_locale(user.locale or "vi"):
            subject = _("Refund owed: order %(number)s", number=order.number)
            body = _("A complaint about order %(number)s (%(seller)s) was decided: the shopper is owed a refund "
                     "for this part. Reason: %(reason)s", number=order.number, seller=part.seller.name,
                     reason=reason)
        notify(user, subject, body, link=site_path("orders.staff_order", seller_order_id=part.id))


def _take_down(staff, complaint, reason, product_id):
    allowed = {product.id: product for product in takedown_choices(complaint)}
    if complaint.kind == ComplaintKind.PRODUCT:
        product_id = complaint.product_id
    if product_id not in allowed:
        raise DomainError(_("Choose the product to take down."), "product_id")
    if allowed[product_id].status == ProductStatus.BLOCKED:
        return None
    return lambda: moderate_product(staff, product_id, "block", reason)


def _warn(staff, complaint, reason, product_id) -> None:
    owner = complaint.seller.owner
    if owner is None:
        return
    with force_locale(owner.locale or "vi"):
        subject = _("A warning from the Women's Union to %(seller)s", seller=complaint.seller.name)
        body = _("After a complaint about %(subject)s, the union warns %(seller)s: %(reason)s. Another such "
                 "complaint may suspend your shop.", subject=_subject_of(complaint), seller=complaint.seller.name,
                 reason=reason)
    notify(owner, subject, body, link=site_path("complaints.seller_complaint", complaint_id=complaint.id))


def _suspend(staff, complaint, reason, product_id):
    if complaint.seller.status == SellerStatus.SUSPENDED:
        return None
    return lambda: decide_seller(staff, complaint.seller_id, "suspend", reason)


EFFECTS = {
    ComplaintDecision.DISMISS: _dismiss,
    ComplaintDecision.REFUND_OWED: _refund_owed,
    ComplaintDecision.PRODUCT_TAKEN_DOWN: _take_down,
    ComplaintDecision.SELLER_WARNED: _warn,
    ComplaintDecision.SELLER_SUSPENDED: _suspend,
}


# --- reading --------------------------------------------------------------------------------

def complaint_for_staff(staff: User, complaint_id: int) -> Complaint | None:
    return db.session.scalar(_staff_query(staff).where(Complaint.id == complaint_id)
                             .options(selectinload(Complaint.photos)))


def complaint_for_member(member: User, complaint_id: int) -> Complaint | None:
    return db.session.scalar(select(Complaint).where(Complaint.id == complaint_id, Complaint.owned_by(member))
                             .options(selectinload(Complaint.photos)))


def complaint_by_token(token: str) -> Complaint | None:
    if not isinstance(token, str) or not 16 <= len(token) <= 48:
        return None
    found = db.session.scalar(select(Complaint).where(Complaint.token == token)
                              .options(selectinload(Complaint.photos)))
    if found is None or not secrets.compare_digest(found.token.encode(), token.encode()):
        return None
    return found


def complaint_of_reporter(user: User, complaint_id: int) -> Complaint | None:
    return db.session.scalar(select(Complaint).where(Complaint.id == complaint_id, Complaint.reported_by(user))
                             .options(selectinload(Complaint.photos)))


def complaints_of_reporter(user: User, page: int) -> Page:
    query = (select(Complaint).where(Complaint.reported_by(user))
             .options(joinedload(Complaint.product), joinedload(Complaint.seller),
                      joinedload(Complaint.seller_order).joinedload(SellerOrder.order))
             .order_by(Complaint.id.desc()))
    return paginate(query, page, PER_PAGE)


def steps(complaint: Complaint, viewer: str = "staff") -> list:
    """The complaint's history (reported, answered, decided), oldest first. Staff see who
    acted; the reporter and the seller see roles instead of the others' names (a product's
    reporter stays unknown to the seller, the union speaks as the union)."""
    entries = history("complaint", complaint.id)
    if viewer == "staff":
        return entries
    shown = []
    for entry in entries:
        if entry.action == "complaint_reported":
            name = _("You") if viewer == "reporter" else _("The shopper")
        elif entry.action == "complaint_answered":
            name = entry.actor.full_name if viewer == "seller" and entry.actor else complaint.seller.name
        else:
            name = _("The Women's Union")
        shown.append(SimpleNamespace(created_at=entry.created_at, action=entry.action, from_status=entry.from_status,
                                     to_status=entry.to_status, reason=entry.reason, detail=None,
                                     actor=SimpleNamespace(full_name=name)))
    return shown


def open_parts_with_complaints(seller_order_ids) -> dict[int, Complaint]:
    """For the order page: the open complaint of each of these parts, if any."""
    ids = [part_id for part_id in seller_order_ids if isinstance(part_id, int)]
    if not ids:
        return {}
    found = db.session.scalars(select(Complaint).where(Complaint.seller_order_id.in_(ids),
                                                       Complaint.status != ComplaintStatus.DECIDED))
    return {complaint.seller_order_id: complaint for complaint in found}

