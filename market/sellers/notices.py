"""Emails to an applicant, each with its account message (`notify`), inside the caller's
transaction: "application received" when she submits, and a staff decision with its
reason and what to do next (`emails/application_received.*`, `emails/seller_decision.*`);
and to the owner, the union's help on her seller's behalf starting and ending (`helping`)."""
from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

from market.accounts.models import User
from market.accounts.services import notify
from market.core.emails import RenderedEmail, render_email
from market.core.urls import public_url, site_path
from market.sellers.models import Seller

# Where the decision email's "what next" leads: the first product, the application, the union.
DECISION_NEXT = {
    "approve": ("catalog.new_product", {}),
    "request_changes": ("sellers.apply", {}),
    "reject": ("pages.show", {"slug": "contact"}),
    "suspend": ("pages.show", {"slug": "contact"}),
    "reinstate": ("catalog.seller_products", {}),
}


def _owner_email(owner: User, seller: Seller, name: str, subject: str, **context) -> RenderedEmail:
    """The email `emails/<name>.*` to the seller's owner, in her language."""
    return render_email(name, owner.locale, subject, seller=seller, dashboard_url=public_url("sellers.dashboard"),
                        review_days=current_app.config.get("SELLER_REVIEW_DAYS"), **context)


def application_received(owner: User, seller: Seller) -> None:
    """Tell the applicant her application arrived and what happens now."""
    with force_locale(owner.locale or "vi"):
        subject = _("Application received: %(name)s", name=seller.name)
        body = _("The Women's Union received the application of “%(name)s”. We will tell you of the decision.",
                 name=seller.name)
    email = _owner_email(owner, seller, "application_received", subject)
    notify(owner, subject, body, link=site_path("sellers.dashboard"), email=email)


def decision_told(owner: User, seller: Seller, action: str, subject: str, body: str, reason: str | None) -> None:
    """Tell the owner a staff decision: `subject` and `body` (already in her language) as her
    account message, and the email with the reason and what to do next."""
    endpoint, values = DECISION_NEXT[action]
    email = _owner_email(owner, seller, "seller_decision", subject, action=action, body=body,
                         reason=(reason or "").strip(), next_url=public_url(endpoint, **values))
    notify(owner, subject, body, link=site_path("sellers.dashboard"), email=email)


def help_started(owner: User, seller: Seller, grant, helper_label) -> None:
    """Confirm to the owner that the union may help on her seller's behalf, whom and until when
    (`helper_label(grant)` names who, in her language)."""
    with force_locale(owner.locale or "vi"):
        subject = _("The union may now help %(seller)s", seller=seller.name)
        body = _("You let %(helper)s work in the seller area of %(seller)s on your behalf until %(until)s. "
                 "Everything they do is shown in your history. You can end this at any time.",
                 helper=helper_label(grant), seller=seller.name, until=format_datetime(grant.ends_at, "short"))
    notify(owner, subject, body, link=site_path("sellers.help_from_union"))


def help_ended(seller: Seller, grant, helper_label, ran_out: bool) -> None:
    """Tell the owner the union's help ended: she ended it, or its period ran out."""
    owner = seller.owner or grant.granted_by
    if owner is None:
        return
    with force_locale(owner.locale or "vi"):
        subject = _("The union's help for %(seller)s has ended", seller=seller.name)
        if ran_out:
            body = _("The period in which %(helper)s could work on behalf of %(seller)s has ended. "
                     "Ask for help again whenever you need it.", helper=helper_label(grant), seller=seller.name)
        else:
            body = _("You ended the help of %(helper)s: they can no longer work on behalf of %(seller)s.",
                     helper=helper_label(grant), seller=seller.name)
    notify(owner, subject, body, link=site_path("sellers.help_from_union"))
