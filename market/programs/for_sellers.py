"""What the staff's list of sellers needs from programs: the programs to filter by, and who is
enrolled in them. Sellers sit below programs and cannot ask, so `register_seller_lookups()`
(called when the app is built) hands these down to `market.sellers.staff_queries`."""
from sqlalchemy import ColumnElement, select

from market.extensions import db
from market.programs.models import Enrolment, Program
from market.sellers import staff_queries
from market.sellers.models import Seller

APPROVED = "approved"


def program_choices() -> list[tuple[str, str]]:
    """(slug, name in the reader's language) of every program, featured first."""
    query = select(Program).order_by(Program.featured.desc(), Program.starts_on, Program.id)
    return [(program.slug, program.name) for program in db.session.scalars(query)]


def enrolled_in(slug: str) -> ColumnElement[bool]:
    """SQL condition: the seller has an approved enrolment in the program `slug`."""
    enrolled = (
        select(Enrolment.seller_id)
        .join(Program, Program.id == Enrolment.program_id)
        .where(Program.slug == slug, Enrolment.status == APPROVED)
    )
    return Seller.id.in_(enrolled)


def program_names() -> dict[int, list[str]]:
    """Seller id -> the names of the programs it is enrolled in (approved), in one query."""
    query = (
        select(Enrolment.seller_id, Program)
        .join(Program, Program.id == Enrolment.program_id)
        .where(Enrolment.status == APPROVED)
        .order_by(Program.id)
    )
    names: dict[int, list[str]] = {}
    for seller_id, program in db.session.execute(query):
        names.setdefault(seller_id, []).append(program.name)
    return names


def register_seller_lookups() -> None:
    """Let the staff's seller list filter by program (called by the app factory)."""
    staff_queries.use_programs(program_choices, enrolled_in, program_names)
