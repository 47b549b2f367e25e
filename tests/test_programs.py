"""Program rules through the services: managing programs, eligibility, enrolment, figures."""
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from market.core.audit import history
from market.core.domain import DomainError
from market.core.models import OutboundEmail
from market.core.states import ReasonRequired
from market.extensions import db
from market.programs import services
from market.sellers import services as sellers
from market.sellers.services import ValidationFailed
from tests.builders import application, certificate, program_data

TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def english(app):
    """Messages of services called outside a request, in English (the msgids)."""
    with force_locale("en"):
        yield


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.vn", role="staff")


@pytest.fixture
def program(app, staff):
    return services.save_program(staff, program_data())


def approved(make_user, staff, email, **changes):
    owner = make_user(email)
    seller = sellers.save_application(owner, application(**changes), submit=True, documents=certificate())
    sellers.decide(staff, seller.id, "approve")
    return owner, seller


def test_central_staff_create_programs_with_targets(app, program):
    assert program.slug == "ho-tro-hop-tac-xa-phu-nu"
    assert {t.metric: t.target_value for t in program.targets} == {
        "cooperatives": 1500, "cooperative_groups": 10000, "jobs_for_women": 30000,
    }
    assert history("program", program.id)[0].action == "program_created"


def test_provincial_staff_cannot_manage_programs(app, make_user):
    provincial = make_user("ld@example.vn", role="staff", province="Lâm Đồng")
    with pytest.raises(DomainError):
        services.save_program(provincial, program_data())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name_vi": " "}, "name_vi"),
        ({"ends_on": date(2021, 1, 1)}, "ends_on"),
        ({"commission_rate_bp": 10001}, "commission_rate"),
        ({"legal_forms": ["corporation"]}, "legal_forms"),
        ({"province_codes": ["99"]}, "province_codes"),
        ({"targets": {"jobs_for_women": 0}}, "target_jobs_for_women"),
    ],
)
def test_bad_program_is_refused(app, staff, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        services.save_program(staff, program_data(**changes))
    assert field in refused.value.errors
    assert services.all_programs() == []


def test_editing_replaces_targets(app, staff, program):
    services.save_program(staff, program_data(targets={"jobs_for_women": 100}), program.id)
    assert [(t.metric, t.target_value) for t in program.targets] == [("jobs_for_women", 100)]


@pytest.mark.parametrize(
    ("seller_changes", "program_changes", "message"),
    [
        ({"legal_form": "household", "registration_number": None}, {}, "only for: Cooperative, Cooperative group"),
        ({}, {"province_codes": ["01"]}, "only for sellers in: Hà Nội"),
        ({}, {"starts_on": date(2027, 1, 1), "ends_on": None}, "not open"),
    ],
)
def test_ineligible_seller_is_told_which_rule_it_fails(app, make_user, staff, seller_changes, program_changes, message):
    program = services.save_program(staff, program_data(**program_changes))
    owner, _seller = approved(make_user, staff, "hoa@example.vn", **seller_changes)
    with pytest.raises(DomainError, match=message):
        services.apply_to_program(owner, program.id, "Xin tham gia", 21, 26, TODAY)


def test_women_led_rule(app, make_user, staff, program):
    owner, seller = approved(make_user, staff, "hoa@example.vn")
    seller.women_led = False  # e.g. the leadership changed since approval
    db.session.commit()
    assert services.eligibility_failures(program, seller, TODAY) == ["The program is only for women-led sellers."]


def test_pending_seller_cannot_enrol(app, make_user, staff, program):
    owner = make_user("hoa@example.vn")
    sellers.save_application(owner, application(), submit=True, documents=certificate())
    with pytest.raises(DomainError, match="approved"):
        services.apply_to_program(owner, program.id, "Xin tham gia", 21, 26, TODAY)


def test_enrolment_flow_with_reasons_audit_and_notices(app, make_user, staff, program):
    owner, seller = approved(make_user, staff, "hoa@example.vn")
    enrolment = services.apply_to_program(owner, program.id, "Xin tham gia", 21, 26, TODAY)
    assert enrolment.status == "pending"
    with pytest.raises(DomainError, match="already applied|đã đăng ký"):
        services.apply_to_program(owner, program.id, "Lần nữa", 21, 26, TODAY)
    with pytest.raises(ReasonRequired):
        services.decide_enrolment(staff, enrolment.id, "request_changes")
    services.decide_enrolment(staff, enrolment.id, "request_changes", "Bổ sung số liệu")
    services.apply_to_program(owner, program.id, "Đã bổ sung", 22, 27, TODAY)
    assert (enrolment.status, enrolment.jobs_for_women_at_enrolment) == ("pending", 27)
    services.decide_enrolment(staff, enrolment.id, "approve")
    assert [e.action for e in history("enrolment", enrolment.id)] == ["applied", "request_changes", "submit", "approve"]
    emails = db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == "hoa@example.vn")).all()
    assert any("Hỗ trợ hợp tác xã phụ nữ" in e.body for e in emails)
    assert services.enrolled_sellers(program) == [seller]
    assert [badge.slug for badge in services.badges_of([seller.id])[seller.id]] == [program.slug]


def test_provincial_staff_decide_only_their_province(app, make_user, staff, program):
    owner, _seller = approved(make_user, staff, "hoa@example.vn")
    enrolment = services.apply_to_program(owner, program.id, "Xin tham gia", 21, 26, TODAY)
    hanoi = make_user("hn@example.vn", role="staff", province="Hà Nội")
    with pytest.raises(DomainError):
        services.decide_enrolment(hanoi, enrolment.id, "approve")
    assert services.enrolment_queue(hanoi) == []
    assert enrolment.status == "pending"


def test_bad_enrolment_figures_are_refused(app, make_user, staff, program):
    owner, _seller = approved(make_user, staff, "hoa@example.vn")
    with pytest.raises(ValidationFailed) as refused:
        services.apply_to_program(owner, program.id, "", -3, 26, TODAY)
    assert set(refused.value.errors) == {"statement", "women_members"}


def test_program_figures_and_progress(app, make_user, staff, program):
    enrolled = [
        ("a@example.vn", {"province": "Lâm Đồng"}, 21, 26),
        ("b@example.vn", {"province": "Hà Nội", "commune": "Xã Bát Tràng", "registration_number": "0100000001"}, 10, 12),
        ("c@example.vn", {"province": "Hà Giang", "commune": "Xã Lùng Tám", "legal_form": "cooperative_group",
                          "registration_number": None}, 30, 30),
    ]
    for email, changes, women, jobs in enrolled:
        owner, _seller = approved(make_user, staff, email, **changes)
        enrolment = services.apply_to_program(owner, program.id, "Xin tham gia", women, jobs, date(2026, 1, 15))
        services.decide_enrolment(staff, enrolment.id, "approve")
    # One seller reports new figures in a later quarter: "now" uses the latest report.
    owner = db.session.scalar(select(type(owner)).where(type(owner).email == "a@example.vn"))
    sellers.report_figures(owner, 23, 40, date(2026, 10, 2))

    figures = services.program_figures(program)
    assert figures.sellers_enrolled == 3
    assert figures.jobs_for_women_at_enrolment == 68 and figures.jobs_for_women_now == 82
    assert figures.women_members_at_enrolment == 61 and figures.women_members_now == 63
    assert dict(figures.by_province) == {"Lâm Đồng": 1, "Hà Nội": 1, "Tuyên Quang": 1}
    progress = {t.metric: (t.value, t.target) for t in figures.targets}
    assert progress == {"cooperatives": (2, 1500), "cooperative_groups": (1, 10000), "jobs_for_women": (82, 30000)}

    lamdong = make_user("ld@example.vn", role="staff", province="Lâm Đồng")
    assert services.program_figures(program, lamdong).sellers_enrolled == 1
