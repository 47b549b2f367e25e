"""Staff reads on sellers: the list at /staff/sellers (search, filters, sort, pages and its
CSV) and what a decision would do, shown before it is confirmed.

Search and sort run in Python over the sellers that pass the SQL filters. Names are compared
folded (`market.text.fold`: "mat ong", "Mật ong" and "MẬT ONG" alike, đ as d), which neither
SQLite nor PostgreSQL does by itself, and a sort by name or province must follow the folded
spelling too (SQL would put "Đà Lạt" after "Yên Bái"). Sellers count in the thousands (the
union's 2030 target is 1,500 cooperatives), so one query reads the few columns the list
shows of every seller that passes the filters, and a page is a slice of it: one query a page,
whatever the page size, and the CSV is the same rows, all pages.

Programs and catalog sit above sellers: the program filter and the count of products on sale
are handed down when the app is built (`market.programs.for_sellers`,
`market.catalog.for_sellers`).
"""
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import get_locale, to_user_timezone
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, func, select

from market.core.csv_export import csv_bytes
from market.core.domain import DomainError
from market.core.paging import Page
from market.core.phones import display_phone, parse_vn_phone
from market.core.states import ACTIONS_NEEDING_REASON, REVIEW_TRANSITIONS, ReasonRequired, status_label
from market.extensions import db
from market.geo.provinces import get_by_code
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


@dataclass(frozen=True)
class _Search:
    """What a typed search can be: words of a name, a registration number, a phone number."""

    words: tuple[str, ...]
    registration: str  # letters and digits only, upper case; "" when it cannot be a number
    phone: str | None  # E.164 when the text is a whole Vietnamese number
    phone_digits: str  # national digits ("0263382...") when the text looks like part of a number

    @classmethod
    def of(cls, text: str) -> "_Search":
        registration = re.sub(r"[^0-9A-Z]", "", text.upper())
        # Registration numbers are digits with at most a few letters: "HTX" alone is a name.
        registration = registration if len(registration) >= 3 and re.search(r"[0-9]", registration) else ""
        digits = ""
        if re.fullmatch(r"[0-9 +().\-]+", text):
            digits = re.sub(r"[^0-9]", "", text)
            if text.lstrip().startswith("+84") or (digits.startswith("84") and len(digits) >= 11):
                digits = "0" + digits[2:]
        return cls(
            words=tuple(fold(text).split()),
            registration=registration,
            phone=parse_vn_phone(text, mobile_only=False),
            phone_digits=digits if len(digits) >= 4 else "",
        )

    def matches(self, row) -> bool:
        name = fold(row.name or "")
        if self.words and all(word in name for word in self.words):
            return True
        number = re.sub(r"[^0-9A-Z]", "", (row.registration_number or "").upper())
        if self.registration and self.registration in number:
            return True
        if self.phone is not None:
            return row.phone == self.phone
        return bool(self.phone_digits) and self.phone_digits in _national_digits(row.phone)


def _national_digits(e164: str | None) -> str:
    """`+842633822222` as the digits Vietnamese people dial: `02633822222`."""
    if not e164:
        return ""
    return "0" + e164[3:] if e164.startswith("+84") else re.sub(r"[^0-9]", "", e164)


def _filtered(staff, filters: SellerFilters, columns) -> list:
    """The rows (of `columns`) of the sellers in the staff member's scope passing the filters."""
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
    rows = db.session.execute(query).all()
    if filters.text:
        search = _Search.of(filters.text)
        rows = [row for row in rows if search.matches(row)]
    return _sorted(rows, filters.sort)


def _province_key(code: str) -> str:
    province = get_by_code(code or "")
    return fold(province.name) if province else code or ""


SORT_VALUES: dict[str, Callable] = {
    "name": lambda row: fold(row.name or ""),
    "province": lambda row: _province_key(row.province_code),
    "status": lambda row: STATUS_ORDER.index(row.status) if row.status in STATUS_ORDER else len(STATUS_ORDER),
    "applied": lambda row: row.submitted_at,
    "decided": lambda row: row.decided_at,
}


def _sorted(rows: list, sort: str) -> list:
    """`rows` by the sort key, ties by folded name then id (always ascending); rows without a
    date come last whichever way dates are sorted."""
    sort = parse_sort(sort)
    value = SORT_VALUES[sort.removeprefix("-")]
    rows = sorted(rows, key=lambda row: (fold(row.name or ""), row.id))
    known = [row for row in rows if value(row) is not None]
    unknown = [row for row in rows if value(row) is None]
    # sorted() is stable, reversed too: equal values keep the name order.
    return sorted(known, key=value, reverse=sort.startswith("-")) + unknown


def staff_seller_list(staff, filters: SellerFilters, page: int) -> Page:
    """One page of the sellers `staff` may see that pass `filters`, in the order asked for.

    Provincial staff get their province's sellers only, whatever the filters say. The items
    are rows with the list's columns (`LIST_COLUMNS`); a page past the end is the last page.
    """
    rows = _filtered(staff, filters, LIST_COLUMNS)
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = max(1, min(page, pages))
    return Page(rows[(page - 1) * PER_PAGE: page * PER_PAGE], len(rows), page, PER_PAGE)


def _day(moment: datetime | None) -> str:
    """The day of `moment` in Vietnam (ISO, so spreadsheets read it as a date)."""
    return to_user_timezone(moment).date().isoformat() if moment else ""


def _province_name(code: str, english: bool) -> str:
    province = get_by_code(code or "")
    if province is None:
        return code or ""
    return province.name_en if english else province.name


def staff_sellers_csv(staff, filters: SellerFilters) -> bytes:
    """Every seller of the filtered list (all pages, the list's order) as CSV, headers and
    labels in the current language (UTF-8 with a BOM, formula-safe: `market.core.csv_export`)."""
    rows = _filtered(staff, filters, CSV_COLUMNS)
    english = get_locale() is not None and get_locale().language == "en"
    programs = _handed_down.program_names() if _handed_down.program_names else {}
    header = [
        _("Seller"), _("Business registration number"), _("Legal form"), _("Status"), _("Province"),
        _("Commune or ward"), _("Street address"), _("Phone"), _("Women-led"), _("Leader"), _("Members"),
        _("Women members"), _("Workers"), _("Women workers"), _("Programs"), _("Applied on"), _("Decided on"),
        _("Seller number"),
    ]
    lines = (
        [
            row.name, row.registration_number, str(LEGAL_FORM_LABELS.get(row.legal_form, row.legal_form)),
            status_label(row.status), _province_name(row.province_code, english), row.commune_name,
            row.street_address, display_phone(row.phone), _("yes") if row.women_led else _("no"), row.leader_name,
            row.members_count, row.women_members_count, row.workers_count, row.women_workers_count,
            "; ".join(programs.get(row.id, [])), _day(row.submitted_at), _day(row.decided_at), row.id,
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
