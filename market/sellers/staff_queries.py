"""Staff reads on sellers: the list at /staff/sellers (search, filters, sort, pages and its
CSV) and what a decision would do, shown before it is confirmed.

Everything runs in the database, a page at a time. Names are compared and sorted folded
(`market.core.folding`, as the other staff lists: "mat ong", "Mật ong" and "MẬT ONG" alike, đ as
d, so "Đà Lạt" sorts with the Ds, not after "Yên Bái"); provinces sort by their folded names and
statuses as the work flows. A page is one query (its rows carry the count of all); the CSV is
the same query without the page.

Programs and catalog sit above sellers: the program filter and the count of products on sale
are handed down when the app is built (`market.programs.for_sellers`,
`market.catalog.for_sellers`).
"""
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select

from market.core.csv_export import csv_bytes
from market.core.domain import DomainError
from market.core.folding import contains_folded, folded
from market.core.paging import Page
from market.core.phones import display_phone, parse_vn_phone
from market.core.states import ACTIONS_NEEDING_REASON, REVIEW_TRANSITIONS, ReasonRequired, status_label
from market.extensions import db
from market.geo.provinces import all_provinces
from market.sellers.models import LEGAL_FORM_LABELS, Seller, SellerMember, SellerStatus
from market.text import fold

PER_PAGE = 25
MAX_SEARCH = 100  # characters; a name is at most 150, a phone or registration number far less
# Decisions hard to undo, taken only after a second step that names the seller and the consequence.
CONFIRMED_ACTIONS = ("approve", "reject", "suspend", "reinstate")

# --- handed down by the packages above ------------------------------------------------------------

ProgramChoices = Callable[[], list[tuple[str, str]]]  # (slug, name) of every program
ProgramCondition = Callable[[str], ColumnElement[bool]]  # SQL: the seller is enrolled (approved) in a program
ProgramNames = Callable[[], dict[int, list[str]]]  # seller id -> names of the programs it is enrolled in
ProductCounter = Callable[[int], int]  # products of a seller that are on sale


@dataclass
class _HandedDown:
    program_choices: ProgramChoices | None = None
    in_program: ProgramCondition | None = None
    program_names: ProgramNames | None = None
    products_on_sale: ProductCounter | None = None


# One set for the process, the same for every app built (as programs' sales counter).
_handed_down = _HandedDown()


def use_programs(choices: ProgramChoices, condition: ProgramCondition, names: ProgramNames) -> None:
    """Programs hand down the programs to filter by and who is enrolled in them."""
    _handed_down.program_choices, _handed_down.in_program, _handed_down.program_names = choices, condition, names


def use_product_counter(counter: ProductCounter) -> None:
    """Catalog hands down how many products a seller has on sale."""
    _handed_down.products_on_sale = counter


def program_choices() -> list[tuple[str, str]]:
    """(slug, name) of every program, for the filter; none when programs did not register."""
    return _handed_down.program_choices() if _handed_down.program_choices else []


# --- the list ---------------------------------------------------------------------------------------

# Sort keys the list accepts (a leading "-" reverses one); anything else gets the default.
SORT_KEYS = ("name", "province", "status", "applied", "decided")
DEFAULT_SORT = "-applied"
# Statuses in the order the work flows, for sorting by status (drafts are never listed).
STATUS_ORDER = ("pending", "changes_requested", "approved", "suspended", "rejected")
LISTED_STATUSES = tuple(SellerStatus(status) for status in STATUS_ORDER)

LIST_COLUMNS = (
    Seller.id, Seller.name, Seller.registration_number, Seller.phone, Seller.province_code, Seller.legal_form,
    Seller.status, Seller.submitted_at, Seller.decided_at,
)
CSV_COLUMNS = LIST_COLUMNS + (
    Seller.commune_name, Seller.street_address, Seller.women_led, Seller.leader_name, Seller.members_count,
    Seller.women_members_count, Seller.workers_count, Seller.women_workers_count,
)


def parse_sort(value: str | None) -> str:
    """`value` if it is one of the list's sort keys (optionally reversed), else the default."""
    if isinstance(value, str) and value.removeprefix("-") in SORT_KEYS:
        return value
    return DEFAULT_SORT


@dataclass(frozen=True)
class SellerFilters:
    """What the staff member asked the list for (already checked by the form)."""

    text: str = ""
    status: str | None = None
    province_code: str | None = None
    legal_form: str | None = None
    program: str | None = None  # a program's slug
    sort: str = DEFAULT_SORT

    def args(self) -> dict[str, str]:
        """The filters as query-string arguments (for page, sort and CSV links), empty ones left out."""
        values = {"q": self.text, "status": self.status, "province": self.province_code,
                  "legal_form": self.legal_form, "program": self.program}
        if self.sort != DEFAULT_SORT:
            values["sort"] = self.sort
        return {key: value for key, value in values.items() if value}

    @property
    def narrowed(self) -> bool:
        """A search or a filter is on (the sort alone does not count)."""
        return bool(self.text or self.status or self.province_code or self.legal_form or self.program)


def _compact(column):
    """SQL: a registration number without the spaces, dashes, dots and slashes people type."""
    for mark in (" ", "-", ".", "/"):
        column = func.replace(column, mark, "")
    return func.upper(column)


def _phone_digits(text: str) -> str:
    """The digits of a phone number (or part of one) as stored after +84: "0263 382" and
    "+84 263 382" give "263382"; "" when the text is not digits and phone marks."""
    if not re.fullmatch(r"[0-9 +().\-]+", text):
        return ""
    digits = re.sub(r"[^0-9]", "", text)
    if text.lstrip().startswith("+84") or (digits.startswith("84") and len(digits) >= 11):
        digits = digits[2:]
    digits = digits.removeprefix("0")
    return digits if len(digits) >= 4 else ""


def _matching(text: str) -> ColumnElement[bool]:
    """SQL: the seller's name holds every word of `text` (folded), or its registration number
    holds `text`, or its phone is `text` in any usual form (or holds it, for part of a number)."""
    conditions = []
    phone = parse_vn_phone(text, mobile_only=False)
    words = fold(text).split()
    if words and phone is None:  # a whole phone number is no part of a name
        conditions.append(and_(*(contains_folded(Seller.name, word) for word in words)))
    registration = re.sub(r"[^0-9A-Z]", "", text.upper())
    # Registration numbers are digits with at most a few letters: "HTX" alone is a name.
    if len(registration) >= 3 and re.search(r"[0-9]", registration):
        conditions.append(_compact(Seller.registration_number).contains(registration, autoescape=True))
    if phone is not None:
        conditions.append(Seller.phone == phone)
    elif digits := _phone_digits(text):
        conditions.append(Seller.phone.contains(digits, autoescape=True))
    return or_(*conditions) if conditions else false()


# Provinces by their folded Vietnamese name ("Đà Nẵng" with the Ds), statuses as the work flows.
_PROVINCE_RANK = {province.code: rank for rank, province in enumerate(all_provinces())}
_STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}
SORT_COLUMNS = {
    "name": folded(Seller.name),
    "province": case(_PROVINCE_RANK, value=Seller.province_code, else_=len(_PROVINCE_RANK)),
    "status": case(_STATUS_RANK, value=Seller.status, else_=len(_STATUS_RANK)),
    "applied": Seller.submitted_at,
    "decided": Seller.decided_at,
}


def _ordering(sort: str) -> tuple:
    """ORDER BY of a sort key: the key (reversed by a leading "-"; rows without a date last
    either way), then, always ascending, the folded name among a province's or a status's
    sellers, and the id. (Dates seldom tie: no name is folded to sort by date.)"""
    sort = parse_sort(sort)
    key = sort.removeprefix("-")
    column = SORT_COLUMNS[key]
    ties = (folded(Seller.name), Seller.id) if key in ("province", "status") else (Seller.id,)
    return (column.desc() if sort.startswith("-") else column.asc()).nulls_last(), *ties


def _listed(staff, filters: SellerFilters, columns) -> Select:
    """The sellers (`columns`) in the staff member's scope that pass the filters, in order."""
    query = select(*columns).where(Seller.in_staff_scope(staff))
    if filters.status:
        query = query.where(Seller.status == filters.status)
    if filters.province_code:
        query = query.where(Seller.province_code == filters.province_code)
    if filters.legal_form:
        query = query.where(Seller.legal_form == filters.legal_form)
    if filters.program:
        # Without programs' lookup no program is known, so no seller is in one.
        in_program = _handed_down.in_program
        query = query.where(in_program(filters.program) if in_program else false())
    if filters.text:
        query = query.where(_matching(filters.text))
    return query.order_by(*_ordering(filters.sort))


def staff_seller_list(staff, filters: SellerFilters, page: int) -> Page:
    """One page of the sellers `staff` may see that pass `filters`, in the order asked for.

    Provincial staff get their province's sellers only, whatever the filters say. The items
    are rows with the list's columns (`LIST_COLUMNS`). One query: the page's rows carry the
    count of all (a window count); a page past the end costs a count and the last page.
    """
    query = _listed(staff, filters, LIST_COLUMNS + (func.count().over().label("total"),))
    rows = db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    if rows:
        return Page(rows, rows[0].total, page, PER_PAGE)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    last = max(1, -(-total // PER_PAGE))
    if total == 0 or page <= last:
        return Page([], total, 1, PER_PAGE)
    return Page(db.session.execute(query.limit(PER_PAGE).offset((last - 1) * PER_PAGE)).all(), total, last, PER_PAGE)


def _day(moment: datetime | None, zone) -> str:
    """The day of `moment` in `zone` (Vietnam's), ISO so spreadsheets read it as a date;
    SQLite's naive datetimes are UTC."""
    if moment is None:
        return ""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(zone).date().isoformat()


def _province_names() -> dict[str, str]:
    """Province code -> its name in the current language."""
    english = get_locale() is not None and get_locale().language == "en"
    return {province.code: province.name_en if english else province.name for province in all_provinces()}


def staff_sellers_csv(staff, filters: SellerFilters) -> bytes:
    """Every seller of the filtered list (all pages, the list's order) as CSV, headers and
    labels in the current language (UTF-8 with a BOM, formula-safe: `market.core.csv_export`)."""
    rows = db.session.execute(_listed(staff, filters, CSV_COLUMNS))
    programs = _handed_down.program_names() if _handed_down.program_names else {}
    # Labels looked up once, not per row (thousands of rows).
    zone, provinces = get_timezone(), _province_names()
    legal_forms = {key: str(label) for key, label in LEGAL_FORM_LABELS.items()}
    statuses = {status: status_label(status) for status in STATUS_ORDER}
    yes, no = _("yes"), _("no")
    header = [
        _("Seller"), _("Business registration number"), _("Legal form"), _("Status"), _("Province"),
        _("Commune or ward"), _("Street address"), _("Phone"), _("Women-led"), _("Leader"), _("Members"),
        _("Women members"), _("Workers"), _("Women workers"), _("Programs"), _("Applied on"), _("Decided on"),
        _("Seller number"),
    ]
    lines = (
        [
            row.name, row.registration_number, legal_forms.get(row.legal_form, row.legal_form),
            statuses.get(row.status, row.status), provinces.get(row.province_code, row.province_code),
            row.commune_name, row.street_address, display_phone(row.phone), yes if row.women_led else no,
            row.leader_name, row.members_count, row.women_members_count, row.workers_count, row.women_workers_count,
            "; ".join(programs.get(row.id, [])), _day(row.submitted_at, zone), _day(row.decided_at, zone), row.id,
        ]
        for row in rows
    )
    return csv_bytes(header, lines)


# --- what a decision would do ------------------------------------------------------------------------

@dataclass(frozen=True)
class DecisionPreview:
    """A decision not yet taken: the seller it is about and what it would change."""

    seller_id: int
    seller_name: str
    action: str
    status: str
    reason: str
    members: int
    products_on_sale: int | None = None  # None when catalog did not hand its counter down


def decision_preview(staff, seller_id: int, action: str, reason: str | None) -> DecisionPreview:
    """What `action` on the seller would do, checked as `decide` will check it (scope, the
    review table, a reason where one is needed) but changing nothing.

    Raises DomainError (ReasonRequired on the `reason` field) when the decision could not be taken.
    """
    seller = db.session.scalar(select(Seller).where(Seller.id == seller_id, Seller.in_staff_scope(staff)))
    if seller is None or not staff.is_staff or action not in CONFIRMED_ACTIONS:
        raise DomainError(_("You cannot take this decision."))
    REVIEW_TRANSITIONS.target(seller.status, action)
    reason = (reason or "").strip()
    if action in ACTIONS_NEEDING_REASON and not reason:
        raise ReasonRequired(_("Give a reason: the applicant will see it."), "reason")
    members = db.session.scalar(select(func.count()).where(SellerMember.seller_id == seller.id))
    counter = _handed_down.products_on_sale
    return DecisionPreview(
        seller_id=seller.id, seller_name=seller.name, action=action, status=seller.status, reason=reason,
        members=members, products_on_sale=counter(seller.id) if counter else None,
    )
