"""Seller rules through the services: applications, review flow, members, figures."""
import io
import os
from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from market.accounts.models import Notification
from market.core.audit import history
from market.core.domain import DomainError
from market.core.models import OutboundEmail
from market.core.states import REVIEW_TRANSITIONS, ReasonRequired, TransitionError
from market.extensions import db
from market.sellers import invitations, services
from market.sellers.models import Seller, SellerDocument, SellerMember
from market.sellers.services import ValidationFailed
from tests.builders import application, certificate, png


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.vn", role="staff")


@pytest.fixture
def owner(make_user):
    return make_user("hoa@example.vn")


@pytest.fixture
def pending_seller(app, owner):
    return services.save_application(owner, application(), submit=True, logo=png(), documents=certificate())


def seller_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Seller))


def stored_files(app) -> list:
    return [name for _dir, _subdirs, names in os.walk(app.config["UPLOAD_FOLDER"]) for name in names]


# --- applications -----------------------------------------------------------------------

def test_draft_then_submit(app, owner):
    seller = services.save_application(owner, application(story="", members_count=None, women_members_count=None), submit=False)
    assert seller.status == "draft" and owner.role == "seller"
    assert seller.slug == "htx-ca-phe-cau-dat"
    seller = services.save_application(owner, application(), submit=True, documents=certificate())
    assert seller.status == "pending" and seller.submitted_at is not None
    assert seller.commune_code == "24805"  # the ward's official code
    assert [e.action for e in history("seller", seller.id)] == ["created", "submit"]


def test_old_province_name_is_mapped_to_the_new_unit(app, owner):
    seller = services.save_application(owner, application(province="Binh Duong", commune="Phường Thủ Dầu Một"))
    assert seller.province_code == "79"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"province": "Atlantis"}, "province"),
        ({"commune": "Phường Ba Đình"}, "commune"),  # in Hà Nội, not Lâm Đồng
        ({"women_members_count": 25}, "women_members_count"),
        ({"women_workers_count": 31}, "women_workers_count"),
        ({"members_count": -1}, "members_count"),
        ({"workers_count": 10_000_000}, "workers_count"),
        ({"registration_number": None}, "registration_number"),
        ({"women_led": False}, "women_led"),
        ({"story": "  "}, "story"),
        ({"legal_form": "corporation"}, "legal_form"),
    ],
)
def test_bad_application_is_refused_beside_the_field_and_stores_nothing(app, owner, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        services.save_application(owner, application(**changes), submit=True, logo=png(), documents=certificate())
    assert field in refused.value.errors
    assert seller_count() == 0
    assert stored_files(app) == []


def test_registration_number_is_optional_for_groups_and_households(app, owner):
    seller = services.save_application(
        owner, application(legal_form="cooperative_group", registration_number=None), submit=True
    )
    assert seller.status == "pending"


def test_duplicate_registration_number_is_refused(app, owner, make_user, pending_seller):
    other = make_user("lan@example.vn")
    with pytest.raises(ValidationFailed) as refused:
        services.save_application(other, application(name="Another", registration_number="5800123456"))
    assert "registration_number" in refused.value.errors
    assert seller_count() == 1


def test_fake_or_oversized_files_are_refused_and_nothing_is_stored(app, owner):
    fake = FileStorage(stream=io.BytesIO(b"not an image at all"), filename="logo.jpg", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as refused:
        services.save_application(owner, application(), submit=True, logo=fake, documents=certificate())
    assert "logo" in refused.value.errors
    app.config["DOCUMENT_MAX_BYTES"] = 10
    with pytest.raises(ValidationFailed) as refused:
        services.save_application(owner, application(), submit=True, logo=png(), documents=certificate())
    assert "certificate" in refused.value.errors
    assert seller_count() == 0 and stored_files(app) == []


def test_a_cooperative_must_attach_its_certificate_to_submit(app, owner):
    with pytest.raises(ValidationFailed) as refused:
        services.save_application(owner, application(), submit=True)
    assert "certificate" in refused.value.errors


def test_application_cannot_be_edited_once_pending(app, owner, pending_seller):
    with pytest.raises(DomainError):
        services.save_application(owner, application(story="changed"))


def test_staff_cannot_apply(app, staff):
    with pytest.raises(DomainError):
        services.save_application(staff, application())


# --- transitions ------------------------------------------------------------------------

ALLOWED = [
    ("draft", "submit", "pending"),
    ("changes_requested", "submit", "pending"),
    ("pending", "approve", "approved"),
    ("pending", "reject", "rejected"),
    ("pending", "request_changes", "changes_requested"),
    ("approved", "suspend", "suspended"),
    ("suspended", "reinstate", "approved"),
]
STATUSES = ["draft", "pending", "approved", "rejected", "changes_requested", "suspended"]


@pytest.mark.parametrize(("current", "action", "new"), ALLOWED)
def test_every_allowed_move(current, action, new):
    assert REVIEW_TRANSITIONS.target(current, action) == new


@pytest.mark.parametrize(
    ("current", "action"),
    [(status, action) for status in STATUSES for action in REVIEW_TRANSITIONS.table
     if (status, action) not in {(c, a) for c, a, _n in ALLOWED}],
)
def test_every_other_move_is_refused(current, action):
    with pytest.raises(TransitionError):
        REVIEW_TRANSITIONS.target(current, action)


def set_status(seller, status):
    seller.status = status
    db.session.commit()


@pytest.mark.parametrize(("current", "action", "new"), [row for row in ALLOWED if row[1] != "submit"])
def test_staff_decisions_move_audit_and_notify(app, staff, owner, pending_seller, current, action, new):
    set_status(pending_seller, current)
    services.decide(staff, pending_seller.id, action, reason="Thiếu giấy tờ")
    db.session.refresh(pending_seller)
    assert pending_seller.status == new
    entry = history("seller", pending_seller.id)[-1]
    assert (entry.actor_id, entry.action, entry.from_status, entry.to_status) == (staff.id, action, current, new)
    assert entry.reason == "Thiếu giấy tờ"
    # The latest of each: the application's "received" came first.
    notification = db.session.scalar(select(Notification).where(Notification.user_id == owner.id)
                                     .order_by(Notification.id.desc()).limit(1))
    email = db.session.scalar(select(OutboundEmail).where(OutboundEmail.to_address == "hoa@example.vn")
                              .order_by(OutboundEmail.id.desc()).limit(1))
    assert notification is not None and email is not None
    assert "HTX Cà phê Cầu Đất" in email.body and email.subject == notification.subject


@pytest.mark.parametrize("action", ["reject", "request_changes"])
def test_decisions_that_refuse_need_a_reason(app, staff, pending_seller, action):
    emails = db.session.scalar(select(func.count()).select_from(OutboundEmail))  # the application's "received"
    with pytest.raises(ReasonRequired):
        services.decide(staff, pending_seller.id, action, reason="   ")
    db.session.refresh(pending_seller)
    assert pending_seller.status == "pending"
    assert [e.action for e in history("seller", pending_seller.id)] == ["created", "submit"]
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == emails


def test_suspension_needs_a_reason_and_the_applicant_reads_it(app, staff, owner, pending_seller):
    services.decide(staff, pending_seller.id, "approve")
    with pytest.raises(ReasonRequired):
        services.decide(staff, pending_seller.id, "suspend")
    services.decide(staff, pending_seller.id, "suspend", "Sản phẩm không đúng mô tả")
    assert pending_seller.status_reason == "Sản phẩm không đúng mô tả"
    assert services.public_seller(pending_seller.slug) is None
    services.decide(staff, pending_seller.id, "reinstate")
    assert pending_seller.status_reason is None
    assert services.public_seller(pending_seller.slug) is not None


def test_refused_move_is_a_clear_error(app, staff, pending_seller):
    with pytest.raises(TransitionError, match="pending|chờ duyệt"):
        services.decide(staff, pending_seller.id, "reinstate")


def test_changes_requested_then_resubmitted(app, staff, owner, pending_seller):
    services.decide(staff, pending_seller.id, "request_changes", "Bổ sung ảnh sản phẩm")
    seller = services.save_application(owner, application(story="Thêm ảnh"), submit=True)
    assert seller.status == "pending" and seller.status_reason is None


def test_provincial_staff_decide_only_their_province(app, make_user, pending_seller):
    hanoi = make_user("hn@example.vn", role="staff", province="Hà Nội")
    lamdong = make_user("ld@example.vn", role="staff", province="Lâm Đồng")
    with pytest.raises(DomainError):
        services.decide(hanoi, pending_seller.id, "approve")
    assert services.review_queue(hanoi) == []
    assert services.review_queue(lamdong) == [pending_seller]
    services.decide(lamdong, pending_seller.id, "approve")
    assert pending_seller.status == "approved"


def test_review_queue_is_oldest_first(app, staff, make_user):
    sellers = []
    for number, day in enumerate([3, 1, 2]):
        user = make_user(f"u{number}@example.vn")
        with time_machine.travel(f"2026-05-0{day} 08:00 +0000"):
            sellers.append(
                services.save_application(
                    user, application(name=f"HTX {number}", registration_number=f"58000{number}"),
                    submit=True, documents=certificate(),
                )
            )
    assert [s.name for s in services.review_queue(staff)] == ["HTX 1", "HTX 2", "HTX 0"]


# --- members ------------------------------------------------------------------------------

@pytest.fixture
def approved_seller(app, staff, pending_seller):
    return services.decide(staff, pending_seller.id, "approve")


def invite(app, owner, email):
    with app.test_request_context():
        return invitations.invite_member(owner, email)


def test_invite_accept_and_remove(app, owner, make_user, approved_seller):
    member = make_user("ngoc@example.vn")
    invitation, token = invite(app, owner, "Ngoc@Example.vn")
    email = db.session.scalar(select(OutboundEmail).where(OutboundEmail.to_address == "ngoc@example.vn"))
    assert token in email.body and "HTX Cà phê Cầu Đất" in email.body
    membership = invitations.accept_invitation(member, token)
    assert membership.seller_id == approved_seller.id and member.role == "seller"
    with pytest.raises(DomainError, match="already been used|đã được dùng"):
        invitations.accept_invitation(member, token)
    services.remove_member(owner, membership.id)
    assert member.role == "shopper"
    actions = [e.action for e in history("seller", approved_seller.id)]
    assert actions[-3:] == ["member_invited", "member_joined", "member_removed"]


def test_invitation_for_another_email_is_refused(app, owner, make_user, approved_seller):
    stranger = make_user("stranger@example.vn")
    _, token = invite(app, owner, "ngoc@example.vn")
    with pytest.raises(DomainError, match="another email|địa chỉ email khác"):
        invitations.accept_invitation(stranger, token)
    assert db.session.scalar(select(func.count()).select_from(SellerMember)) == 1


def test_expired_invitation_is_refused(app, owner, make_user, approved_seller):
    member = make_user("ngoc@example.vn")
    with time_machine.travel("2026-01-01 00:00 +0000"):
        _, token = invite(app, owner, "ngoc@example.vn")
    with time_machine.travel("2026-01-09 00:00 +0000"):
        with pytest.raises(DomainError, match="expired|hết hạn"):
            invitations.accept_invitation(member, token)


def test_tampered_invitation_is_refused(app, owner, make_user, approved_seller):
    member = make_user("ngoc@example.vn")
    _, token = invite(app, owner, "ngoc@example.vn")
    with pytest.raises(DomainError, match="not valid|không hợp lệ"):
        invitations.accept_invitation(member, token[:-2] + "xx")


def test_only_the_owner_invites_and_the_owner_cannot_be_removed(app, owner, make_user, approved_seller):
    member = make_user("ngoc@example.vn")
    _, token = invite(app, owner, "ngoc@example.vn")
    invitations.accept_invitation(member, token)
    with pytest.raises(DomainError):
        invite(app, member, "x@example.vn")
    owner_membership = services.membership_of(owner)
    with pytest.raises(DomainError):
        services.remove_member(owner, owner_membership.id)


# --- figures ------------------------------------------------------------------------------

def test_figures_are_kept_per_quarter(app, owner, approved_seller):
    services.report_figures(owner, 20, 25, date(2026, 2, 10))
    services.report_figures(owner, 21, 26, date(2026, 3, 30))  # same quarter: replaced
    services.report_figures(owner, 22, 28, date(2026, 4, 1))
    reports = services.figures_history(approved_seller.id)
    assert [(r.period_start, r.women_members, r.jobs_for_women) for r in reports] == [
        (date(2026, 4, 1), 22, 28),
        (date(2026, 1, 1), 21, 26),
    ]
    with pytest.raises(ValidationFailed):
        services.report_figures(owner, -1, 5, date(2026, 4, 1))


def test_document_can_be_removed_only_while_editable(app, owner, staff):
    seller = services.save_application(owner, application(), documents=certificate())
    document = seller.documents[0]
    services.delete_document(owner, document.id)
    assert db.session.scalar(select(func.count()).select_from(SellerDocument)) == 0
    assert stored_files(app) == []
