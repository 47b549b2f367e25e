"""The audit log browser (/staff/audit and its CSV, /staff/audit.csv), for central staff only:
provincial staff get 403, as the log names every province's sellers and shoppers.

The filters come from the query string (a GET form, so a filtered log can be bookmarked and
shared); a wrong value is shown beside its field with a 400, and then nothing is listed or
downloaded rather than the whole log.
"""
from flask import abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from market.core.audit import ACTION_LABELS
from market.core.csv_export import csv_chunks, csv_download
from market.core.days import read_day_range, today_in_vietnam
from market.core.folding import search_text
from market.core.numbers import parse_int
from market.core.paging import page_number
from market.core.security import roles_required
from market.staff import audit_log, bp
from market.text import fold

PERSON_LENGTH = 100


def _read_object(args, kind: str, errors: dict) -> tuple[int | None, str]:
    """The object box: an id of the chosen kind, or an order number (CPN-2026-000123)."""
    text = search_text(args.get("id"), 40)
    if not text:
        return None, ""
    if audit_log.ORDER_NUMBER.fullmatch(text.upper()) and kind in ("", "order"):
        return None, text.upper()
    object_id = parse_int(text, minimum=1, maximum=audit_log.MAX_OBJECT_ID)
    if object_id is None:
        errors["id"] = _("Enter a number, or an order number such as CPN-2026-000123.")
    elif not kind:
        errors["id"] = _("Choose what kind of object this number belongs to.")
    return object_id, ""


def _read_filters(args) -> tuple[audit_log.AuditFilters, dict[str, str]]:
    errors: dict[str, str] = {}
    action = search_text(args.get("action"), 40)
    if action and action not in ACTION_LABELS:
        errors["action"] = _("Choose an action from the list.")
    kind = search_text(args.get("object"), 40)
    if kind and kind not in audit_log.SUBJECT_LABELS:
        errors["object"] = _("Choose a kind of object from the list.")
    object_id, number = _read_object(args, kind, errors)
    days, day_errors = read_day_range(args)
    errors.update(day_errors)
    filters = audit_log.AuditFilters(
        person=search_text(args.get("person"), PERSON_LENGTH), action=action, subject_type=kind,
        subject_id=object_id, order_number=number, days=days,
    )
    return filters, errors


def _kept(args) -> dict[str, str]:
    """The filter fields as typed, for the form and for paging links (empty ones left out)."""
    return {key: value for key in ("person", "action", "object", "id", "from", "to")
            if (value := search_text(args.get(key), PERSON_LENGTH))}


def _choices(labels: dict) -> list[tuple[str, str]]:
    """(key, label) pairs sorted by label as the reader reads it (folded)."""
    return sorted(((key, str(label)) for key, label in labels.items()), key=lambda pair: fold(pair[1]))


def _page(filters, errors, page=None, status=200):
    return render_template(
        "staff/audit.html", page=page, errors=errors, kept=_kept(request.args), filtered=bool(filters),
        subjects=audit_log.subjects(page.items) if page else {},
        actions=_choices(ACTION_LABELS), kinds=_choices(audit_log.SUBJECT_LABELS),
        subject_labels=audit_log.SUBJECT_LABELS, max_rows=audit_log.MAX_CSV_ROWS,
    ), status


def _central_only() -> None:
    if not current_user.is_central_staff:
        abort(403)


@bp.route("/audit")
@roles_required("staff")
def audit():
    _central_only()
    filters, errors = _read_filters(request.args)
    if errors:
        return _page(filters, errors, status=400)
    return _page(filters, errors, audit_log.audit_page(current_user, filters, page_number()))


@bp.route("/audit.csv")
@roles_required("staff")
def audit_csv():
    _central_only()
    filters, errors = _read_filters(request.args)
    if errors:
        return _page(filters, errors, status=400)
    label = filters.days.label()
    filename = f"audit-{today_in_vietnam().isoformat()}{'-' + label if label else ''}.csv"
    rows = audit_log.csv_lines(audit_log.audit_rows(current_user, filters))
    return csv_download(stream_with_context(csv_chunks(audit_log.csv_header(), rows)), filename)
