"""Public routes of the sellers' blueprint: seller logos, and the labels of the sellers'
coded values for every template. The seller area (/sell/...) is in `seller_views.py`; the
public seller page (/sellers/<slug>, products and program badges) is a storefront page in
`market.catalog.views`, since catalog sits above sellers and programs."""
from market.core import uploads
from market.sellers import bp, services
from market.sellers.models import DOCUMENT_KIND_LABELS, LEADER_ROLE_LABELS, LEGAL_FORM_LABELS


@bp.record_once
def register_template_globals(state) -> None:
    """Labels of the sellers' coded values, for every template and macro."""
    state.app.jinja_env.globals.update(
        legal_form_labels=LEGAL_FORM_LABELS,
        leader_role_labels=LEADER_ROLE_LABELS,
        document_kinds=DOCUMENT_KIND_LABELS,
    )


@bp.route("/media/logos/<name>")
def logo(name: str):
    """Logos are public (shown on seller pages); names are unguessable and never reused."""
    return uploads.send_stored(services.LOGO_AREA, name, None, max_age=365 * 24 * 3600, public=True)
