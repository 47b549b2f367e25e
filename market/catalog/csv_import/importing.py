"""Importing checked rows as draft products: all of them in one transaction, or none."""
from collections.abc import Callable, Iterable

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from market.accounts.models import User
from market.catalog.csv_import.fileformat import COLUMN_OF_FIELD, MAX_ROWS
from market.catalog.csv_import.preview import ErrorItem, ImportFailed, Preview, error_item
from market.catalog.models import Category, OcopStatus, Product, ProductStatus
from market.catalog.services import ProductData, acting_seller, validate_product
from market.core.audit import record_audit
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.slugs import slug_for
from market.extensions import db
from market.sellers.services import ValidationFailed

INSERT_BATCH = 1_000


def _slug_maker() -> Callable[[str], str]:
    """Unique product slugs made in memory: the slugs taken are read once."""
    taken = set(db.session.scalars(select(Product.slug)))
    next_number: dict[str, int] = {}

    def make(name: str) -> str:
        base = slug_for(name)
        candidate, number = base, next_number.get(base, 2)
        if candidate in taken:
            candidate = f"{base}-{number}"
            while candidate in taken:
                number += 1
                candidate = f"{base}-{number}"
            next_number[base] = number + 1
        taken.add(candidate)
        return candidate

    return make


def import_rows(member: User, preview_or_rows: "Preview | Iterable[ProductData]",
                progress: Callable[[int], None] | None = None) -> int:
    """Import every row as a draft product of `member`'s seller, in one transaction, or none.

    Takes a Preview (from `parse`) or ProductData rows (numbered as lines 2, 3... of a file).
    Every row is validated again against today's categories; any error (or a problem of the
    file) raises ImportFailed / DomainError and nothing is written. Slugs are made unique in
    memory, rows are inserted in batches, one audit row ("products_imported") records the
    count, and the transaction is committed once. Returns the number of products imported.

    The rows go in by bulk INSERT, which the search index's session hooks do not see; that
    is right for drafts, which are never searchable: putting one on sale goes through the
    ORM and indexes it then.
    """
    seller = acting_seller(member)
    if isinstance(preview_or_rows, Preview):
        preview = preview_or_rows
        if preview.problems:
            raise DomainError(preview.problems[0])
        items = [(row.line, row.data, row.values) for row in preview.rows]
        columns = preview.columns
    else:
        items = [(index + 2, data, {}) for index, data in enumerate(preview_or_rows)]
        columns = {}
    if not items:
        raise DomainError(_("The file has no products to import."))
    if len(items) > MAX_ROWS:
        raise DomainError(_("At most %(count)s products can be imported at once.", count=format_decimal(MAX_ROWS)))

    valid_ids = _valid_category_ids()
    errors: list[ErrorItem] = []
    checked: list[dict] = []
    for line, data, values in items:
        try:
            checked.append(validate_product(data, seller, valid_ids))
        except ValidationFailed as failed:
            for name, message in failed.errors.items():
                key = COLUMN_OF_FIELD.get(name, name)
                errors.append(error_item(line, key, message, columns, values.get(key, "")))
        if progress:
            progress(1)
    if errors:
        raise ImportFailed(_("%(count)d errors: nothing was imported.", count=len(errors)), errors)

    now = utcnow()
    make_slug = _slug_maker()
    rows = [
        dict(values, seller_id=seller.id, slug=make_slug(values["name"]), status=ProductStatus.DRAFT.value,
             ocop_stars=None, ocop_status=OcopStatus.NONE.value, created_by_id=member.id, updated_by_id=member.id,
             created_at=now, updated_at=now)
        for values in checked
    ]
    try:
        for start in range(0, len(rows), INSERT_BATCH):
            db.session.execute(insert(Product), rows[start:start + INSERT_BATCH])
        record_audit(member.id, "seller", seller.id, "products_imported",
                     detail=str(len(rows)))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_("Nothing was imported: products were added at the same time. Try again.")) from None
    except BaseException:
        db.session.rollback()
        raise
    return len(rows)


def _valid_category_ids() -> set[int]:
    """Sub-categories and childless top categories: where a product may be listed."""
    parents = select(Category.parent_id).where(Category.parent_id.is_not(None))
    return set(db.session.scalars(select(Category.id).where(Category.id.not_in(parents))))

