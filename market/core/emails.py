"""Emails worth reading: each one rendered as HTML and as plain text, in the recipient's
language, inside the marketplace's layout (its name, and a footer saying why the email came
and where to get help).

A message is two templates, `templates/emails/<name>.html` and `<name>.txt`, each extending
`emails/_layout.html` / `emails/_layout.txt`. The caller renders it with `render_email` in
the recipient's language and queues it with `market.core.mail.queue_email` inside the
decision's transaction (the outbox delivers it after the commit). Links in emails are
absolute, from the configured public base URL (`public_url`), never from a request.
"""
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale

from market.core.mail import OutboundEmail, queue_email
from market.core.urls import public_url


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(name: str, locale: str | None, subject, **context) -> RenderedEmail:
    """Render the email `name` in `locale` (Vietnamese when unknown).

    `subject` is a string or a callable returning one; a callable (or a lazy string) is
    evaluated in the recipient's language. The templates get `subject` and `context`.
    """
    with force_locale(locale or "vi"):
        subject_text = str(subject() if callable(subject) else subject)
        context = {**context, "subject": subject_text, "public_url": public_url}
        html = render_template(f"emails/{name}.html", **context)
        text = render_template(f"emails/{name}.txt", **context)
    return RenderedEmail(subject=subject_text, text=text.strip() + "\n", html=html)


def queue_rendered(to: str, email: RenderedEmail) -> OutboundEmail:
    """Queue a rendered email in the current transaction (see `queue_email`)."""
    return queue_email(to, email.subject, email.text, html=email.html)


def send_email(to: str, name: str, locale: str | None, subject, **context) -> OutboundEmail:
    """Render the email `name` in `locale` and queue it to `to` (no commit)."""
    return queue_rendered(to, render_email(name, locale, subject, **context))
