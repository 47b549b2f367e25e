"""What `parse` returns: the rows read, each with its errors by column, and the file's problems."""
from dataclasses import dataclass, field

from market.catalog.csv_import.fileformat import COLUMN_BY_KEY, column_letter
from market.catalog.services import ProductData
from market.core.domain import DomainError


@dataclass
class FileColumn:
    key: str
    header: str  # as written in the file
    index: int

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class PreviewRow:
    line: int  # the file's line where the row starts (the header is line 1)
    data: ProductData
    errors: dict[str, str] = field(default_factory=dict)  # column key -> message
    values: dict[str, str] = field(default_factory=dict)  # column key -> the cell as written


@dataclass
class ErrorItem:
    line: int
    column: str  # column key, or "" for the line as a whole
    header: str  # the column's header as the file wrote it, or its label
    letter: str  # spreadsheet letter of the column, "" when unknown
    value: str
    message: str


@dataclass
class Preview:
    """The file read and checked row by row; nothing is written."""

    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the file or its headers: nothing can be imported
    warnings: list[str] = field(default_factory=list)  # worth knowing, does not block the import
    columns: dict[str, FileColumn] = field(default_factory=dict)
    delimiter: str = ","
    category_labels: dict[int, str] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def error_rows(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.errors]

    @property
    def error_count(self) -> int:
        return sum(len(row.errors) for row in self.rows)

    @property
    def ok(self) -> bool:
        """Ready to import: a readable file, at least one row, no error anywhere."""
        return not self.problems and bool(self.rows) and not any(row.errors for row in self.rows)

    def errors(self) -> list[ErrorItem]:
        """Every cell error, by line then column, described by the file's own headers."""
        return [
            error_item(row.line, key, message, self.columns, row.values.get(key, ""))
            for row in self.rows
            for key, message in sorted(row.errors.items(), key=lambda item: self._position(item[0]))
        ]

    def _position(self, key: str) -> int:
        column = self.columns.get(key)
        return column.index if column else -1


def error_item(line: int, key: str, message: str, columns: dict[str, FileColumn], value: str = "") -> ErrorItem:
    column = columns.get(key)
    if column is not None:
        header, letter = column.header, column.letter
    elif key in COLUMN_BY_KEY:
        header, letter = str(COLUMN_BY_KEY[key].label), ""
    else:
        header, letter = "", ""
    return ErrorItem(line, key, header, letter, value, str(message))


class ImportFailed(DomainError):
    """Some rows are wrong: nothing was imported. `errors` lists them by line and column."""

    def __init__(self, message, errors: list[ErrorItem]):
        super().__init__(message)
        self.errors = errors


class ImportNotFound(DomainError):
    """No stored upload under this token for this seller (views answer 404)."""

