"""Selling units: the built-in ones (`UNITS`, translated by the catalogue) and those central
staff add (`Unit` rows, named in both languages). Sellers choose from both; products and
order lines keep the unit's code."""
import unicodedata

from flask import g
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from market.accounts.models import User
from market.catalog.models import UNITS, Unit
from market.core.audit import record_audit
from market.core.domain import DomainError
from market.core.slugs import slug_for
from market.extensions import db
from market.sellers.services import ValidationFailed

MAX_UNITS = 200  # staff add a few; a ceiling keeps the sellers' list usable


def added_units() -> list[Unit]:
    """The units staff added, oldest first (read once per request)."""
    if "catalog_added_units" not in g:
        g.catalog_added_units = list(db.session.scalars(select(Unit).order_by(Unit.id)))
    return g.catalog_added_units


def unit_choices() -> list[tuple[str, str]]:
    """(code, label) of every unit a seller may choose, built-in first, in the reader's language."""
    return [(code, str(label)) for code, label in UNITS.items()] + [(unit.code, unit.name) for unit in added_units()]


def unit_codes() -> set[str]:
    return set(UNITS) | {unit.code for unit in added_units()}


def unit_names() -> list[tuple[str, str, str]]:
    """(code, Vietnamese, English) of every unit, for readers that match any spelling (CSV)."""
    return [(unit.code, unit.name_vi, unit.name_en) for unit in added_units()]


class UnitLabels:
    """`product.unit|label(unit_labels)` in every template: the built-in labels, then the
    added units, read from the database only when a page shows a unit it does not know."""

    def get(self, code, default=None):
        if code in UNITS:
            return UNITS[code]
        return next((unit.name for unit in added_units() if unit.code == code), default)

    def __getitem__(self, code):
        found = self.get(code)
        if found is None:
            raise KeyError(code)
        return found

    def __contains__(self, code) -> bool:
        return self.get(code) is not None

    def items(self):
        return unit_choices()


UNIT_LABELS = UnitLabels()


def _spelling(name: str) -> str:
    # Accents kept: "mẹt" (a flat basket) is not "mét" (a metre), "bó" is not "bộ".
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()


def _taken_spellings() -> set[str]:
    spellings = set()
    for language in ("vi", "en"):
        with force_locale(language):
            spellings |= {_spelling(str(label)) for label in UNITS.values()}
    for unit in added_units():
        spellings |= {_spelling(unit.name_vi), _spelling(unit.name_en)}
    return spellings


def add_unit(staff: User, name_vi: str, name_en: str) -> Unit:
    """Add a selling unit (central staff only); refused when either name is already a unit's."""
    if not staff.is_central_staff:
        raise DomainError(_("Only central staff can add units."))
    name_vi, name_en = (name_vi or "").strip(), (name_en or "").strip()
    errors = {}
    if not name_vi:
        errors["name_vi"] = _("This field is required.")
    if not name_en:
        errors["name_en"] = _("This field is required.")
    taken = _taken_spellings()
    if name_vi and _spelling(name_vi) in taken:
        errors["name_vi"] = _("This unit is already in the list.")
    if name_en and _spelling(name_en) in taken:
        errors["name_en"] = _("This unit is already in the list.")
    if len(added_units()) >= MAX_UNITS:
        errors["name_vi"] = _("The list is full (%(count)d units).", count=MAX_UNITS)
    if errors:
        raise ValidationFailed(errors)
    base = slug_for(name_en, max_length=16)
    codes = unit_codes()
    code, number = base, 2
    while code in codes:
        code, number = f"{base}-{number}", number + 1
    unit = Unit(code=code, name_vi=name_vi, name_en=name_en, created_by_id=staff.id)
    db.session.add(unit)
    try:
        db.session.flush()
    except IntegrityError:  # another staff member added the same unit a moment ago
        db.session.rollback()
        raise ValidationFailed({"name_en": _("This unit is already in the list.")}) from None
    record_audit(staff.id, "unit", unit.id, "unit_added", detail=f"{name_vi} / {name_en}")
    db.session.commit()
    g.pop("catalog_added_units", None)
    return unit
