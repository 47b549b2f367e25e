"""The union's report: who may see which scope, and the figures of a period in a scope.

The tables, in order (their keys are stable: the page, the downloads and the command use
them): sellers_activity, sellers_total, sellers_by_legal_form, sellers_by_province,
program_targets, program_targets_by_province, commerce, commerce_payment_methods,
commerce_cancellations, commerce_cancel_reasons, trends, seller_figures,
seller_figures_missing, first_steps, first_steps_days, first_steps_by_province. Titles, column labels and notes are lazy strings; the text in rows
(row labels, legal forms, payment methods, program names) is in the language active while
`build_report` runs, so build it inside the reader's locale (`force_locale`).
"""
from flask_babel import gettext as _

from market.accounts.models import User
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.geo.provinces import get_by_code
from market.staff.reports.figures_commerce import commerce_tables
from market.staff.reports.figures_common import program_with_slug, province_named, reach_of
from market.staff.reports.figures_first_steps import first_steps_tables
from market.staff.reports.figures_programs import program_tables
from market.staff.reports.figures_sellers import figures_tables, seller_tables
from market.staff.reports.tables import Period, Report, Scope


def scope_for(staff: User | None, province: str | None, program_slug: str | None) -> Scope:
    """The scope a staff member may read: provincial staff are held to their own province
    whatever they ask; central staff choose one province (any of the 34, by name, pre-2025
    name or code) or all. A program is named by its slug. Unknown names are a DomainError.
    `staff` None is the command line, which runs with the server's own rights (all provinces)."""
    if staff is not None and not staff.is_staff:
        raise DomainError(_("Only union staff read the union's reports."))
    if staff is not None and staff.staff_province_code:
        province_name = get_by_code(staff.staff_province_code).name
    elif province is None or (isinstance(province, str) and not province.strip()):
        province_name = None
    else:
        province_name = province_named(province.strip() if isinstance(province, str) else province).name
    slug = None
    if program_slug is not None and not (isinstance(program_slug, str) and not program_slug.strip()):
        slug = program_with_slug(program_slug).slug
    return Scope(province_name, slug)


def build_report(period: Period, scope: Scope) -> Report:
    """Every table of the report for `period` (Vietnam's days) and `scope` (the sellers of one
    province and/or enrolled in one program), counted in the database."""
    reach = reach_of(scope)
    tables = [
        *seller_tables(period, reach),
        *program_tables(period, reach),
        *commerce_tables(period, reach),
        *figures_tables(period, reach),
        *first_steps_tables(period, reach),
    ]
    return Report(period, scope, tables, utcnow())
