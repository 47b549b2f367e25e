"""Review rules: who may review what (the signed-in shopper, each line of a delivered part of
her order, once), the seller's one reply, staff hiding and showing again; and what product
and seller pages read (the summary of visible reviews, one page of them).

Every writing function takes plain arguments, refuses with a DomainError whose message is
for the person who asked, and commits once.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from market.accounts.models import User
from market.accounts.services import notify
from market.core import uploads
from market.core.audit import record_audit
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.numbers import parse_int
from market.core.paging import Page, paginate
from market.core.urls import site_path
from market.extensions import db
from market.catalog.models import Product
from market.orders.models import Order, OrderLine, SellerOrderStatus
from market.reviews.models import Review, ReviewPhoto
from market.sellers.models import Seller, SellerMember

PHOTO_AREA = "review-photos"
MAX_PHOTOS = 3
MAX_BODY = 2000
MAX_REPLY = 2000
MAX_REASON = 1000
PER_PAGE = 10
STAFF_PER_PAGE = 30
RATINGS = (5, 4, 3, 2, 1)


# --- who may review what -------------------------------------------------------------------

def _is_shopper_of(user: User | None, order: Order) -> bool:
    return (user is not None and getattr(user, "is_authenticated", False) and order.user_id is not None
            and order.user_id == user.id)


def _reviewed_line_ids(line_ids: list[int]) -> set[int]:
    if not line_ids:
        return set()
    return set(db.session.scalars(select(Review.order_line_id).where(Review.order_line_id.in_(line_ids))))


def reviewable_lines(user: User | None, order: Order) -> list[OrderLine]:
    """The lines of `order` that `user` may review now: she is the order's signed-in shopper,
    the line's part was delivered, and the line has no review yet."""
    if not _is_shopper_of(user, order):
        return []
    delivered = [line for part in order.seller_orders if part.status == SellerOrderStatus.DELIVERED
                 for line in part.lines]
    reviewed = _reviewed_line_ids([line.id for line in delivered])
    return [line for line in delivered if line.id not in reviewed]


def line_to_review(user: User | None, order: Order, line_id: int) -> OrderLine:
    """The line `line_id` of `order` if `user` may review it now; else a DomainError saying why."""
    if not _is_shopper_of(user, order):
        raise DomainError(_("Only the shopper who placed this order, signed in, can review it."))
    line = next((line for part in order.seller_orders for line in part.lines if line.id == line_id), None)
    if line is None:
        raise DomainError(_("This product is not part of this order."))
    if line.seller_order.status != SellerOrderStatus.DELIVERED:
        raise DomainError(_("You can review a product once it has been delivered to you."))
    if _reviewed_line_ids([line.id]):
        raise DomainError(_("You have already reviewed this product from this order."))
    return line


def _parse_rating(rating) -> int:
    number = parse_int(rating, minimum=1, maximum=5, max_digits=1)
    if number is None:
        raise DomainError(_("Choose a rating from 1 to 5 stars."), "rating")
    return number


def _clean_text(text, limit: int, field: str) -> str:
    text = (text or "").strip().replace("\r\n", "\n")
    if len(text) > limit:
        raise DomainError(_("At most %(count)d characters.", count=limit), field)
    if "\x00" in text:
        raise DomainError(_("This text contains characters that are not allowed."), field)
    return text


def _store_photos(photos) -> list[str]:
    """Store each photo as checked, re-encoded WebP variants (as product photos are)."""
    tokens: list[str] = []
    try:
        for photo in photos:
            stored = uploads.store_image_variants(photo, PHOTO_AREA, max_bytes=current_app.config["PHOTO_MAX_BYTES"],
                                                  budget=uploads.PRODUCT_PHOTO)
            tokens.append(stored.token)
    except uploads.UploadError as error:
        _delete_photos(tokens)
        raise DomainError(str(error), "photos") from None
    return tokens


def _delete_photos(tokens) -> None:
    for token in tokens:
        uploads.delete_image_variants(PHOTO_AREA, token)


def submit_review(user: User, order: Order, line_id: int, rating, body: str = "", photos=()) -> Review:
    """The shopper rates (1–5) one delivered line of her order, with words and up to 3 photos.

    The seller's members are told. A second review of the same line (two tabs, a double
    click) is refused, even when both arrive at once (the unique line id decides).
    """
    line = line_to_review(user, order, line_id)
    rating = _parse_rating(rating)
    body = _clean_text(body, MAX_BODY, "body")
    photos = [photo for photo in photos or () if photo is not None and getattr(photo, "filename", "x")]
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("At most %(count)d photos.", count=MAX_PHOTOS), "photos")
    tokens = _store_photos(photos)
    review = Review(order_line_id=line.id, product_id=line.product_id, seller_id=line.seller_order.seller_id,
                    author_id=user.id, rating=rating, body=body, created_at=utcnow())
    review.photos = [ReviewPhoto(stored_name=token, position=index) for index, token in enumerate(tokens)]
    db.session.add(review)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        _delete_photos(tokens)
        raise DomainError(_("You have already reviewed this product from this order.")) from None
    _tell_seller(review, line)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _delete_photos(tokens)
        raise DomainError(_("You have already reviewed this product from this order.")) from None
    return review


def _members_of(seller_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(SellerMember, SellerMember.user_id == User.id).where(SellerMember.seller_id == seller_id)
    ))


def _tell_seller(review: Review, line: OrderLine) -> None:
    for member in _members_of(review.seller_id):
        with force_locale(member.locale or "vi"):
            subject = _("New review: %(stars)d★ for %(product)s", stars=review.rating, product=line.product_name)
            body = _("A shopper who received %(product)s rated it %(stars)d of 5. You can read it and reply once "
                     "in your seller area.", product=line.product_name, stars=review.rating)
        notify(member, subject, body, link=site_path("reviews.seller_reviews"))


# --- the seller's reply --------------------------------------------------------------------

def reply(member: User, review_id: int, text: str) -> Review:
    """A member of the review's seller answers it, once; the author is told."""
    review = db.session.scalar(select(Review).where(Review.id == review_id, Review.owned_by(member)))
    if review is None:
        raise DomainError(_("This review is not one of your shop's."))
    text = _clean_text(text, MAX_REPLY, "text")
    if not text:
        raise DomainError(_("Write your reply."), "text")
    # Conditional, so two members replying at once leave one reply.
    done = db.session.execute(
        update(Review).where(Review.id == review.id, Review.reply_body.is_(None))
        .values(reply_body=text, reply_at=utcnow(), reply_by_id=member.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        db.session.rollback()
        raise DomainError(_("Your shop has already replied to this review."))
    db.session.refresh(review)
    # In the seller's history, with both names when union staff answered for her (sellers.acting).
    record_audit(member.id, "review", review.id, "review_replied")
    author = review.author
    if author is not None and author.deleted_at is None:
        with force_locale(author.locale or "vi"):
            subject = _("%(seller)s replied to your review", seller=review.seller.name)
            body = _("%(seller)s replied to your review of %(product)s.", seller=review.seller.name,
                     product=review.product.name)
        notify(author, subject, body, link=site_path("catalog.product", slug=review.product.slug))
    db.session.commit()
    return review


# --- staff: hide, show again ---------------------------------------------------------------

def _in_scope(staff: User, review_id: int) -> Review:
    if staff is None or not staff.is_staff:
        raise DomainError(_("Only union staff can do this."))
    review = db.session.scalar(select(Review).where(Review.id == review_id, Review.in_staff_scope(staff)))
    if review is None:
        raise DomainError(_("This review is not in your province."))
    return review


def hide(staff: User, review_id: int, reason: str) -> Review:
    """Staff hide a review that breaks the rules, with a reason the author is told."""
    review = _in_scope(staff, review_id)
    reason = _clean_text(reason, MAX_REASON, "reason")
    if not reason:
        raise DomainError(_("Give a reason: the author will see it."), "reason")
    if review.hidden_at is not None:
        raise DomainError(_("This review is already hidden."))
    review.hidden_at, review.hidden_reason, review.hidden_by_id = utcnow(), reason, staff.id
    record_audit(staff.id, "review", review.id, "review_hidden", reason=reason)
    author = review.author
    if author is not None:
        with force_locale(author.locale or "vi"):
            subject = _("Your review of %(product)s was hidden", product=review.product.name)
            body = _("Your review of %(product)s no longer shows on the marketplace. The union's staff gave "
                     "this reason:\n\n%(reason)s", product=review.product.name, reason=reason)
        notify(author, subject, body, link=site_path("catalog.product", slug=review.product.slug))
    db.session.commit()
    return review


def unhide(staff: User, review_id: int) -> Review:
    """Staff show a hidden review again."""
    review = _in_scope(staff, review_id)
    if review.hidden_at is None:
        raise DomainError(_("This review is not hidden."))
    review.hidden_at, review.hidden_reason, review.hidden_by_id = None, None, None
    record_audit(staff.id, "review", review.id, "review_shown")
    db.session.commit()
    return review


# --- reading -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    """The visible reviews of a product or seller: average (one decimal), count, and how many
    gave each number of stars, 5 down to 1 (with its share in per cent, for the bars)."""

    average: Decimal | None
    count: int
    distribution: list[tuple[int, int, int]]  # (stars, count, per cent)

    @property
    def stars_shown(self) -> int:
        """The average rounded to whole stars, for the star row."""
        return int(self.average.to_integral_value(ROUND_HALF_UP)) if self.average is not None else 0


def _summary(condition) -> Summary:
    rows = db.session.execute(
        select(Review.rating, func.count()).where(condition, Review.hidden_at.is_(None)).group_by(Review.rating)
    ).all()
    counts = {rating: count for rating, count in rows}
    total = sum(counts.values())
    average = None
    if total:
        average = (Decimal(sum(rating * count for rating, count in counts.items())) / total).quantize(
            Decimal("0.1"), ROUND_HALF_UP)
    distribution = [(stars, counts.get(stars, 0), round(100 * counts.get(stars, 0) / total) if total else 0)
                    for stars in RATINGS]
    return Summary(average, total, distribution)


def summary(product_id: int) -> Summary:
    return _summary(Review.product_id == product_id)


def seller_summary(seller_id: int) -> Summary:
    return _summary(Review.seller_id == seller_id)


def _visible_newest_first(condition):
    # A review shows its author's name, its seller's name and (on a seller's page) its
    # product's name: only those columns are read of each (load_only), not whole rows.
    return (select(Review).where(condition, Review.hidden_at.is_(None))
            .options(selectinload(Review.photos),
                     joinedload(Review.author).load_only(User.full_name, User.deleted_at),
                     joinedload(Review.seller).load_only(Seller.name))
            .order_by(Review.created_at.desc(), Review.id.desc()))


def reviews_for_product(product_id: int, page: int = 1, per_page: int = PER_PAGE, total: int | None = None) -> Page:
    """One page of a product's visible reviews, newest first, photos and authors loaded
    (`total`: how many there are, when the caller knows it from the summary)."""
    return paginate(_visible_newest_first(Review.product_id == product_id), page, per_page, total)


def reviews_for_seller(seller_id: int, page: int = 1, per_page: int = PER_PAGE, total: int | None = None) -> Page:
    """One page of the visible reviews of all a seller's products (each with its product)."""
    query = _visible_newest_first(Review.seller_id == seller_id).options(
        joinedload(Review.product).load_only(Product.name, Product.slug))
    return paginate(query, page, per_page, total)


def latest_reviews(product_id: int, limit: int = 5) -> list[Review]:
    return list(db.session.scalars(_visible_newest_first(Review.product_id == product_id).limit(limit)).unique())


def seller_desk(seller_id: int, page: int = 1) -> Page:
    """The seller's reviews (hidden ones too, marked), newest first, for its review desk."""
    query = (select(Review).where(Review.seller_id == seller_id)
             .options(selectinload(Review.photos), joinedload(Review.author), joinedload(Review.product),
                      joinedload(Review.seller))
             .order_by(Review.created_at.desc(), Review.id.desc()))
    return paginate(query, page, PER_PAGE)


STAFF_FILTERS = ("all", "visible", "hidden")
STAFF_SORTS = ("newest", "lowest")


def staff_reviews(staff: User, show: str = "all", sort: str = "newest", page: int = 1) -> Page:
    """Reviews of the sellers `staff` may see, newest first or lowest rating first."""
    query = (select(Review).where(Review.in_staff_scope(staff))
             .options(selectinload(Review.photos), joinedload(Review.author), joinedload(Review.product),
                      joinedload(Review.seller)))
    if show == "visible":
        query = query.where(Review.hidden_at.is_(None))
    elif show == "hidden":
        query = query.where(Review.hidden_at.is_not(None))
    if sort == "lowest":
        query = query.order_by(Review.rating, Review.created_at.desc(), Review.id.desc())
    else:
        query = query.order_by(Review.created_at.desc(), Review.id.desc())
    return paginate(query, page, STAFF_PER_PAGE)


def reviews_of_lines(line_ids: list[int]) -> dict[int, Review]:
    """The reviews written on these order lines, by line id."""
    if not line_ids:
        return {}
    return {review.order_line_id: review
            for review in db.session.scalars(select(Review).where(Review.order_line_id.in_(line_ids)))}


def author_name(review: Review) -> str:
    """How the author is shown: her given name and the initial of her family name
    ("Nguyễn Thị Lan" → "Lan N."); a deleted account as such."""
    author = review.author
    if author is None or author.deleted_at is not None:
        return _("Deleted account")
    words = (author.full_name or "").split()
    if not words:
        return _("Shopper")
    if len(words) == 1:
        return words[0]
    return f"{words[-1]} {words[0][0].upper()}."


def photo_is_public(name: str) -> bool | None:
    """Whether a stored review photo variant may be shown to anyone (True), only to staff
    (False: its review is hidden), or is no review photo at all (None)."""
    token = name.rsplit("-", 1)[0] if name.endswith(".webp") else None
    if not token or len(token) > 60:
        return None
    hidden = db.session.execute(
        select(Review.hidden_at).join(ReviewPhoto, ReviewPhoto.review_id == Review.id)
        .where(ReviewPhoto.stored_name == token)
    ).first()
    if hidden is None:
        return None
    return hidden[0] is None
