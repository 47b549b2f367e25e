"""A native spreadsheet chart beside a table's sheet, drawn from the sheet's own cells, so
whoever opens the workbook sees the chart and can restyle it or chart it again."""
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.utils import get_column_letter

from market.staff.reports.formats import writable
from market.staff.reports.tables import Table


def add(sheet, table: Table) -> None:
    """The table's chart, to the right of its data (the table is written from A1 with a
    header row); nothing when the table has no chart or no rows."""
    spec = table.chart
    if spec is None or not table.rows:
        return
    keys = [column.key for column in table.columns]
    if spec.category not in keys or not all(key in keys for key in spec.series):
        return
    last = len(table.rows) + 1
    chart = LineChart() if spec.kind == "line" else BarChart()
    if spec.kind != "line":
        chart.type = "bar" if spec.kind == "hbar" else "col"
    if spec.kind == "hbar":
        chart.x_axis.scaling.orientation = "maxMin"  # first row on top, as in the table
    chart.title = writable(str(spec.title or table.title))[:250]
    for key in spec.series:
        column = keys.index(key) + 1
        chart.add_data(Reference(sheet, min_col=column, min_row=1, max_row=last), titles_from_data=True)
    category = keys.index(spec.category) + 1
    chart.set_categories(Reference(sheet, min_col=category, min_row=2, max_row=last))
    # openpyxl 3.1 marks axes deleted unless told otherwise; Excel then draws none.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width = 18
    chart.height = max(7.5, 0.6 * len(table.rows)) if spec.kind == "hbar" else 9
    sheet.add_chart(chart, f"{get_column_letter(len(keys) + 2)}2")
