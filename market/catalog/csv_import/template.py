"""The downloadable template and what the upload page lists."""
import csv
import io

from market.catalog.csv_import.cells import Lookups
from market.catalog.csv_import.fileformat import BOM, COLUMNS, EXAMPLE_ROW, MAX_BYTES, MAX_ROWS
from market.catalog.units import unit_choices


def template_csv() -> bytes:
    """The downloadable template: UTF-8 with a byte-order mark (for Excel), Vietnamese headers,
    one example row."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.template_header for column in COLUMNS])
    writer.writerow(EXAMPLE_ROW)
    return (BOM + buffer.getvalue()).encode("utf-8")


def reference() -> dict:
    """What the upload page lists: sub-categories (slug and names), units and limits."""
    lookups = Lookups()
    return {
        "categories": [(lookups.slugs[category_id], label) for category_id, label in lookups.labels.items()],
        "units": unit_choices(),
        "columns": COLUMNS,
        "max_rows": MAX_ROWS,
        "max_megabytes": MAX_BYTES // (1024 * 1024),
    }

