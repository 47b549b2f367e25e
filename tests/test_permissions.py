"""Who may open and do what: the permission matrix of the seller, program and staff pages.

CSRF stays on: every POST first opens the page that holds the form (or, for someone who
cannot open it, a page they can open) and posts the token a browser would send.

Actors: anonymous; a shopper; a member (not owner) of seller A; A's owner; the owner of
another seller B; provincial staff of A's province (Lâm Đồng, 68); provincial staff of
another province (Hà Nội, 01); central staff. Seller A is approved in Lâm Đồng, seller B
approved in Hà Nội, seller P pending in Lâm Đồng. A has a registration certificate on file
and a pending enrolment in a program.

Expected answers: 200 allowed; SIGN_IN (302 to /account/sign-in) for anonymous visitors;
APPLY (302 to /sell/apply) for signed-in people without a seller; 403 wrong role; 404 for
objects outside one's ownership or province.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from market.accounts.models import Notification, User
from market.core.audit import history
from market.core.models import OutboundEmail
from market.extensions import db, limiter
from market.programs.models import Enrolment, Program
from market.sellers import services as sellers
from market.sellers.models import Seller, SellerDocument, SellerInvitation, SellerMember
from tests.builders import (
    PASSWORD,
    add_member,
    enrol,
    make_program,
    make_seller,
    make_user,
)
from tests.conftest import CSRF_RE, end_of_world, post_form, running_app

ANONYMOUS = "anonymous"
SHOPPER = "shopper"
MEMBER_A = "member_a"
OWNER_A = "owner_a"
OWNER_B = "owner_b"
STAFF_LD = "staff_lamdong"  # provincial staff of A's (and P's) province
STAFF_HN = "staff_hanoi"  # provincial staff of another province (B's)
CENTRAL = "staff_central"
ACTORS = (ANONYMOUS, SHOPPER, MEMBER_A, OWNER_A, OWNER_B, STAFF_LD, STAFF_HN, CENTRAL)
STAFF = (STAFF_LD, STAFF_HN, CENTRAL)
NOT_STAFF = (SHOPPER, MEMBER_A, OWNER_A, OWNER_B)

# A test (or case) that changes the world gets one of its own; the others share one (see `world`).
WRITES = pytest.mark.writes

SIGN_IN = (302, "/account/sign-in")
APPLY = (302, "/sell/apply")
EN = "en"


def table(writes=(), **expected) -> list:
    """(actor, expected) pairs in ACTORS order; every actor must be listed. The actors in
    `writes` are allowed to change the world (their cases are marked `writes`)."""
    assert set(expected) == set(ACTORS), set(ACTORS) ^ set(expected)
    return [pytest.param(actor, expected[actor], id=actor, marks=[WRITES] if actor in writes else [])
            for actor in ACTORS]


# --- the world --------------------------------------------------------------------------

@dataclass
class World:
    user_ids: dict[str, int | None]
    ids: dict[str, int | str]

    def url(self, template: str) -> str:
        return template.format(**self.ids)

    def user(self, actor: str) -> User | None:
        user_id = self.user_ids[actor]
        return db.session.get(User, user_id) if user_id is not None else None


@pytest.fixture(scope="module")
def app(_migrated_database, instance_path, tmp_path_factory):
    """One app for the module, so the tests that only read share one world (see `world`)."""
    with running_app(_migrated_database, instance_path, tmp_path_factory.mktemp("permissions")) as app:
        yield app


@pytest.fixture(scope="module")
def shared() -> dict:
    """The module's world while no test has changed it."""
    return {"world": None}


@pytest.fixture
def world(app, shared, request) -> World:
    """Everyone and everything of the matrix. Built once and shared by the tests that only
    read (each checks on the way out that it changed nothing); a test marked `writes` has it
    to itself, and afterwards the invariants are checked and the tables emptied, as for any test."""
    limiter.reset()
    if shared["world"] is None:
        shared["world"] = build_world()
    world = shared["world"]
    writes = request.node.get_closest_marker("writes") is not None
    before = None if writes else world_state()
    yield world
    db.session.rollback()
    changed = writes or world_state() != before
    if changed:
        shared["world"] = None
        end_of_world()
    assert writes or not changed, "a test that only reads changed the shared world: mark it `writes`"


def build_world() -> World:
    """Everyone and everything of the matrix, made through the services."""
    central = make_user("central@example.vn", "staff", full_name="Lê Thị Thu")
    users = {
        ANONYMOUS: None,
        SHOPPER: make_user("shopper@example.vn", full_name="Nguyễn Thị Mai"),
        OWNER_A: make_user("owner.a@example.vn", full_name="Trần Thị Hoa"),
        OWNER_B: make_user("owner.b@example.vn", full_name="Nguyễn Thị Hằng"),
        STAFF_LD: make_user("staff.lamdong@example.vn", "staff", province="Lâm Đồng", full_name="Phạm Thị Lan"),
        STAFF_HN: make_user("staff.hanoi@example.vn", "staff", province="Hà Nội", full_name="Vũ Thị Nga"),
        CENTRAL: central,
    }
    owner_p = make_user("owner.p@example.vn", full_name="K'Thị Bình")
    seller_a = make_seller(users[OWNER_A], "approved", province="Lâm Đồng", name="HTX Cà phê Cầu Đất", staff=central)
    seller_b = make_seller(users[OWNER_B], "approved", province="Hà Nội", name="HTX Mây tre Phú Nghĩa", staff=central)
    seller_p = make_seller(owner_p, "pending", province="Lâm Đồng", name="Tổ hợp tác Rau Lang Biang",
                           legal_form="cooperative_group")
    users[MEMBER_A] = add_member(users[OWNER_A], "member.a@example.vn", full_name="Đỗ Thị Ngọc")
    program = make_program(central, name_vi="Hỗ trợ HTX phụ nữ", name_en="Women's cooperatives")
    enrolment = enrol(users[OWNER_A], program)
    assert seller_a.province_code == seller_p.province_code == "68" and seller_b.province_code == "01"
    ids = {
        "a": seller_a.id, "b": seller_b.id, "p": seller_p.id,
        "a_slug": seller_a.slug, "b_slug": seller_b.slug, "p_slug": seller_p.slug,
        "doc": seller_a.documents[0].id,
        "member": sellers.membership_of(users[MEMBER_A]).id,
        "program": program.id, "enrolment": enrolment.id,
    }
    return World({actor: user.id if user else None for actor, user in users.items()}, ids)


# Signing in writes its own rows (sessions, last sign-in); everything else must stay as built.
SIGN_IN_TABLES = {"user_sessions", "users"}


def world_state() -> dict:
    """Every row of every table but those signing in writes, to tell that a test only read."""
    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name not in SIGN_IN_TABLES:
            state[table.name] = sorted(map(repr, db.session.execute(table.select()).all()))
    state["users"] = sorted(map(repr, db.session.execute(select(User.id, User.email, User.role)).all()))
    return state


@pytest.fixture
def visitor(client, world):
    """The test client with English pages (readable errors), and a way to sign in as an actor."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = EN

    def sign_in(actor: str):
        user = world.user(actor)
        if user is not None:
            response = post_form(client, "/account/sign-in", {"email": user.email, "password": PASSWORD})
            assert response.status_code == 302, f"{actor} could not sign in"
        return client

    client.sign_in = sign_in
    return client


def post_as(client, actor: str, url: str, data: dict, form_url: str):
    """post_form from the page that holds the form; someone who cannot open that page
    posts the token of their session, read from a page they can open."""
    page = client.get(form_url)
    if not CSRF_RE.search(page.get_data(as_text=True)):
        form_url = "/account/sign-in" if actor == ANONYMOUS else "/account/profile"
    return post_form(client, url, data, form_url=form_url)


def assert_answer(response, expected, world: World) -> None:
    """`expected` is a status code, or (302, path the Location must lead to)."""
    status, location = expected if isinstance(expected, tuple) else (expected, None)
    assert response.status_code == status, (response.status_code, response.headers.get("Location"))
    if location is not None:
        target = response.headers["Location"]
        assert target.startswith(world.url(location)), target
        assert urlsplit(target).path == world.url(location), target


def reload(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def seller_name(world: World, actor: str) -> str | None:
    """The name of the seller the actor belongs to."""
    user = world.user(actor)
    seller = sellers.seller_of(user) if user is not None else None
    return seller.name if seller is not None else None


# --- the seller area (/sell/...) ---------------------------------------------------------

SELLER_AREA = table(
    anonymous=SIGN_IN, shopper=APPLY, member_a=200, owner_a=200, owner_b=200,
    # Staff have no seller: they are sent to the application page, which refuses them (below).
    staff_lamdong=APPLY, staff_hanoi=APPLY, staff_central=APPLY,
)


@pytest.mark.parametrize("actor", ACTORS)
def test_sell_is_the_dashboard_of_members_and_the_page_for_would_be_sellers_to_others(visitor, world, actor):
    page = visitor.sign_in(actor).get("/sell").get_data(as_text=True)
    own = seller_name(world, actor)
    assert ('class="sell-page"' in page) == (own is None)
    assert own is None or own in page
    assert "HTX Mây tre Phú Nghĩa" not in page or own == "HTX Mây tre Phú Nghĩa"


@pytest.mark.parametrize("url", ["/sell/members", "/sell/figures", "/sell/history", "/sell/programs"])
@pytest.mark.parametrize("actor, expected", SELLER_AREA)
def test_seller_area_pages(visitor, world, url, actor, expected):
    response = visitor.sign_in(actor).get(url)
    assert_answer(response, expected, world)
    if expected == 200:
        page = response.get_data(as_text=True)
        assert seller_name(world, actor) in page  # one's own seller, never another's
        other = "HTX Mây tre Phú Nghĩa" if actor in (MEMBER_A, OWNER_A) else "HTX Cà phê Cầu Đất"
        assert other not in page


@pytest.mark.parametrize(
    "actor, expected",
    table(
        anonymous=SIGN_IN, shopper=200,
        member_a=(302, "/sell"), owner_a=(302, "/sell"), owner_b=(302, "/sell"),  # approved: nothing to apply for
        staff_lamdong=403, staff_hanoi=403, staff_central=403,
    ),
)
def test_application_page(visitor, world, actor, expected):
    assert_answer(visitor.sign_in(actor).get("/sell/apply"), expected, world)


@pytest.mark.parametrize(
    "actor, expected",
    table(
        anonymous=SIGN_IN, shopper=APPLY, member_a=403, owner_a=200, owner_b=200,
        staff_lamdong=APPLY, staff_hanoi=APPLY, staff_central=APPLY,
    ),
)
def test_profile_page_is_the_owners(visitor, world, actor, expected):
    response = visitor.sign_in(actor).get("/sell/profile")
    assert_answer(response, expected, world)
    if expected == 200:
        assert seller_name(world, actor) in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "actor, expected, into",
    [
        pytest.param(actor, expected, {OWNER_A: "a", OWNER_B: "b"}.get(actor), id=actor,
                     marks=[WRITES] if actor in (OWNER_A, OWNER_B) else [])
        for actor, expected in (
            (ANONYMOUS, SIGN_IN), (SHOPPER, APPLY), (MEMBER_A, 403),
            (OWNER_A, (302, "/sell/members")), (OWNER_B, (302, "/sell/members")),
            (STAFF_LD, APPLY), (STAFF_HN, APPLY), (CENTRAL, APPLY),
        )
    ],
)
def test_inviting_a_member(visitor, world, actor, expected, into):
    visitor.sign_in(actor)
    response = post_as(visitor, actor, "/sell/members", {"email": "new@example.vn"}, form_url="/sell/members")
    assert_answer(response, expected, world)
    invitations = list(db.session.scalars(select(SellerInvitation).where(SellerInvitation.email == "new@example.vn")))
    emails = list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == "new@example.vn")))
    if into is None:
        assert invitations == [] and emails == []
    else:  # into the inviter's own seller, whatever page they came from
        assert [i.seller_id for i in invitations] == [world.ids[into]]
        assert len(emails) == 1 and "/sell/invitations/" in emails[0].body


@pytest.mark.parametrize("email", ["", "not-an-email"], ids=["empty", "bad"])
def test_a_member_cannot_post_the_invite_form_even_when_it_is_invalid(visitor, world, email):
    visitor.sign_in(MEMBER_A)
    response = post_as(visitor, MEMBER_A, "/sell/members", {"email": email}, form_url="/sell/members")
    assert_answer(response, 403, world)


@pytest.mark.parametrize(
    "actor, expected",
    table(
        writes=(OWNER_A,),
        anonymous=SIGN_IN, shopper=APPLY, member_a=403,
        owner_a=(302, "/sell/members"),
        owner_b=(302, "/sell/members"),  # refused with a message: not a member of B
        staff_lamdong=APPLY, staff_hanoi=APPLY, staff_central=APPLY,
    ),
)
def test_removing_a_member(visitor, world, actor, expected):
    visitor.sign_in(actor)
    url = world.url("/sell/members/{member}/remove")
    assert_answer(post_as(visitor, actor, url, {}, form_url="/sell/members"), expected, world)
    membership = reload(SellerMember, world.ids["member"])
    member = reload(User, world.user(MEMBER_A).id)
    if actor == OWNER_A:
        assert membership is None and member.role == "shopper"
        entry = history("seller", world.ids["a"])[-1]
        assert (entry.action, entry.actor_id, entry.detail) == ("member_removed", world.user(OWNER_A).id, member.email)
    else:
        assert membership is not None and membership.seller_id == world.ids["a"] and member.role == "seller"


@WRITES
def test_a_removed_member_loses_access(visitor, world):
    visitor.sign_in(OWNER_A)
    post_as(visitor, OWNER_A, world.url("/sell/members/{member}/remove"), {}, form_url="/sell/members")
    post_form(visitor, "/account/sign-out", {}, form_url="/account/profile")
    visitor.sign_in(MEMBER_A)
    assert_answer(visitor.get("/sell/members"), APPLY, world)
    assert_answer(visitor.get(world.url("/sell/documents/{doc}")), 404, world)


# --- seller documents ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "actor, expected",
    table(
        anonymous=SIGN_IN, shopper=404, member_a=200, owner_a=200, owner_b=404,
        # Staff read documents through the staff console's URL, not the seller's.
        staff_lamdong=404, staff_hanoi=404, staff_central=404,
    ),
)
def test_seller_document_for_members(visitor, world, actor, expected):
    response = visitor.sign_in(actor).get(world.url("/sell/documents/{doc}"))
    assert_answer(response, expected, world)
    if expected == 200:
        assert response.data.startswith(b"%PDF") and response.mimetype == "application/pdf"


@pytest.mark.parametrize(
    "actor, expected",
    table(
        anonymous=SIGN_IN, shopper=404, member_a=(302, "/sell/apply"), owner_a=(302, "/sell/apply"), owner_b=404,
        staff_lamdong=404, staff_hanoi=404, staff_central=404,
    ),
)
def test_seller_document_cannot_be_deleted_once_approved(visitor, world, actor, expected):
    visitor.sign_in(actor)
    url = world.url("/sell/documents/{doc}/delete")
    assert_answer(post_as(visitor, actor, url, {}, form_url="/sell/apply"), expected, world)
    assert reload(SellerDocument, world.ids["doc"]) is not None


@pytest.mark.parametrize(
    "actor, expected",
    table(
        anonymous=SIGN_IN, shopper=403, member_a=403, owner_a=403, owner_b=403,
        staff_lamdong=200, staff_hanoi=404, staff_central=200,
    ),
)
def test_seller_document_for_staff(visitor, world, actor, expected):
    response = visitor.sign_in(actor).get(world.url("/staff/sellers/{a}/documents/{doc}"))
    assert_answer(response, expected, world)
    if expected == 200:
        assert response.data.startswith(b"%PDF")


@pytest.mark.parametrize("seller", ["b", "p"])
@pytest.mark.parametrize("actor", STAFF)
def test_staff_document_url_must_name_the_documents_own_seller(visitor, world, actor, seller):
    url = world.url("/staff/sellers/{%s}/documents/{doc}" % seller)
    assert_answer(visitor.sign_in(actor).get(url), 404, world)


# --- the staff console ------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/staff/", "/staff/sellers", "/staff/sellers?status=approved", "/staff/programs"])
@pytest.mark.parametrize(
    "actor, expected",
    table(
        anonymous=SIGN_IN, shopper=403, member_a=403, owner_a=403, owner_b=403,
        staff_lamdong=200, staff_hanoi=200, staff_central=200,
    ),
)
def test_staff_console_pages(visitor, world, url, actor, expected):
    assert_answer(visitor.sign_in(actor).get(url), expected, world)


P, A, B = "Tổ hợp tác Rau Lang Biang", "HTX Cà phê Cầu Đất", "HTX Mây tre Phú Nghĩa"


@pytest.mark.parametrize(
    "actor, sees",
    [
        # /staff/ lists the seller queue and the enrolment queue (A's enrolment is pending).
        (STAFF_LD, {"/staff/": {P, A}, "/staff/sellers": {P}, "/staff/sellers?status=approved": {A}}),
        (STAFF_HN, {"/staff/": set(), "/staff/sellers": set(), "/staff/sellers?status=approved": {B}}),
        (CENTRAL, {"/staff/": {P, A}, "/staff/sellers": {P}, "/staff/sellers?status=approved": {A, B}}),
    ],
)
def test_staff_lists_show_only_the_staff_members_provinces(visitor, world, actor, sees):
    visitor.sign_in(actor)
    for url, names in sees.items():
        page = visitor.get(url).get_data(as_text=True)
        # /staff/sellers opens with the review queue, then the list of sellers (here by status).
        queue, _marker, listing = page.partition('id="all-sellers"')
        page = listing if "status=" in url else queue
        assert {name for name in (P, A, B) if name in page} == names, url


SELLER_REVIEW = dict(
    anonymous=SIGN_IN, shopper=403, member_a=403, owner_a=403, owner_b=403,
    staff_lamdong=200, staff_hanoi=404, staff_central=200,
)


@pytest.mark.parametrize("seller", ["a", "p"])
@pytest.mark.parametrize("actor, expected", table(**SELLER_REVIEW))
def test_staff_seller_page(visitor, world, seller, actor, expected):
    response = visitor.sign_in(actor).get(world.url("/staff/sellers/{%s}" % seller))
    assert_answer(response, expected, world)


@pytest.mark.parametrize("actor", [STAFF_LD, STAFF_HN, CENTRAL])
def test_staff_seller_page_of_another_province(visitor, world, actor):
    expected = 404 if actor == STAFF_LD else 200
    assert_answer(visitor.sign_in(actor).get(world.url("/staff/sellers/{b}")), expected, world)


@pytest.mark.parametrize(
    "actor, expected",
    table(writes=(STAFF_LD, CENTRAL),
          **{**SELLER_REVIEW, STAFF_LD: (302, "/staff/sellers/{p}"), CENTRAL: (302, "/staff/sellers/{p}")}),
)
def test_staff_decision_on_a_seller(visitor, world, actor, expected):
    owner = sellers.load_for_review(world.ids["p"]).owner
    before = (len(history("seller", world.ids["p"])), count(Notification, Notification.user_id == owner.id))
    visitor.sign_in(actor)
    url = world.url("/staff/sellers/{p}")
    response = post_as(visitor, actor, url, {"action": "approve", "reason": "", "confirm": "yes"}, form_url=url)
    assert_answer(response, expected, world)
    seller = reload(Seller, world.ids["p"])
    if actor in (STAFF_LD, CENTRAL):
        assert seller.status == "approved"
        assert history("seller", seller.id)[-1].actor_id == world.user(actor).id
    else:
        assert seller.status == "pending"
        assert (len(history("seller", seller.id)), count(Notification, Notification.user_id == owner.id)) == before


@pytest.mark.parametrize("url", ["/staff/programs/new", "/staff/programs/{program}/edit"])
@pytest.mark.parametrize(
    "actor, expected",
    table(
        anonymous=SIGN_IN, shopper=403, member_a=403, owner_a=403, owner_b=403,
        staff_lamdong=403, staff_hanoi=403, staff_central=200,
    ),
)
def test_program_editing_is_for_central_staff(visitor, world, url, actor, expected):
    assert_answer(visitor.sign_in(actor).get(world.url(url)), expected, world)


PROGRAM_FORM = {
    "name_vi": "Hỗ trợ phụ nữ khởi nghiệp", "name_en": "Supporting women start-ups",
    "badge_vi": "Phụ nữ khởi nghiệp", "badge_en": "Women start-up",
    "starts_on": "2025-01-01", "commission_rate": "3", "women_led_required": "y",
}


@pytest.mark.parametrize("actor, expected", [(STAFF_LD, 403), (STAFF_HN, 403), pytest.param(CENTRAL, 302, marks=WRITES)])
def test_only_central_staff_save_programs(visitor, world, actor, expected):
    visitor.sign_in(actor)
    created = post_as(visitor, actor, "/staff/programs/new", PROGRAM_FORM, form_url="/staff/programs/new")
    url = world.url("/staff/programs/{program}/edit")
    edited = post_as(visitor, actor, url, {**PROGRAM_FORM, "name_en": "Renamed"}, form_url=url)
    assert (created.status_code, edited.status_code) == (expected, expected)
    names = set(db.session.scalars(select(Program.name_en)))
    if expected == 403:
        assert names == {"Women's cooperatives"}
    else:
        assert names == {"Renamed", "Supporting women start-ups"}


@pytest.mark.parametrize(
    "actor, expected",
    table(writes=(STAFF_LD, CENTRAL), **{**SELLER_REVIEW, STAFF_LD: (302, "/staff/programs/{program}"),
                                         CENTRAL: (302, "/staff/programs/{program}")}),
)
def test_staff_decision_on_an_enrolment(visitor, world, actor, expected):
    before = len(history("enrolment", world.ids["enrolment"]))
    visitor.sign_in(actor)
    response = post_as(
        visitor, actor, world.url("/staff/enrolments/{enrolment}"), {"action": "approve", "reason": ""},
        form_url=world.url("/staff/programs/{program}"),
    )
    assert_answer(response, expected, world)
    enrolment = reload(Enrolment, world.ids["enrolment"])
    if actor in (STAFF_LD, CENTRAL):
        assert enrolment.status == "approved"
        entry = history("enrolment", enrolment.id)[-1]
        assert (entry.actor_id, entry.action, entry.from_status, entry.to_status) == (
            world.user(actor).id, "approve", "pending", "approved")
    else:
        assert enrolment.status == "pending" and len(history("enrolment", enrolment.id)) == before


@pytest.mark.parametrize("actor, shown", [(STAFF_LD, True), (STAFF_HN, False), (CENTRAL, True)])
def test_staff_program_page_lists_only_enrolments_in_scope(visitor, world, actor, shown):
    page = visitor.sign_in(actor).get(world.url("/staff/programs/{program}")).get_data(as_text=True)
    assert (world.url('id="enrolment-{enrolment}"') in page) is shown
    assert ("HTX Cà phê Cầu Đất" in page) is shown


# --- public pages ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "url, expected", [("/sellers/{a_slug}", 200), ("/sellers/{b_slug}", 200), ("/sellers/{p_slug}", 404)]
)
@pytest.mark.parametrize("actor", ACTORS)
def test_public_seller_pages(visitor, world, actor, url, expected):
    assert_answer(visitor.sign_in(actor).get(world.url(url)), expected, world)


@WRITES
@pytest.mark.parametrize("actor", ACTORS)
def test_a_suspended_seller_leaves_the_storefront(visitor, world, actor):
    sellers.decide(world.user(CENTRAL), world.ids["a"], "suspend", "Bán hàng giả.")
    assert_answer(visitor.sign_in(actor).get(world.url("/sellers/{a_slug}")), 404, world)


# --- decisions: reasons, audit, notices ---------------------------------------------------------

def owner_notices(world: World, seller_key: str) -> tuple[User, list[Notification], list[OutboundEmail]]:
    db.session.expire_all()
    owner = sellers.load_for_review(world.ids[seller_key]).owner
    notes = list(db.session.scalars(
        select(Notification).where(Notification.user_id == owner.id).order_by(Notification.id)))
    emails = list(db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.to_address == owner.email).order_by(OutboundEmail.id)))
    return owner, notes, emails


@pytest.mark.parametrize("reason", ["", "   \n "])
@pytest.mark.parametrize("seller, action", [("p", "reject"), ("p", "request_changes"), ("a", "suspend")])
def test_a_refusal_without_a_reason_changes_nothing(visitor, world, seller, action, reason):
    status = reload(Seller, world.ids[seller]).status
    entries = len(history("seller", world.ids[seller]))
    _owner, notes, emails = owner_notices(world, seller)
    visitor.sign_in(CENTRAL)
    url = world.url("/staff/sellers/{%s}" % seller)
    response = post_as(visitor, CENTRAL, url, {"action": action, "reason": reason}, form_url=url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and "Give a reason" in page
    assert reload(Seller, world.ids[seller]).status == status
    assert len(history("seller", world.ids[seller])) == entries
    assert owner_notices(world, seller)[1:] == (notes, emails)


DECISIONS = [
    # seller, action, reason, from, to
    ("p", "approve", "", "pending", "approved"),
    ("p", "reject", "Thiếu giấy chứng nhận đăng ký.", "pending", "rejected"),
    ("p", "request_changes", "Bổ sung ảnh sản phẩm.", "pending", "changes_requested"),
    ("a", "suspend", "Bán hàng không đúng mô tả.", "approved", "suspended"),
    ("a", "reinstate", "", "suspended", "approved"),
]


@WRITES
@pytest.mark.parametrize("actor", [STAFF_LD, CENTRAL])
@pytest.mark.parametrize("seller, action, reason, old, new", DECISIONS, ids=[d[1] for d in DECISIONS])
def test_each_decision_is_audited_and_the_owner_told(visitor, world, actor, seller, action, reason, old, new):
    if old == "suspended":
        sellers.decide(world.user(CENTRAL), world.ids[seller], "suspend", "Tạm ngừng để kiểm tra.")
    owner, notes_before, emails_before = owner_notices(world, seller)
    visitor.sign_in(actor)
    url = world.url("/staff/sellers/{%s}" % seller)
    # "confirm": the second step of a decision hard to undo, pressed (request_changes has none).
    response = post_as(visitor, actor, url, {"action": action, "reason": f"  {reason}  ", "confirm": "yes"}, form_url=url)
    assert_answer(response, (302, url), world)

    decided = reload(Seller, world.ids[seller])
    assert decided.status == new
    assert decided.status_reason == (reason or None)
    entry = history("seller", decided.id)[-1]
    assert (entry.actor_id, entry.action, entry.from_status, entry.to_status, entry.reason) == (
        world.user(actor).id, action, old, new, reason or None)
    assert entry.actor.email == world.user(actor).email

    _owner, notes, emails = owner_notices(world, seller)
    assert len(notes) == len(notes_before) + 1 and len(emails) == len(emails_before) + 1
    note, email = notes[-1], emails[-1]
    assert decided.name in note.body and reason in note.body and note.link == "/sell"
    assert (email.to_address, email.subject) == (owner.email, note.subject)
    assert note.body in email.body and "/sell\n" in email.body and '/sell"' in email.html_body


@pytest.mark.parametrize("action", ["reject", "request_changes"])
def test_an_enrolment_refusal_without_a_reason_changes_nothing(visitor, world, action):
    entries = len(history("enrolment", world.ids["enrolment"]))
    _owner, notes, emails = owner_notices(world, "a")
    visitor.sign_in(CENTRAL)
    program_page = world.url("/staff/programs/{program}")
    response = post_as(visitor, CENTRAL, world.url("/staff/enrolments/{enrolment}"), {"action": action, "reason": " "},
                       form_url=program_page)
    assert_answer(response, (302, "/staff/programs/{program}"), world)
    assert "Give a reason" in visitor.get(program_page).get_data(as_text=True)
    assert reload(Enrolment, world.ids["enrolment"]).status == "pending"
    assert len(history("enrolment", world.ids["enrolment"])) == entries
    assert owner_notices(world, "a")[1:] == (notes, emails)


@pytest.mark.parametrize(
    "url, data",
    [
        ("/staff/sellers/{p}", {"action": "approve"}),
        ("/staff/enrolments/{enrolment}", {"action": "approve"}),
        ("/sell/members/{member}/remove", {}),
    ],
)
def test_a_forged_post_without_the_token_is_refused(visitor, world, url, data):
    visitor.sign_in(CENTRAL if url.startswith("/staff") else OWNER_A)
    response = visitor.post(world.url(url), data=data)
    assert response.status_code == 400
    assert reload(Seller, world.ids["p"]).status == "pending"
    assert reload(Enrolment, world.ids["enrolment"]).status == "pending"
    assert reload(SellerMember, world.ids["member"]) is not None


@pytest.mark.parametrize("url", ["/staff/sellers/{draft}", "/staff/sellers/{draft}/documents/{draft_doc}"])
@pytest.mark.parametrize("actor", [STAFF_LD, CENTRAL])
@WRITES
def test_an_unsubmitted_draft_is_not_shown_to_staff(visitor, world, actor, url):
    draft = make_seller(make_user("draft@example.vn"), "draft", province="Lâm Đồng", name="HTX Nháp")
    world.ids.update(draft=draft.id, draft_doc=draft.documents[0].id)
    assert_answer(visitor.sign_in(actor).get(world.url(url)), 404, world)
