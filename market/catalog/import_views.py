"""CSV import of products (/sell/products/import): template, upload, preview, confirmation.

The uploaded file is checked and shown back with each row's errors by line and column;
when nothing is wrong, its bytes are kept under a random token bound to the seller until
the member confirms (or for a day). The confirmation imports all rows or none.
"""
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from market.catalog import bp, csv_import
from market.catalog.seller_views import _approved_or_redirect
from market.core.domain import DomainError
from market.core.forms import ActionForm
from market.sellers.access import member_required

SHOWN_ERRORS = 1_000  # the preview lists this many errors; the count says how many there are
SHOWN_ROWS = 20  # rows shown as a sample when the file is ready to import


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        render_kw={"accept": ".csv,text/csv"},
    )


def _read(file_storage) -> bytes:
    """The upload's bytes, one byte past the limit at most (parse reports the excess)."""
    return file_storage.stream.read(csv_import.MAX_BYTES + 1)


@bp.route("/sell/products/import/template.csv")
@member_required
def import_template(membership):
    response = Response(csv_import.template_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=mau-nhap-san-pham.csv"
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/sell/products/import", methods=["GET", "POST"])
@member_required
def import_products(membership):
    refused = _approved_or_redirect(membership)
    if refused:
        return refused
    form = ImportForm()
    if form.validate_on_submit():
        try:
            preview, token = csv_import.preview_upload(current_user, _read(form.file.data))
        except DomainError as error:
            flash(str(error.message), "error")
            return redirect(url_for("catalog.seller_products"))
        return render_template(
            "catalog/import_preview.html", preview=preview, token=token, errors=preview.errors()[:SHOWN_ERRORS],
            form=ImportForm(formdata=None), action_form=ActionForm(), shown_rows=SHOWN_ROWS,
        )
    return render_template("catalog/import.html", form=form, reference=csv_import.reference(), seller=membership.seller)


@bp.route("/sell/products/import/<token>", methods=["POST"])
@member_required
def import_confirm(membership, token: str):
    refused = _approved_or_redirect(membership)
    if refused:
        return refused
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        count = csv_import.import_stored(current_user, token)
    except csv_import.ImportNotFound:
        abort(404)
    except csv_import.ImportFailed as failed:
        # The catalogue changed since the preview (a category went away): show why, import nothing.
        flash(str(failed.message), "error")
        return render_template(
            "catalog/import_preview.html", preview=None, token=None, errors=failed.errors[:SHOWN_ERRORS],
            error_total=len(failed.errors), form=ImportForm(formdata=None), action_form=ActionForm(),
            shown_rows=SHOWN_ROWS,
        )
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("catalog.import_products"))
    flash(_("%(count)d products imported as drafts. Add photos, then put them on sale.", count=count), "success")
    return redirect(url_for("catalog.seller_products", status="draft"))


@bp.route("/sell/products/import/<token>/cancel", methods=["POST"])
@member_required
def import_cancel(membership, token: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        csv_import.discard_stored(current_user, token)
    except csv_import.ImportNotFound:
        abort(404)
    except DomainError as error:
        flash(str(error.message), "error")
    return redirect(url_for("catalog.import_products"))
