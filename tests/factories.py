"""Small helpers that build users, sellers, programs and enrolments THROUGH THE SERVICES.

Nothing here writes rows by hand: a seller applies (with a generated PNG logo and, when its
legal form needs one, a PDF registration certificate), staff decide, members are invited
and accept, sellers apply to programs. So a test's world obeys the same rules as real data.
Call them inside the `app` fixture's application context.
"""
import io
import itertools
from contextlib import nullcontext
from datetime import date

from flask import current_app, has_request_context
from PIL import Image
from werkzeug.datastructures import FileStorage

from market.accounts.models import Role, User
from market.accounts.services import create_user, find_user_by_email
from market.programs import services as programs
from market.programs.models import Enrolment, Program
from market.sellers import services as sellers
from market.sellers.models import REGISTERED_FORMS, DocumentKind, LegalForm, Seller

PASSWORD = "correct-horse-battery"

# A real 2025 commune/ward of each province the tests use (the service checks it).
COMMUNES = {
    "Lâm Đồng": "Phường Xuân Trường - Đà Lạt",
    "Hà Nội": "Xã Phú Nghĩa",
}

# The staff decisions that lead from "pending" to each status.
DECISIONS_TO = {
    "pending": [],
    "approved": ["approve"],
    "rejected": ["reject"],
    "changes_requested": ["request_changes"],
    "suspended": ["approve", "suspend"],
}

_numbers = itertools.count(1)


def png_logo(colour: str = "#9b1c4a") -> FileStorage:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename="logo.png", content_type="image/png")


def pdf_certificate(filename: str = "giay-chung-nhan.pdf") -> FileStorage:
    data = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type="application/pdf")


def request_context():
    """A request context for services that build external links (invitation emails)."""
    return nullcontext() if has_request_context() else current_app.test_request_context("/")


def make_user(email: str, role: str = Role.SHOPPER, province: str | None = None, full_name: str | None = None) -> User:
    """An account with the password PASSWORD; staff with a province are provincial staff."""
    return create_user(email, role, PASSWORD, full_name=full_name, province=province)


def reviewer() -> User:
    """A central staff account that takes the decisions nobody asked to take themselves."""
    return find_user_by_email("reviewer@factories.test") or make_user("reviewer@factories.test", Role.STAFF)


def application(
    name: str | None = None, province: str = "Lâm Đồng", legal_form: str = LegalForm.COOPERATIVE, **changes
) -> sellers.ApplicationData:
    """A complete, submittable application (women-led, with a unique registration number)."""
    number = next(_numbers)
    values = dict(
        legal_form=legal_form,
        name=name or f"HTX Phụ nữ số {number}",
        province=province,
        commune=COMMUNES.get(province, ""),
        registration_number=f"58{number:08d}" if legal_form in REGISTERED_FORMS else None,
        street_address="Thôn Trường Sơn",
        phone="+842633822222",
        story="Chị em cùng làm và cùng bán.",
        members_count=20,
        women_members_count=15,
        workers_count=25,
        women_workers_count=20,
        women_led=True,
        leader_name="Trần Thị Hoa",
        leader_role="chair",
        leadership_statement="Chủ tịch HĐQT là nữ.",
    )
    values.update(changes)
    return sellers.ApplicationData(**values)


def make_seller(
    owner: User,
    status: str = "approved",
    *,
    province: str = "Lâm Đồng",
    legal_form: str = LegalForm.COOPERATIVE,
    name: str | None = None,
    staff: User | None = None,
    reason: str = "Hồ sơ chưa đầy đủ.",
    **changes,
) -> Seller:
    """A seller owned by `owner`, brought to `status` as a person would: apply with a logo
    and a registration certificate (which cooperatives and enterprises need to submit), submit,
    then staff decide (`staff`, or a central reviewer). A "draft" is saved, not submitted."""
    data = application(name=name, province=province, legal_form=legal_form, **changes)
    documents = [(DocumentKind.REGISTRATION_CERTIFICATE, pdf_certificate())]
    if status == "draft":
        return sellers.save_application(owner, data, submit=False, logo=png_logo(), documents=documents)
    seller = sellers.save_application(owner, data, submit=True, logo=png_logo(), documents=documents)
    staff = staff or (reviewer() if DECISIONS_TO[status] else None)
    for action in DECISIONS_TO[status]:
        needs_reason = action in ("reject", "request_changes", "suspend")
        seller = sellers.decide(staff, seller.id, action, reason if needs_reason else None)
    assert seller.status == status
    return seller


def add_member(owner: User, user_or_email: User | str, full_name: str | None = None) -> User:
    """Invite someone to the owner's seller and accept the invitation as them."""
    user = user_or_email if isinstance(user_or_email, User) else make_user(user_or_email, full_name=full_name)
    with request_context():
        _invitation, token = sellers.invite_member(owner, user.email)
    sellers.accept_invitation(user, token)
    return user


def make_program(staff: User | None = None, **changes) -> Program:
    """A program open since 2020 for every women-led seller (central staff create it)."""
    number = next(_numbers)
    values = dict(
        name_vi=f"Chương trình hỗ trợ số {number}",
        name_en=f"Support program {number}",
        badge_vi="HTX phụ nữ",
        badge_en="Women's cooperative",
        starts_on=date(2020, 1, 1),
        ends_on=None,
        women_led_required=True,
        commission_rate_bp=200,
        targets={"sellers_enrolled": 10},
    )
    values.update(changes)
    return programs.save_program(staff or reviewer(), programs.ProgramData(**values))


def enrol(
    member: User,
    program: Program,
    statement: str = "Chúng tôi muốn tạo thêm việc làm cho chị em.",
    women_members: int = 15,
    jobs_for_women: int = 20,
    today: date | None = None,
) -> Enrolment:
    """The member's seller applies to the program (pending until staff decide)."""
    return programs.apply_to_program(
        member, program.id, statement, women_members, jobs_for_women, today or date.today()
    )
