"""The public pages (rules, privacy, returns, contact, seller terms): shown at the version in
effect with its date, in both languages, safely formatted; new versions by central staff
only; the seller terms accepted when applying and asked again when they change."""
import io
from datetime import date

import pytest
import time_machine
from sqlalchemy import select

from market.core.audit import AuditEntry
from market.core.domain import DomainError
from market.extensions import db
from market.pages import defaults
from market.pages import services as pages
from market.pages.formatting import render_body
from market.pages.models import PageVersion, TermsAcceptance
from market.sellers import services as sellers
from market.sellers.models import Seller
from tests.builders import EN, PASSWORD, add_member, application, approved_seller, certificate, make_user, pdf
from tests.conftest import AuthActions, csrf_token_from, post_form

TODAY = "2026-12-02 03:00 +0000"  # 10:00 in Vietnam
VI = {"Accept-Language": "vi"}


@pytest.fixture(autouse=True)
def frozen(app):
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def new_version(staff, slug="rules", effective_on=date(2026, 12, 2), **changes):
    data = dict(title_vi="Quy chế mới", title_en="New rules", body_vi="## Điều 1\nNội dung mới.",
                body_en="## Article 1\nNew text.", effective_on=effective_on, change_note="Sửa điều 1")
    return pages.save_version(staff, slug, pages.PageData(**{**data, **changes}))


def sign_in(app, email):
    client = app.test_client()
    response = AuthActions(client).login(email=email, password=PASSWORD)
    assert response.status_code == 302
    return client, response


# --- reading the pages -----------------------------------------------------------------------

@pytest.mark.parametrize("slug", pages.LEGAL_SLUGS)
def test_every_page_ships_real_text_in_both_languages(slug):
    text = defaults.shipped_page(slug)
    assert text["title_vi"] != text["title_en"]
    assert len(text["body_vi"]) > 1500 and len(text["body_en"]) > 1500
    assert "## " in text["body_vi"] and "## " in text["body_en"]


def test_a_page_shows_its_version_and_effective_date_in_english(client):
    page = client.get("/pages/rules", headers=EN).get_data(as_text=True)
    assert "<h1>Operating rules of the marketplace</h1>" in page
    assert "Effective from Jul 1, 2026" in page and "Version 1" in page
    assert "122/2025/QH15" in page and "<h2>" in page


def test_a_page_is_in_vietnamese_for_a_vietnamese_reader(client):
    page = client.get("/pages/privacy", headers=VI).get_data(as_text=True)
    assert "<h1>Chính sách bảo vệ dữ liệu cá nhân</h1>" in page
    assert "13/2023/NĐ-CP" in page and "/account/delete" in page
    assert "1 thg 7, 2026" in page


def test_unknown_page_is_not_found(client):
    assert client.get("/pages/nothing-here").status_code == 404
    assert client.get("/pages/RULES").status_code == 404


def test_the_contact_page_shows_the_configured_details(app, client):
    app.config.update(UNION_HOTLINE="1800 1234", UNION_EMAIL="lienhe@hoi.example.vn", UNION_ADDRESS="Số 1 Phố Mẫu, Hà Nội")
    page = client.get("/pages/contact", headers=EN).get_data(as_text=True)
    assert 'href="tel:18001234"' in page and "lienhe@hoi.example.vn" in page and "Số 1 Phố Mẫu, Hà Nội" in page
    # The privacy policy tells where to send a request about one's data.
    assert "lienhe@hoi.example.vn" in client.get("/pages/privacy", headers=EN).get_data(as_text=True)


def test_the_footer_links_the_four_public_pages(client):
    page = client.get("/", headers=EN).get_data(as_text=True)
    footer = page[page.index("<footer"):]
    for slug in ("rules", "privacy", "returns", "contact"):
        assert f'href="/pages/{slug}"' in footer
    assert "Privacy policy" in footer


def test_the_format_is_applied_after_escaping():
    html = str(render_body("## Rules & <b>you</b>\nFirst line\nsecond line\n\n- one <i>\n- two\n\nEnd <script>x</script>"))
    assert html == (
        "<h2>Rules &amp; &lt;b&gt;you&lt;/b&gt;</h2>\n<p>First line<br>second line</p>\n"
        "<ul><li>one &lt;i&gt;</li><li>two</li></ul>\n<p>End &lt;script&gt;x&lt;/script&gt;</p>"
    )


def test_a_script_in_a_saved_body_stays_text(client, staff):
    new_version(staff, body_en="## Hello <script>alert(1)</script>\n- <img src=x onerror=alert(2)>")
    page = client.get("/pages/rules", headers=EN).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "<h2>Hello &lt;script&gt;alert(1)&lt;/script&gt;</h2>" in page
    assert "<li>&lt;img src=x onerror=alert(2)&gt;</li>" in page


# --- central staff write new versions ----------------------------------------------------------

def test_central_staff_save_a_new_version_through_the_form(client_for, staff):
    client = client_for(staff.email)
    listing = client.get("/staff/pages", headers=EN).get_data(as_text=True)
    assert 'href="/staff/pages/privacy"' in listing and "Privacy policy" in listing
    form = client.get("/staff/pages/rules", headers=EN).get_data(as_text=True)
    assert "Operating rules of the marketplace" in form  # the form starts from the current text
    response = post_form(client, "/staff/pages/rules", {
        "title_vi": "Quy chế hoạt động (sửa đổi)", "title_en": "Operating rules (amended)",
        "body_vi": "## Điều 1\nNội dung.", "body_en": "## Article 1\nText.", "effective_on": "2026-12-02",
        "change_note": "Điều 1 viết lại",
    }, headers=EN)
    assert response.status_code == 302
    saved = db.session.scalar(select(PageVersion).where(PageVersion.slug == "rules"))
    assert (saved.version, saved.created_by_id, saved.change_note) == (2, staff.id, "Điều 1 viết lại")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_type == "page"))
    assert (entry.actor_id, entry.subject_id, entry.action, entry.reason) == (staff.id, saved.id, "page_saved", "Điều 1 viết lại")
    page = client.get("/pages/rules", headers=EN).get_data(as_text=True)
    assert "Operating rules (amended)" in page and "Version 2" in page and "Effective from Dec 2, 2026" in page
    history = client.get("/staff/pages/rules", headers=EN).get_data(as_text=True)
    assert 'id="version-2"' in history and 'id="version-1"' in history and "Điều 1 viết lại" in history


def test_a_past_effective_date_is_refused(client_for, staff):
    client = client_for(staff.email)
    response = post_form(client, "/staff/pages/returns", {
        "title_vi": "a", "title_en": "b", "body_vi": "c", "body_en": "d", "effective_on": "2026-12-01",
    }, headers=EN)
    assert response.status_code == 200 and 'id="effective_on-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(PageVersion)) is None


def test_a_future_version_waits_for_its_date(client, staff, frozen):
    saved = new_version(staff, effective_on=date(2026, 12, 10), title_en="Rules from the tenth")
    assert pages.current_version("rules") == 1
    assert "Rules from the tenth" not in client.get("/pages/rules", headers=EN).get_data(as_text=True)
    assert [p.version for p in pages.scheduled_versions("rules")] == [saved.version]
    frozen.move_to("2026-12-09 16:59 +0000")  # 23:59 in Vietnam: not yet
    assert pages.current_version("rules") == 1
    frozen.move_to("2026-12-09 17:00 +0000")  # midnight in Vietnam
    page = client.get("/pages/rules", headers=EN).get_data(as_text=True)
    assert "Rules from the tenth" in page and "Version 2" in page and "Effective from Dec 10, 2026" in page


def test_versions_are_never_edited_only_added(staff):
    first = new_version(staff)
    second = new_version(staff, title_en="Again")
    assert (first.version, second.version) == (2, 3)
    assert [p.version for p in pages.page_history("rules")] == [3, 2, 1]
    assert pages.current_page("rules").title_en == "Again"


@pytest.mark.parametrize("who", ["provincial", "seller", "shopper"])
def test_only_central_staff_may_change_pages(app, staff, who):
    if who == "provincial":
        user = make_user("tinh@example.vn", role="staff", province="Lâm Đồng")
    elif who == "seller":
        user, _seller = approved_seller(staff, "hoa@example.vn")
    else:
        user = make_user("mua@example.vn")
    client, _ = sign_in(app, user.email)
    token = csrf_token_from(client.get("/"))
    assert client.get("/staff/pages").status_code == 403
    assert client.get("/staff/pages/rules").status_code == 403
    response = client.post("/staff/pages/rules", data={
        "csrf_token": token, "title_vi": "x", "title_en": "x", "body_vi": "x", "body_en": "x", "effective_on": "2026-12-02",
    })
    assert response.status_code == 403
    with pytest.raises(DomainError):
        new_version(user)
    assert db.session.scalar(select(PageVersion)) is None


def test_the_staff_menu_links_the_pages_for_central_staff_only(app, staff):
    make_user("tinh@example.vn", role="staff", province="Lâm Đồng")
    central, _ = sign_in(app, staff.email)
    provincial, _ = sign_in(app, "tinh@example.vn")
    assert 'href="/staff/pages"' in central.get("/staff/sellers", headers=EN).get_data(as_text=True)
    assert 'href="/staff/pages"' not in provincial.get("/staff/sellers", headers=EN).get_data(as_text=True)


# --- the seller terms ----------------------------------------------------------------------------

APPLY_FORM = {
    "legal_form": "cooperative", "name": "HTX Cà phê Cầu Đất", "registration_number": "5800123456",
    "province": "68", "commune": "xuan truong da lat", "street_address": "Thôn Trường Sơn",
    "phone": "0263 382 2222", "story": "Chị em trồng cà phê.", "members_count": "24",
    "women_members_count": "21", "workers_count": "30", "women_workers_count": "26", "women_led": "y",
    "leader_name": "Trần Thị Hoa", "leader_role": "chair", "leadership_statement": "Chủ tịch là nữ.",
}


def test_the_application_needs_the_terms_accepted_and_records_the_version(app, staff):
    new_version(staff, slug="seller-terms", title_en="Seller terms v2")
    make_user("chi@example.vn")
    client, _ = sign_in(app, "chi@example.vn")
    form_page = client.get("/sell/apply", headers=EN).get_data(as_text=True)
    assert 'name="accept_terms"' in form_page and 'href="/pages/seller-terms"' in form_page

    def post(button="submit", **extra):
        files = {"certificate": (io.BytesIO(pdf().stream.read()), "gcn.pdf")}
        return post_form(client, "/sell/apply", {**APPLY_FORM, button: "1", **files, **extra}, headers=EN,
                         content_type="multipart/form-data")

    refused = post()
    assert refused.status_code == 200 and 'id="accept_terms-error"' in refused.get_data(as_text=True)
    assert db.session.scalar(select(Seller)) is None
    # A draft needs no acceptance.
    assert post("save").status_code == 302
    seller = db.session.scalar(select(Seller))
    assert seller.status == "draft" and seller.terms_version is None
    accepted = post(accept_terms="y")
    assert accepted.status_code == 302
    db.session.refresh(seller)
    assert seller.status == "pending" and seller.terms_version == 2
    acceptance = db.session.scalar(select(TermsAcceptance))
    assert (acceptance.user_id, acceptance.slug, acceptance.version) == (seller.memberships[0].user_id, "seller-terms", 2)


def test_the_service_refuses_a_submission_without_acceptance(app):
    owner = make_user("chi@example.vn")
    with pytest.raises(sellers.ValidationFailed) as refused:
        sellers.save_application(owner, application(accepts_terms=False), submit=True, documents=certificate())
    assert "accept_terms" in refused.value.errors
    seller = sellers.save_application(owner, application(), submit=True, documents=certificate())
    assert seller.terms_version == 1 and pages.latest_accepted(owner, "seller-terms") == 1


def test_a_new_version_of_the_seller_terms_is_asked_for_at_the_next_sign_in(app, shop, staff):
    member = add_member(shop.owner, "thu@example.vn")
    shopper = make_user("mua@example.vn")
    before, _ = sign_in(app, shop.owner.email)
    assert not pages.needs_acceptance(shop.owner) and not pages.needs_acceptance(member)
    new_version(staff, slug="seller-terms")
    assert pages.needs_acceptance(shop.owner) and pages.needs_acceptance(member)
    assert not pages.needs_acceptance(shopper) and not pages.needs_acceptance(staff)
    # Already signed in: asked at the next sign-in, not in the middle of her work.
    assert before.get("/sell/products").status_code == 200

    client, signed_in = sign_in(app, shop.owner.email)
    # The notice was flashed at sign-in, in the language of that request (Vietnamese).
    assert "Điều khoản dành cho người bán đã thay đổi" in client.get(signed_in.headers["Location"]).get_data(as_text=True)
    held = client.get("/sell/products?page=1")
    assert held.status_code == 302 and held.headers["Location"] == "/sell/terms?next=/sell/products?page%3D1"
    assert client.get("/sell").headers["Location"].startswith("/sell/terms")
    assert client.get("/", headers=EN).status_code == 200  # shopping is never held up
    assert client.get(f"/sellers/{shop.seller.slug}").status_code == 200
    terms = client.get("/sell/terms?next=/sell/products", headers=EN)
    text = terms.get_data(as_text=True)
    assert "Version 2" in text and "I accept the seller terms (version 2)" in text
    response = client.post("/sell/terms?next=/sell/products",
                           data={"csrf_token": csrf_token_from(terms), "version": "2"})
    assert response.status_code == 302 and response.headers["Location"] == "/sell/products"
    assert pages.latest_accepted(shop.owner, "seller-terms") == 2 and not pages.needs_acceptance(shop.owner)
    assert client.get("/sell/products").status_code == 200
    # The other member is asked too, at her own sign-in.
    other, _ = sign_in(app, member.email)
    assert other.get("/sell/products").headers["Location"].startswith("/sell/terms")


def test_accepting_is_for_the_version_in_effect_only(app, shop, staff):
    new_version(staff, slug="seller-terms")
    with pytest.raises(DomainError):
        pages.accept_terms(shop.owner, "seller-terms", 1)
    new_version(staff, slug="seller-terms", effective_on=date(2026, 12, 20))
    with pytest.raises(DomainError):
        pages.accept_terms(shop.owner, "seller-terms", 3)  # not in effect yet
    pages.accept_terms(shop.owner, "seller-terms", 2)
    assert not pages.needs_acceptance(shop.owner)
    shopper = make_user("mua@example.vn")
    with pytest.raises(DomainError):
        pages.accept_terms(shopper, "seller-terms", 2)


def test_a_stale_acceptance_form_is_refused(app, shop, staff):
    new_version(staff, slug="seller-terms")
    client, _ = sign_in(app, shop.owner.email)
    terms = client.get("/sell/terms")
    new_version(staff, slug="seller-terms", title_en="v3")
    response = client.post("/sell/terms", data={"csrf_token": csrf_token_from(terms), "version": "2"}, headers=EN)
    assert response.status_code == 200 and "The terms have changed" in response.get_data(as_text=True)
    assert pages.latest_accepted(shop.owner, "seller-terms") == 1


def test_sellers_approved_before_the_terms_hold_version_1(app, shop, staff):
    """A seller approved before the terms were asked for (no version recorded) is taken to
    hold version 1: asked only once staff publish a newer one."""
    shop.seller.terms_version = None
    db.session.execute(TermsAcceptance.__table__.delete())
    db.session.commit()
    assert not pages.needs_acceptance(shop.owner)
    new_version(staff, slug="seller-terms")
    assert pages.needs_acceptance(shop.owner)


def test_shoppers_are_sent_to_apply_from_the_terms_page(app):
    make_user("mua@example.vn")
    client, _ = sign_in(app, "mua@example.vn")
    response = client.get("/sell/terms")
    assert response.status_code == 302 and response.headers["Location"] == "/sell/apply"
    assert client.get("/pages/seller-terms").status_code == 200  # the terms themselves are public


def test_a_page_is_served_from_the_page_cache_to_visitors(app, client, staff):
    from market.core import page_cache

    app.config["PAGE_CACHE_SECONDS"] = 15
    try:
        assert client.get("/pages/returns", headers=EN).headers.get("X-Page-Cache") is None
        again = client.get("/pages/returns", headers=EN)
        assert again.headers.get("X-Page-Cache") == "hit" and "Returns, refunds and complaints" in again.get_data(as_text=True)
        new_version(staff, slug="returns", title_en="Returns, new")  # a commit forgets the cached pages
        assert "Returns, new" in client.get("/pages/returns", headers=EN).get_data(as_text=True)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
        page_cache.pages.clear()


def test_the_history_tells_scheduled_from_replaced_versions(client_for, staff):
    new_version(staff, effective_on=date(2026, 12, 20))  # 2: scheduled
    client = client_for(staff.email)
    history = client.get("/staff/pages/rules", headers=EN).get_data(as_text=True)
    assert "Scheduled" in history and "Version 2 from Dec 20, 2026" in client.get("/staff/pages", headers=EN).get_data(as_text=True)
    new_version(staff)  # 3: today, so 2 will never take effect
    history = client.get("/staff/pages/rules", headers=EN).get_data(as_text=True)
    version_2 = history[history.index('id="version-2"'):history.index('id="version-1"')]
    assert "Replaced before it took effect" in version_2 and "Scheduled" not in history
    assert pages.current_version("rules") == 3
