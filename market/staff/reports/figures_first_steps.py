"""The report's first steps of new sellers (market.staff.first_steps): the steps reached by the
sellers approved in the period, the median days to their first product, order and delivery,
and both per province. One more counted figure is one more entry in `STEP_LABELS`."""
from flask_babel import lazy_gettext as _l

from market.sellers.models import Seller
from market.staff.first_steps import COUNTED, MEASURED, Tally, count_first_steps
from market.staff.reports.figures_common import Reach, share
from market.staff.reports.tables import Chart, Column, Kind, Period, Table

STEP_LABELS = {
    "profile": _l("Profile and logo"),
    "shipping": _l("Shipping fee set"),
    "photo": _l("First product with a photo"),
    "on_sale": _l("Product on sale"),
    "confirmed": _l("Order confirmed"),
    "delivered": _l("Order delivered"),
    "figures": _l("Quarterly figures sent"),
    "helped": _l("Helped by union staff"),
}
MEASURE_LABELS = {
    "first_product": _l("Days to first product"),
    "first_order": _l("Days to first order"),
    "first_delivery": _l("Days to first delivery"),
}
NOTE = _l(
    "Sellers first approved in the period, and the steps they have reached today (a product hidden "
    "again or an order cancelled does not count). Days: from approval to the first product with a photo, "
    "the first order placed (cancelled ones left out) and the first delivery, the median of the sellers "
    "who got there."
)


def first_steps_tables(period: Period, reach: Reach) -> list[Table]:
    """first_steps, first_steps_days, first_steps_by_province."""
    counts = count_first_steps(reach.sellers(Seller.id), period)
    total = counts.total
    steps = [(str(_l("Sellers approved")), total.approved, share(total.approved, total.approved))]
    steps += [(str(STEP_LABELS[key]), total.reached[key], share(total.reached[key], total.approved)) for key in COUNTED]
    days = [(str(MEASURE_LABELS[key]), total.measured(key), total.median_days(key)) for key, _fact in MEASURED]
    return [
        Table(
            "first_steps", _l("New sellers' first steps"),
            (Column("step", _l("Step")), Column("sellers", _l("Sellers"), Kind.COUNT),
             Column("share", _l("Share of sellers approved"), Kind.PERCENT)),
            steps, Chart("hbar", "step", ("sellers",)), NOTE,
        ),
        Table(
            "first_steps_days", _l("New sellers: days from approval"),
            (Column("measure", _l("Measure")), Column("sellers", _l("Sellers who got there"), Kind.COUNT),
             Column("median_days", _l("Median days"), Kind.NUMBER)),
            days, note=NOTE,
        ),
        Table(
            "first_steps_by_province", _l("New sellers' first steps by province"),
            (Column("province", _l("Province")), Column("approved", _l("Sellers approved"), Kind.COUNT),
             *(Column(key, STEP_LABELS[key], Kind.COUNT) for key in COUNTED),
             *(Column(key, MEASURE_LABELS[key], Kind.NUMBER) for key, _fact in MEASURED)),
            [(province.name, *_row(counts.by_province.get(province.code, Tally()))) for province in reach.provinces()],
            note=NOTE,
        ),
    ]


def _row(tally: Tally) -> tuple:
    return (tally.approved, *(tally.reached[key] for key in COUNTED),
            *(tally.median_days(key) for key, _fact in MEASURED))
