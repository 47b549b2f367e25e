"""Catalog rules through the services: ownership, status moves, moderation, photos, slugs,
OCOP checks and the seller's quick tools."""
import itertools

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from market.accounts.models import Notification
from market.catalog import queries
from market.catalog import services as catalog
from market.catalog.models import OcopStatus, Product
from market.catalog.services import PRODUCT_TRANSITIONS
from market.core.audit import history
from market.core.domain import DomainError
from market.core.models import OutboundEmail
from market.core.states import ReasonRequired, TransitionError
from market.extensions import db
from market.sellers import services as sellers
from market.sellers.services import ValidationFailed
from tests.builders import (
    PAYLOAD,
    add_member,
    fake_jpeg,
    fresh,
    huge_png,
    image_bytes,
    make_product,
    pdf,
    photo,
    photo_files,
    png_with_payload_chunk,
    polyglot_png,
    product_count,
    product_data,
    stored_files,
    upload,
)

BLOCK_REASON = "Ảnh không đúng với sản phẩm."



@pytest.fixture
def english(app):
    """Service messages in English, so tests can read them."""
    with force_locale("en"):
        yield


def snapshot(product_id: int) -> tuple:
    """What a seller could change about a product, and what exists around it."""
    product = fresh(product_id)
    if product is None:
        return None, product_count()
    return (product.name, product.price_vnd, product.stock, product.status,
            [image.token for image in product.images]), product_count()


def notifications_of(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def emails_to(user) -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == user.email).order_by(OutboundEmail.id)))


# --- 1. ownership ---------------------------------------------------------------------------------

OWNER_ACTIONS = {
    "update": lambda member, p: catalog.update_product(member, p.id, product_data(name="Tên mới", price_vnd=1_000)),
    "quick edit": lambda member, p: catalog.set_stock_and_price(member, p.id, 1, 1_000, seen_stock=p.stock),
    "publish": lambda member, p: catalog.change_product_status(member, p.id, "publish"),
    "hide": lambda member, p: catalog.change_product_status(member, p.id, "hide"),
    "duplicate": lambda member, p: catalog.duplicate_product(member, p.id),
    "delete": lambda member, p: catalog.delete_product(member, p.id),
}


@pytest.mark.parametrize("action", OWNER_ACTIONS)
def test_a_member_of_another_seller_can_do_nothing_to_a_product(app, shop, rival, action):
    product = make_product(shop.owner, publish=action != "publish")  # a draft can be published
    before, files = snapshot(product.id), stored_files(app)
    with pytest.raises(DomainError) as refused:
        OWNER_ACTIONS[action](rival.owner, product)
    assert type(refused.value) is DomainError  # "does not exist", not a status or field error
    assert snapshot(product.id) == before and stored_files(app) == files
    # The product's own seller may do exactly the same thing.
    OWNER_ACTIONS[action](shop.owner, fresh(product.id))
    assert snapshot(product.id) != before


def test_any_member_of_the_seller_may_act_on_its_products(app, shop, make_user):
    colleague = add_member(shop.owner, "mai@example.vn")
    product = make_product(shop.owner)
    catalog.set_stock_and_price(colleague, product.id, 3, 160_000, seen_stock=20)
    assert (fresh(product.id).stock, fresh(product.id).updated_by_id) == (3, colleague.id)


def test_photos_of_another_sellers_product_cannot_be_removed_or_borrowed(app, shop, rival):
    mine = make_product(shop.owner, photos=1)
    theirs = make_product(rival.owner, photos=2, name="Chè Tân Cương")
    their_tokens = [image.token for image in theirs.images]
    catalog.update_product(shop.owner, mine.id, product_data(),
                           remove_image_ids=[theirs.images[0].id], main_image_id=theirs.images[1].id)
    assert [image.token for image in fresh(theirs.id).images] == their_tokens
    assert all(path.exists() for path in photo_files(app, fresh(theirs.id)))
    assert len(fresh(mine.id).images) == 1


def test_members_of_a_seller_not_approved_cannot_list_products(app, shop, staff):
    sellers.decide(staff, shop.seller.id, "suspend", "Vi phạm quy định")
    with pytest.raises(DomainError):
        make_product(shop.owner)
    assert product_count() == 0


# --- 2. status transitions -----------------------------------------------------------------------

STATUSES = ("draft", "active", "hidden", "blocked")
ACTIONS = ("publish", "hide", "block", "unblock")
# The table: (from, action) -> to. Every other pair is refused.
ALLOWED_MOVES = {
    ("draft", "publish"): "active",
    ("hidden", "publish"): "active",
    ("active", "hide"): "hidden",
    ("draft", "hide"): "hidden",
    ("draft", "block"): "blocked",
    ("active", "block"): "blocked",
    ("hidden", "block"): "blocked",
    ("blocked", "unblock"): "hidden",
}


def product_in(status: str, owner, staff) -> Product:
    """A product with a photo brought to `status` through the services."""
    product = make_product(owner, publish=status in ("active", "hidden"))
    if status == "hidden":
        catalog.change_product_status(owner, product.id, "hide")
    elif status == "blocked":
        catalog.moderate_product(staff, product.id, "block", BLOCK_REASON)
    product = fresh(product.id)
    assert product.status == status
    return product


def move(product: Product, action: str, owner, staff) -> Product:
    """Sellers publish and hide; staff block (with a reason) and unblock."""
    if action in ("publish", "hide"):
        return catalog.change_product_status(owner, product.id, action)
    return catalog.moderate_product(staff, product.id, action, BLOCK_REASON)


def test_the_transition_table_is_the_one_specified():
    moves = {(start, action): end for action, table in PRODUCT_TRANSITIONS.table.items() for start, end in table.items()}
    assert moves == ALLOWED_MOVES


@pytest.mark.parametrize(("start", "action"), list(itertools.product(STATUSES, ACTIONS)))
def test_every_move_is_allowed_or_refused_as_the_table_says(app, shop, staff, start, action):
    product = product_in(start, shop.owner, staff)
    entries = len(history("product", product.id))
    if (start, action) in ALLOWED_MOVES:
        move(product, action, shop.owner, staff)
        assert fresh(product.id).status == ALLOWED_MOVES[start, action]
        last = history("product", product.id)[-1]
        assert (last.action, last.from_status, last.to_status) == (action, start, ALLOWED_MOVES[start, action])
    else:
        with pytest.raises(TransitionError):
            move(product, action, shop.owner, staff)
        assert fresh(product.id).status == start
        assert len(history("product", product.id)) == entries


@pytest.mark.parametrize("action", ["block", "unblock", "delete", "approve", ""])
def test_a_seller_cannot_block_or_unblock_through_the_status_service(app, shop, staff, action):
    product = product_in("blocked" if action == "unblock" else "active", shop.owner, staff)
    with pytest.raises(DomainError):
        catalog.change_product_status(shop.owner, product.id, action)
    assert fresh(product.id).status == ("blocked" if action == "unblock" else "active")


def test_the_moderation_service_refuses_actors_who_are_not_staff(app, shop, staff):
    product = product_in("blocked", shop.owner, staff)
    with pytest.raises(DomainError):
        catalog.moderate_product(shop.owner, product.id, "unblock")
    assert fresh(product.id).status == "blocked"


def test_publishing_needs_a_photo(app, shop, english):
    with pytest.raises(ValidationFailed) as refused:
        make_product(shop.owner, publish=True, photos=0)
    assert "photo" in refused.value.errors["photos"]
    assert product_count() == 0
    draft = make_product(shop.owner, publish=False, photos=0)
    with pytest.raises(ValidationFailed) as refused:
        catalog.change_product_status(shop.owner, draft.id, "publish")
    assert "photos" in refused.value.errors
    assert fresh(draft.id).status == "draft"


def test_a_product_on_sale_keeps_at_least_one_photo(app, shop):
    product = make_product(shop.owner, photos=1)
    with pytest.raises(ValidationFailed) as refused:
        catalog.update_product(shop.owner, product.id, product_data(), remove_image_ids=[product.images[0].id])
    assert "photos" in refused.value.errors
    assert len(fresh(product.id).images) == 1 and all(path.exists() for path in photo_files(app, fresh(product.id)))


def test_a_blocked_product_cannot_be_edited(app, shop, staff):
    product = product_in("blocked", shop.owner, staff)
    before, files = snapshot(product.id), stored_files(app)
    with pytest.raises(DomainError):
        catalog.update_product(shop.owner, product.id, product_data(name="Tên khác"), new_photos=[photo()])
    assert snapshot(product.id) == before and stored_files(app) == files


def test_a_blocked_product_cannot_be_repriced_through_the_quick_edit(app, shop, staff):
    product = product_in("blocked", shop.owner, staff)
    with pytest.raises(DomainError):
        catalog.set_stock_and_price(shop.owner, product.id, 20, 1_000, seen_stock=20)
    assert fresh(product.id).price_vnd == 150_000


def test_a_blocked_product_cannot_be_brought_back_by_duplicating_it(app, shop, staff):
    product = product_in("blocked", shop.owner, staff)
    try:
        copy = catalog.duplicate_product(shop.owner, product.id)
    except DomainError:
        return  # refusing the copy is fine
    with pytest.raises(DomainError):
        catalog.change_product_status(shop.owner, copy.id, "publish")
    assert queries.visible_product(copy.slug) is None


@pytest.mark.parametrize("reason", [None, "", "   \n "])
def test_blocking_needs_a_reason(app, shop, staff, reason):
    product = product_in("active", shop.owner, staff)
    with pytest.raises(ReasonRequired) as refused:
        catalog.moderate_product(staff, product.id, "block", reason)
    assert refused.value.field == "reason"
    assert fresh(product.id).status == "active"
    assert [entry.action for entry in history("product", product.id)] == ["product_created", "publish"]


def test_blocking_notifies_the_seller_and_is_audited_then_unblocking_returns_to_hidden(app, shop, staff):
    product = product_in("active", shop.owner, staff)
    messages, emails = len(notifications_of(shop.owner)), len(emails_to(shop.owner))

    catalog.moderate_product(staff, product.id, "block", BLOCK_REASON)
    product = fresh(product.id)
    assert (product.status, product.status_reason) == ("blocked", BLOCK_REASON)
    notice = notifications_of(shop.owner)[-1]
    assert len(notifications_of(shop.owner)) == messages + 1
    assert BLOCK_REASON in notice.body and product.name in notice.subject
    assert notice.link == f"/sell/products/{product.id}/edit"
    email = emails_to(shop.owner)[-1]
    assert len(emails_to(shop.owner)) == emails + 1 and BLOCK_REASON in email.body
    entry = history("product", product.id)[-1]
    assert (entry.actor_id, entry.action, entry.from_status, entry.to_status, entry.reason) == (
        staff.id, "block", "active", "blocked", BLOCK_REASON)

    catalog.moderate_product(staff, product.id, "unblock")
    product = fresh(product.id)
    assert (product.status, product.status_reason) == ("hidden", None)
    assert len(notifications_of(shop.owner)) == messages + 2 and len(emails_to(shop.owner)) == emails + 2
    entry = history("product", product.id)[-1]
    assert (entry.actor_id, entry.action, entry.from_status, entry.to_status) == (staff.id, "unblock", "blocked", "hidden")
    assert queries.visible_product(product.slug) is None  # hidden until the seller shows it again


def test_provincial_staff_moderate_only_their_province(app, shop, staff, make_user):
    product = product_in("active", shop.owner, staff)  # the shop is in Lâm Đồng
    hanoi = make_user("hn@example.vn", role="staff", province="Hà Nội")
    with pytest.raises(DomainError):
        catalog.moderate_product(hanoi, product.id, "block", BLOCK_REASON)
    assert fresh(product.id).status == "active"
    assert catalog.staff_products(hanoi) == []
    lam_dong = make_user("ld@example.vn", role="staff", province="Lâm Đồng")
    catalog.moderate_product(lam_dong, product.id, "block", BLOCK_REASON)
    assert fresh(product.id).status == "blocked"


# --- 4. photos ---------------------------------------------------------------------------------

SMALL_LIMIT = 2_000  # bytes: PHOTO_MAX_BYTES for the "oversized" case (a 64x64 noise PNG is ~12 kB)

BAD_PHOTOS = {
    "text named .jpg": (lambda: [upload(fake_jpeg(), "mat-ong.jpg", "image/jpeg")], "not a JPEG, PNG or WebP image"),
    "oversized": (lambda: [upload(image_bytes((64, 64), noise=True))], "larger than"),
    "decompression bomb": (lambda: [upload(huge_png(), "bom.png")], "too large (at most 16 megapixels)"),
    "bomb past Pillow's own limit": (lambda: [upload(huge_png(20_000, 20_000), "bom.png")], "too large"),
    "nine photos": (lambda: [photo() for _ in range(9)], "At most 8 photos"),
    "good photo then a fake": (lambda: [photo(), photo(), upload(fake_jpeg(), "b.jpg")], "not a JPEG, PNG or WebP image"),
}


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("case", BAD_PHOTOS)
def test_bad_photos_are_refused_and_nothing_is_saved(app, shop, english, case):
    if case == "oversized":
        app.config["PHOTO_MAX_BYTES"] = SMALL_LIMIT
    photos, message = BAD_PHOTOS[case]
    files = stored_files(app)
    with pytest.raises(ValidationFailed) as refused:
        catalog.create_product(shop.owner, product_data(), photos=photos(), publish=False)
    assert list(refused.value.errors) == ["photos"] and message in refused.value.errors["photos"]
    assert product_count() == 0
    assert stored_files(app) == files


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("case", BAD_PHOTOS)
def test_bad_photos_added_to_a_product_change_nothing(app, shop, english, case):
    product = make_product(shop.owner, photos=1)
    if case == "oversized":
        app.config["PHOTO_MAX_BYTES"] = SMALL_LIMIT
    photos, message = BAD_PHOTOS[case]
    before, files = snapshot(product.id), stored_files(app)
    with pytest.raises(ValidationFailed) as refused:
        catalog.update_product(shop.owner, product.id, product_data(name="Tên mới"), new_photos=photos())
    assert message in refused.value.errors["photos"]
    assert snapshot(product.id) == before and stored_files(app) == files


def test_at_most_eight_photos_counting_those_already_there(app, shop):
    product = make_product(shop.owner, photos=8)
    with pytest.raises(ValidationFailed):
        catalog.update_product(shop.owner, product.id, product_data(), new_photos=[photo()])
    removed = product.images[0].id
    catalog.update_product(shop.owner, product.id, product_data(), new_photos=[photo()], remove_image_ids=[removed])
    assert len(fresh(product.id).images) == 8


@pytest.mark.parametrize("data", [polyglot_png, png_with_payload_chunk], ids=["payload after IEND", "payload in a text chunk"])
def test_a_polyglot_photo_is_kept_only_as_re_encoded_pixels(app, shop, data):
    product = catalog.create_product(shop.owner, product_data(), photos=[upload(data(), "anh.php.png")], publish=True)
    paths = photo_files(app, product)
    assert len(paths) == 2 and all(path.exists() for path in paths)
    for path in paths:
        content = path.read_bytes()
        assert content[:4] == b"RIFF" and content[8:12] == b"WEBP"
        assert b"<?php" not in content and b"<script" not in content and PAYLOAD not in content
    assert all(".php" not in name for name in stored_files(app))


def test_a_bad_certificate_removes_the_photos_already_stored(app, shop, english):
    files = stored_files(app)
    with pytest.raises(ValidationFailed) as refused:
        catalog.create_product(shop.owner, product_data(ocop_stars=4), photos=[photo(), photo()],
                               ocop_certificate=upload(b"<html>not a pdf</html>", "gcn.pdf", "application/pdf"))
    assert "ocop_certificate" in refused.value.errors
    assert product_count() == 0 and stored_files(app) == files


# --- 5. slugs and copies -----------------------------------------------------------------------

def test_same_names_get_numbered_slugs_across_sellers(app, shop, rival):
    first = make_product(shop.owner, name="Mật ong hoa nhãn")
    second = make_product(rival.owner, name="Mật ong hoa nhãn")
    third = make_product(shop.owner, name="MẬT ONG HOA NHÃN")
    numbered = make_product(shop.owner, name="Mật ong hoa nhãn 2")
    assert [first.slug, second.slug, third.slug] == ["mat-ong-hoa-nhan", "mat-ong-hoa-nhan-2", "mat-ong-hoa-nhan-3"]
    assert numbered.slug not in {first.slug, second.slug, third.slug}


def test_slugs_map_d_with_stroke_and_drop_tones(app, shop):
    assert make_product(shop.owner, name="Đặc sản Đà Lạt: mứt dâu").slug == "dac-san-da-lat-mut-dau"


def test_a_name_of_only_emoji_still_gets_a_slug(app, shop):
    first = make_product(shop.owner, name="🍯🐝✨")
    second = make_product(shop.owner, name="🍯🐝✨")
    assert first.slug and second.slug and first.slug != second.slug
    assert first.slug.isascii() and "/" not in first.slug
    assert queries.visible_product(first.slug).id == first.id


def test_duplicate_makes_a_draft_copy_with_its_own_photo_files(app, shop):
    original = make_product(shop.owner, photos=2, name="Mật ong hoa nhãn")
    copy = catalog.duplicate_product(shop.owner, original.id)
    original, copy = fresh(original.id), fresh(copy.id)
    assert copy.status == "draft" and copy.seller_id == shop.seller.id
    assert copy.slug == "mat-ong-hoa-nhan-2" and original.name in copy.name
    assert (copy.price_vnd, copy.unit, copy.category_id) == (original.price_vnd, original.unit, original.category_id)
    assert {i.token for i in copy.images}.isdisjoint({i.token for i in original.images})
    copy_files = photo_files(app, copy)
    assert len(copy_files) == 4 and all(path.exists() for path in copy_files)
    for mine, theirs in zip(photo_files(app, original), copy_files):
        assert mine.read_bytes() == theirs.read_bytes()
    assert history("product", copy.id)[0].action == "product_created"

    catalog.delete_product(shop.owner, original.id)
    assert all(path.exists() for path in copy_files)  # the copy's photos live on their own
    catalog.change_product_status(shop.owner, copy.id, "publish")
    assert queries.visible_product(copy.slug).id == copy.id


# --- 7. OCOP -----------------------------------------------------------------------------------

def claimed(owner, stars=4, **changes) -> Product:
    return catalog.create_product(owner, product_data(ocop_stars=stars, **changes), photos=[photo()],
                                  ocop_certificate=pdf(), publish=True)


def test_claiming_ocop_stars_needs_a_certificate(app, shop):
    with pytest.raises(ValidationFailed) as refused:
        catalog.create_product(shop.owner, product_data(ocop_stars=4), photos=[photo()], publish=True)
    assert "ocop_certificate" in refused.value.errors and product_count() == 0


@pytest.mark.parametrize("stars", [1, 2, 6])
def test_ocop_ratings_are_three_to_five_stars(app, shop, stars):
    with pytest.raises(ValidationFailed) as refused:
        claimed(shop.owner, stars)
    assert "ocop_stars" in refused.value.errors


def test_ocop_claim_verify_and_change(app, shop, staff):
    product = claimed(shop.owner, 4)
    assert (product.ocop_status, product.shown_ocop_stars) == (OcopStatus.CLAIMED, None)
    assert [p.id for p in catalog.ocop_queue(staff)] == [product.id]

    messages = len(notifications_of(shop.owner))
    catalog.decide_ocop(staff, product.id, verify=True)
    product = fresh(product.id)
    assert (product.ocop_status, product.shown_ocop_stars) == (OcopStatus.VERIFIED, 4)
    assert catalog.ocop_queue(staff) == []
    assert len(notifications_of(shop.owner)) == messages + 1
    assert history("product", product.id)[-1].action == "ocop_verified"

    # An edit that keeps the stars keeps the check...
    catalog.update_product(shop.owner, product.id, product_data(ocop_stars=4, description="Mô tả mới"))
    assert fresh(product.id).ocop_status == OcopStatus.VERIFIED
    # ...changing them sends the claim back to the queue, and nothing is shown meanwhile.
    catalog.update_product(shop.owner, product.id, product_data(ocop_stars=5))
    product = fresh(product.id)
    assert (product.ocop_status, product.ocop_stars, product.shown_ocop_stars) == (OcopStatus.CLAIMED, 5, None)
    assert [p.id for p in catalog.ocop_queue(staff)] == [product.id]


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_refusing_ocop_stars_needs_a_reason(app, shop, staff, reason):
    product = claimed(shop.owner)
    with pytest.raises(ReasonRequired):
        catalog.decide_ocop(staff, product.id, verify=False, reason=reason)
    assert fresh(product.id).ocop_status == OcopStatus.CLAIMED


def test_refused_stars_are_never_shown_and_cannot_be_decided_twice(app, shop, staff):
    product = claimed(shop.owner)
    catalog.decide_ocop(staff, product.id, verify=False, reason="Giấy chứng nhận đã hết hạn")
    product = fresh(product.id)
    assert (product.ocop_status, product.shown_ocop_stars) == (OcopStatus.REFUSED, None)
    assert notifications_of(shop.owner)[-1].body.count("Giấy chứng nhận đã hết hạn") == 1
    with pytest.raises(DomainError):
        catalog.decide_ocop(staff, product.id, verify=True)
    assert fresh(product.id).ocop_status == OcopStatus.REFUSED
    # A new certificate is a new claim.
    catalog.update_product(shop.owner, product.id, product_data(ocop_stars=4), ocop_certificate=pdf())
    assert fresh(product.id).ocop_status == OcopStatus.CLAIMED


def test_provincial_staff_of_another_province_cannot_decide_ocop(app, shop, make_user):
    product = claimed(shop.owner)
    hanoi = make_user("hn@example.vn", role="staff", province="Hà Nội")
    assert catalog.ocop_queue(hanoi) == []
    with pytest.raises(DomainError):
        catalog.decide_ocop(hanoi, product.id, verify=True)
    assert fresh(product.id).ocop_status == OcopStatus.CLAIMED


def test_a_seller_cannot_verify_its_own_ocop_stars(app, shop):
    product = claimed(shop.owner)
    with pytest.raises(DomainError):
        catalog.decide_ocop(shop.owner, product.id, verify=True)
    assert fresh(product.id).shown_ocop_stars is None


# --- 8. seller tools ---------------------------------------------------------------------------

def test_quick_edit_sets_stock_and_price_and_is_audited(app, shop):
    product = make_product(shop.owner, stock=20, price_vnd=150_000)
    catalog.set_stock_and_price(shop.owner, product.id, 7, 165_000, seen_stock=20)
    assert (fresh(product.id).stock, fresh(product.id).price_vnd) == (7, 165_000)
    entry = history("product", product.id)[-1]
    assert entry.action == "stock_price_set" and "20→7" in entry.detail


def test_quick_edit_with_a_stale_stock_is_refused(app, shop):
    product = make_product(shop.owner, stock=20)
    catalog.set_stock_and_price(shop.owner, product.id, 18, 150_000, seen_stock=20)  # an order came in meanwhile
    entries = len(history("product", product.id))
    with pytest.raises(DomainError):
        catalog.set_stock_and_price(shop.owner, product.id, 50, 99_000, seen_stock=20)
    assert (fresh(product.id).stock, fresh(product.id).price_vnd) == (18, 150_000)
    assert len(history("product", product.id)) == entries


@pytest.mark.parametrize(
    ("stock", "price", "field"),
    [(-1, 1_000, "stock"), (1_000_001, 1_000, "stock"), (None, 1_000, "stock"),
     (5, 0, "price_vnd"), (5, 1_000_000_001, "price_vnd"),
     (5, 200_000, "price_vnd")],  # not below the price before discount (180.000)
)
def test_quick_edit_checks_the_figures(app, shop, stock, price, field):
    product = make_product(shop.owner, stock=20, price_vnd=150_000, compare_at_price_vnd=180_000)
    with pytest.raises(ValidationFailed) as refused:
        catalog.set_stock_and_price(shop.owner, product.id, stock, price, seen_stock=20)
    assert field in refused.value.errors
    assert (fresh(product.id).stock, fresh(product.id).price_vnd) == (20, 150_000)


def test_deleting_a_product_never_ordered_removes_its_photos(app, shop):
    product = make_product(shop.owner, photos=3)
    paths = photo_files(app, product)
    assert len(paths) == 6 and all(path.exists() for path in paths)
    catalog.delete_product(shop.owner, product.id)
    assert db.session.get(Product, product.id) is None
    assert not any(path.exists() for path in paths)
    assert history("product", product.id)[-1].action == "product_deleted"


def test_deleting_a_product_removes_its_ocop_certificate(app, shop):
    product = claimed(shop.owner)
    certificate = product.ocop_certificate_name
    assert any(certificate in name for name in stored_files(app))
    catalog.delete_product(shop.owner, product.id)
    assert not any(certificate in name for name in stored_files(app))
