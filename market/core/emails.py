"""Emails worth reading: each one rendered as HTML and as plain text, in the recipient's
language, inside the marketplace's layout (its name, and a footer saying why the email came
and where to get help).

A message is two templates, `templates/emails/<name>.html` and `<name>.txt`, each extending
`emails/_layout.html` / `emails/_layout.txt`. The caller renders it with `render_email` in
the recipient's language and queues it with `queue_rendered` (or both at once with
`send_email`) inside the decision's transaction: the outbox (`market.core.mail`) delivers it
after the commit, so no request ever waits on, or is undone by, the mail server. Links in
emails are absolute, from the configured public base URL (`public_url`), never from a
request.

HTML emails: inline styles only (clients drop <style> and never run scripts), no SVG and
no data: URI (many clients block both: a picture is a PNG behind an absolute URL), and the
same autoescaping as every page, so user text is never markup. The plain-text version
(`.txt`, not autoescaped: it is not HTML) carries every number and link on its own.
"""
from dataclasses import dataclass

from datetime import datetime

from flask import render_template
from flask_babel import force_locale, format_date, format_time, get_locale
from flask_babel import gettext as _

from market.core.mail import OutboundEmail, queue_email
from market.core.urls import public_url
from market.geo.provinces import get_by_code


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _province_name(code: str | None) -> str:
    """A province's name in the email's language (the page filter follows the request's)."""
    province = get_by_code(code or "")
    if province is None:
        return ""
    locale = get_locale()
    return province.name_en if locale is not None and locale.language == "en" else province.name


def local_time(value: datetime | None) -> str:
    """A moment as a reader of the email needs it, in the current language and Vietnam's
    time zone, saying so: "14:30, 4 December 2026 (Vietnam time)"."""
    if value is None:
        return ""
    return _("%(time)s, %(date)s (Vietnam time)", time=format_time(value, "short"), date=format_date(value, "long"))


def render_email(name: str, locale: str | None, subject, **context) -> RenderedEmail:
    """Render the email `name` in `locale` (Vietnamese when unknown).

    `subject` is a string or a callable returning one; a callable (or a lazy string) is
    evaluated in the recipient's language. The templates get `subject`, `locale` (the
    language code, for `<html lang>`), `public_url`, `province_name` (a province code's
    name in that language), `local_time` (a moment in that language, Vietnam time) and
    `context`.
    """
    locale = locale or "vi"
    with force_locale(locale):
        subject_text = " ".join(str(subject() if callable(subject) else subject).split())
        context = {
            **context,
            "subject": subject_text,
            "locale": locale,
            "public_url": public_url,
            "province_name": _province_name,
            "local_time": local_time,
        }
        html = render_template(f"emails/{name}.html", **context)
        text = render_template(f"emails/{name}.txt", **context)
    return RenderedEmail(subject=subject_text, text=_tidy_text(text), html=html)


def _tidy_text(text: str) -> str:
    """Trailing spaces gone, at most one blank line in a row, one final newline."""
    lines, blank = [], False
    for line in text.strip().splitlines():
        line = line.rstrip()
        if not line and blank:
            continue
        blank = not line
        lines.append(line)
    return "\n".join(lines) + "\n"


def queue_rendered(to: str, email: RenderedEmail) -> OutboundEmail:
    """Queue a rendered email in the current transaction (see `queue_email`)."""
    return queue_email(to, email.subject, email.text, html=email.html)


def send_email(to: str, name: str, locale: str | None, subject, **context) -> OutboundEmail:
    """Render the email `name` in `locale` and queue it to `to` (no commit)."""
    return queue_rendered(to, render_email(name, locale, subject, **context))
