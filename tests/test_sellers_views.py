"""Seller, program and staff pages through the test client, with CSRF left on."""
import io

from sqlalchemy import func, select

from market.accounts.models import Notification
from market.extensions import db
from market.programs import services as programs
from market.sellers import services as sellers
from market.sellers.models import Seller
from tests.builders import application, certificate, pdf, png, program_data
from tests.conftest import post_form

FORM = {
    "legal_form": "cooperative", "name": "HTX Cà phê Cầu Đất", "registration_number": "5800123456",
    "province": "68", "commune": "xuan truong da lat", "street_address": "Thôn Trường Sơn",
    "phone": "0263 382 2222", "story": "Chị em trồng cà phê.\nRang tại chỗ.", "members_count": "24",
    "women_members_count": "21", "workers_count": "30", "women_workers_count": "26", "women_led": "y",
    "leader_name": "Trần Thị Hoa", "leader_role": "chair", "leadership_statement": "Chủ tịch là nữ.",
    "accept_terms": "y",
}
EN = {"Accept-Language": "en"}


def files(**uploads):
    return {name: (io.BytesIO(data), filename) for name, (data, filename) in uploads.items()}


def png_bytes():
    return png().stream.read()


def pdf_bytes():
    return pdf().stream.read()


def test_apply_save_draft_then_submit_with_files(client, auth, make_user):
    make_user()
    auth.login()
    response = post_form(client, "/sell/apply", {**FORM, "story": "", "save": "1"}, headers=EN)
    assert response.status_code == 302
    seller = db.session.scalar(select(Seller))
    assert seller.status == "draft"
    response = post_form(
        client,
        "/sell/apply",
        {**FORM, "submit": "1", **files(logo=(png_bytes(), "logo.png"), certificate=(pdf_bytes(), "gcn.pdf"))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"] == "/sell"
    db.session.refresh(seller)
    assert seller.status == "pending" and seller.logo_name and seller.commune_name == "Phường Xuân Trường - Đà Lạt"
    assert seller.phone == "+842633822222"
    page = client.get("/sell", headers=EN).get_data(as_text=True)
    assert "waiting for the union" in page


def test_apply_errors_are_shown_beside_the_fields_and_nothing_is_stored(client, auth, make_user):
    make_user()
    auth.login()
    bad = {**FORM, "women_members_count": "30", "commune": "Phường Ba Đình", "submit": "1",
           **files(logo=(b"GIF89a not really", "logo.gif"))}
    response = post_form(client, "/sell/apply", bad, headers=EN, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Women members cannot be more than all members." in page
    assert 'id="women_members_count-error"' in page and 'id="commune-error"' in page
    assert 'value="HTX Cà phê Cầu Đất"' in page  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(Seller)) == 0


def test_fake_logo_is_refused_beside_its_field(client, auth, make_user):
    make_user()
    auth.login()
    response = post_form(
        client,
        "/sell/apply",
        {**FORM, "submit": "1", **files(logo=(b"<script>", "logo.png"), certificate=(pdf_bytes(), "gcn.pdf"))},
        headers=EN, content_type="multipart/form-data",
    )
    assert 'id="logo-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Seller)) == 0


def test_header_links_follow_the_role(client, auth, make_user):
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert ">Sell with us<" in page
    make_user()
    make_user("staff@example.vn", role="staff")
    auth.login(email="staff@example.vn")
    assert ">Staff console<" in client.get("/", headers=EN).get_data(as_text=True)


def test_staff_decision_page_requires_a_reason_to_reject(client, auth, make_user, app):
    owner = make_user("hoa@example.vn")
    seller = sellers.save_application(owner, application(), submit=True, documents=certificate())
    make_user("staff@example.vn", role="staff")
    auth.login(email="staff@example.vn")
    url = f"/staff/sellers/{seller.id}"
    page = client.get(url, headers=EN).get_data(as_text=True)
    for button in ("Approve", "Request changes", "Reject"):
        assert f">{button}</button>" in page
    assert ">Suspend</button>" not in page
    response = post_form(client, url, {"action": "reject", "reason": ""}, headers=EN)
    assert "Give a reason" in response.get_data(as_text=True)
    db.session.refresh(seller)
    assert seller.status == "pending"
    response = post_form(client, url, {"action": "reject", "reason": "Không phải HTX do phụ nữ quản lý", "confirm": "yes"})
    assert response.status_code == 302
    db.session.refresh(seller)
    assert seller.status == "rejected"
    history = client.get(url, headers=EN).get_data(as_text=True)
    assert "Không phải HTX do phụ nữ quản lý" in history and "Rejected" in history


def test_applicant_reads_the_decision_in_their_messages(client, auth, make_user):
    owner = make_user()
    seller = sellers.save_application(owner, application(), submit=True, documents=certificate())
    staff = make_user("staff@example.vn", role="staff")
    sellers.decide(staff, seller.id, "request_changes", "Bổ sung ảnh")
    auth.login()
    page = client.get("/account/messages").get_data(as_text=True)
    assert "Bổ sung ảnh" in page
    assert db.session.scalar(select(Notification)).read_at is not None
    assert "Bổ sung ảnh" in client.get("/sell").get_data(as_text=True)


def test_public_seller_page_shows_badges_and_escapes_the_story(client, make_user):
    owner = make_user()
    staff = make_user("staff@example.vn", role="staff")
    seller = sellers.save_application(
        owner, application(story="<script>alert(1)</script>\nDòng hai"), submit=True, logo=png(), documents=certificate()
    )
    sellers.decide(staff, seller.id, "approve")
    program = programs.save_program(staff, program_data())
    enrolment = programs.apply_to_program(owner, program.id, "Xin", 21, 26, program.starts_on.replace(year=2026))
    programs.decide_enrolment(staff, enrolment.id, "approve")
    page = client.get(f"/sellers/{seller.slug}", headers=EN).get_data(as_text=True)
    assert "Verified by the Women's Union" in page  # a translated string: Markup, not escaped
    assert "Women&#39;s cooperative" in page  # the program's badge, from the database: escaped
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    logo = client.get(f"/media/logos/{seller.logo_name}")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert "HTX Cà phê Cầu Đất" in client.get(f"/programs/{program.slug}").get_data(as_text=True)
    assert program.name_vi in client.get("/programs").get_data(as_text=True)


def test_staff_create_program_through_the_form(client, auth, make_user):
    make_user("staff@example.vn", role="staff")
    auth.login(email="staff@example.vn")
    response = post_form(
        client,
        "/staff/programs/new",
        {
            "name_vi": "Hỗ trợ phụ nữ khởi nghiệp", "name_en": "Supporting women start-ups",
            "badge_vi": "Phụ nữ khởi nghiệp", "badge_en": "Women start-up", "starts_on": "2026-01-01",
            "legal_forms": ["enterprise", "household"], "women_led_required": "y", "commission_rate": "3.5",
            "target_start_ups": "500",
        },
    )
    assert response.status_code == 302
    program = programs.all_programs()[0]
    assert (program.commission_rate_bp, program.legal_forms) == (350, ["enterprise", "household"])
    assert [(t.metric, t.target_value) for t in program.targets] == [("start_ups", 500)]
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Start-ups supported: 0 / 500" in page


def test_seller_applies_to_a_program_through_the_form(client, auth, make_user):
    owner = make_user()
    staff = make_user("staff@example.vn", role="staff")
    seller = sellers.save_application(owner, application(), submit=True, documents=certificate())
    sellers.decide(staff, seller.id, "approve")
    program = programs.save_program(staff, program_data())
    auth.login()
    url = f"/sell/programs/{program.slug}/apply"
    response = post_form(client, url, {"statement": "", "women_members": "-1", "jobs_for_women": "5"}, headers=EN)
    assert 'id="statement-error"' in response.get_data(as_text=True)
    response = post_form(client, url, {"statement": "Mở rộng thị trường", "women_members": "21", "jobs_for_women": "26"})
    assert response.status_code == 302
    assert programs.enrolments_of(seller)[program.id].status == "pending"
