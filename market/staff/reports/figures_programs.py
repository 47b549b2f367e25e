"""The report's program targets: each target's value, the progress made by the period's end
and its percentage with one decimal, in all and per province. Progress is counted by the
programs' own rule (`market.programs.services.metric_values`), never again here."""
from collections import Counter

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from market.extensions import db
from market.geo.provinces import all_provinces
from market.programs.models import Program
from market.programs.services import metric_values
from market.staff.reports.figures_common import Reach, share
from market.staff.reports.tables import Chart, Column, Kind, Period, Table

PROGRESS_NOTE = _l(
    "Progress at the period's end by the program's rule: enrolments approved today and decided by then; "
    "women members and jobs for women from each seller's latest figures reported by then (else those "
    "given at enrolment). The percentage is of the program's whole target."
)


def program_tables(period: Period, reach: Reach) -> list[Table]:
    """program_targets and program_targets_by_province."""
    programs = _programs(reach)
    values = metric_values([program.id for program in programs], reach.province_code, period.end)
    totals: dict[int, Counter] = {}
    for (program_id, _province), counted in values.items():
        totals.setdefault(program_id, Counter()).update(counted)
    rows, by_province = [], []
    for program in programs:
        for target in program.targets:
            progress = totals.get(program.id, Counter())[target.metric]
            rows.append((program.name, target.label, target.target_value, progress,
                         share(progress, target.target_value), target.due_on))
            by_province.extend(_province_rows(program, target, values, reach))
    with_targets = {row[0] for row in rows}
    return [
        Table(
            "program_targets", _l("Program targets: progress"),
            (
                Column("program", _l("Program")), Column("target", _l("Target")),
                Column("target_value", _l("Target value"), Kind.COUNT), Column("progress", _l("Progress"), Kind.COUNT),
                Column("percent", _l("Reached (percent of target)"), Kind.PERCENT), Column("due_on", _l("Due by"), Kind.DATE),
            ),
            rows,
            # One program's targets make one chart; several programs' would mix their bars.
            Chart("hbar", "target", ("percent",)) if len(with_targets) == 1 else None,
            PROGRESS_NOTE,
        ),
        Table(
            "program_targets_by_province", _l("Program targets: progress by province"),
            (
                Column("program", _l("Program")), Column("target", _l("Target")),
                Column("province", _l("Province")), Column("progress", _l("Progress"), Kind.COUNT),
                Column("percent", _l("Reached (percent of target)"), Kind.PERCENT),
            ),
            by_province,
            note=_l("Provinces with enrolled sellers (and the province in scope). %(rule)s", rule=PROGRESS_NOTE),
        ),
    ]


def _programs(reach: Reach) -> list[Program]:
    if reach.program is not None:
        query = select(Program).where(Program.id == reach.program.id)
    else:
        query = select(Program).order_by(Program.featured.desc(), Program.starts_on, Program.id)
    return list(db.session.scalars(query.options(selectinload(Program.targets))))


def _province_rows(program, target, values, reach: Reach) -> list[tuple]:
    present = {province for (program_id, province) in values if program_id == program.id}
    if reach.province_code:
        present.add(reach.province_code)
    rows = []
    for province in all_provinces():
        if province.code in present:
            progress = values.get((program.id, province.code), {}).get(target.metric, 0)
            rows.append((program.name, target.label, province.name, progress, share(progress, target.target_value)))
    return rows
