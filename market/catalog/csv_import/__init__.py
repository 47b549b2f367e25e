"""CSV import of products: a template, a preview with each row's errors, an all-or-nothing import.

The file: UTF-8 text (with or without a byte-order mark), `,`, `;` or tab between cells (found
from the header line), one header line then one product a line. Headers are understood in
English or Vietnamese, with or without diacritics, in any case ("Tên sản phẩm",
"ten san pham", "Product name"...). Cells: the category as a sub-category's slug or its
Vietnamese or English name; prices in whole đồng written "185000", "185.000", "185,000" or
"185 000 ₫"; the unit as its code ("bottle") or label ("chai", "Bottle"); the origin as a
province's name (old names too) or its 2-digit code. Imported products are drafts (they have
no photos yet); OCOP ratings are not imported (they need a certificate each).

Limits (the file is refused as a whole beyond them, before any row is checked):
- at most MAX_BYTES (4 MB): 10,000 products with short descriptions fit;
- at most MAX_ROWS (10,000) products, the size of one import that runs in a few seconds;
- at most MAX_COLUMNS (50) columns; a cell of at most 131,072 characters (Python's csv limit),
  and a description of at most 5,000 characters (the product form's limit).

Service functions take plain arguments and never `request` or `current_user`:
`parse(file, seller)` never raises; `import_rows(member, preview_or_rows)` commits once;
`preview_upload` and `import_stored` keep the uploaded bytes between preview and confirm
under `<upload folder>/imports/`, named by the seller's id and a random token.

Read in this order: `fileformat` (limits, columns, headers), `preview` (what `parse`
returns), `cells` (one row's cells), `parsing` (the file), `importing`, `template`,
`stored` (the upload kept between preview and confirmation). The names callers use are
importable from this package.
"""
from market.catalog.csv_import.cells import parse_whole_number
from market.catalog.csv_import.fileformat import COLUMN_BY_KEY, COLUMNS, MAX_BYTES, MAX_ROWS
from market.catalog.csv_import.importing import import_rows
from market.catalog.csv_import.parsing import parse
from market.catalog.csv_import.preview import ErrorItem, ImportFailed, ImportNotFound, Preview
from market.catalog.csv_import.stored import discard_stored, import_stored, preview_upload
from market.catalog.csv_import.template import reference, template_csv

__all__ = [
    "COLUMN_BY_KEY", "COLUMNS", "MAX_BYTES", "MAX_ROWS", "ErrorItem", "ImportFailed", "ImportNotFound", "Preview", "discard_stored",
    "import_rows", "import_stored", "parse", "parse_whole_number", "preview_upload", "reference", "template_csv",
]
