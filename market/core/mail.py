"""Email through an outbox: queue in the decision's transaction, deliver later.

A service that decides something (a staff approval, an order confirmation) calls
`queue_email(...)` before its one commit, so the decision and its email are committed
together or not at all. `flask --app wsgi mail deliver` (cron, a systemd timer, or a
worker loop) sends what is queued through Flask-Mail and records each failure on the row;
nothing that goes wrong with SMTP can undo the decision. Without `MAIL_SERVER`
(development, tests) nothing is sent: read the outbox instead (`mail outbox`, `outbox()`).

Wiring (in the app factory): `init_mail(app)` in register_extensions and
`app.cli.add_command(mail_cli)` in register_commands.

Settings (read when delivering, so a changed config applies at once): MAIL_SERVER (unset:
deliver nothing), MAIL_PORT (587), MAIL_USE_TLS (True), MAIL_USE_SSL (False),
MAIL_USERNAME, MAIL_PASSWORD, MAIL_DEFAULT_SENDER, MAIL_MAX_ATTEMPTS (5), MAIL_TIMEOUT
(30 seconds), and Flask-Mail's own MAIL_SUPPRESS_SEND (true under TESTING: rows are then
marked sent without any SMTP traffic).
"""
import smtplib
from collections.abc import Iterable

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_mail import Connection, Mail, Message
from sqlalchemy import func, select

from market.core.clock import utcnow
from market.core.models import OutboundEmail
from market.extensions import db

DEFAULTS = {
    "MAIL_SERVER": None,
    "MAIL_PORT": 587,
    "MAIL_USE_TLS": True,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "Chợ Hợp tác xã Phụ nữ <no-reply@localhost>",
    "MAIL_MAX_ATTEMPTS": 5,
    "MAIL_TIMEOUT": 30,
}

SUBJECT_MAX = 200
ADDRESS_MAX = 254
ERROR_MAX = 500

mail = Mail()


def init_mail(app: Flask) -> None:
    """Bind Flask-Mail to `app` (call from the app factory), filling in the MAIL_* defaults."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    mail.init_app(app)


def queue_email(to: str, subject: str, body: str, html: str | None = None) -> OutboundEmail:
    """Add an email to the outbox in the current transaction, without committing.

    `body` is the plain-text message; `html`, when given, the same message as HTML (see
    market.core.emails, which renders both from templates).

    The caller's commit (the one that records the decision) commits the email too; a
    rollback drops it. The subject is folded onto one line and cut to 200 characters,
    since a subject built from user text must never make the decision's commit fail.
    Raises ValueError for an address that is empty, too long or holds a line break
    (a bug in the caller, not a mail failure).
    """
    to = to.strip()
    if not to or len(to) > ADDRESS_MAX or "\r" in to or "\n" in to:
        raise ValueError(f"not a usable email address: {to!r}")
    subject = " ".join(subject.split())[:SUBJECT_MAX]
    email = OutboundEmail(
        to_address=to, subject=subject, body=body, html_body=html, created_at=utcnow(), attempts=0
    )
    db.session.add(email)
    return email


def outbox(to: str | None = None) -> list[OutboundEmail]:
    """Every queued email, sent or not (or only those to `to`, ignoring case), oldest first."""
    query = select(OutboundEmail).order_by(OutboundEmail.created_at, OutboundEmail.id)
    if to is not None:
        query = query.where(func.lower(OutboundEmail.to_address) == to.strip().lower())
    return list(db.session.scalars(query))


def unsent() -> list[OutboundEmail]:
    """Emails not delivered yet, given-up ones included, oldest first."""
    query = (
        select(OutboundEmail)
        .where(OutboundEmail.sent_at.is_(None))
        .order_by(OutboundEmail.created_at, OutboundEmail.id)
    )
    return list(db.session.scalars(query))


def deliver_pending(limit: int = 50) -> int:
    """Send up to `limit` unsent emails, oldest first; return how many were sent.

    Does nothing (returns 0) when MAIL_SERVER is not set. Emails that already failed
    MAIL_MAX_ATTEMPTS times are skipped. Each email is committed on its own: sent_at on
    success; on failure attempts + 1, last_error and a logged warning, never an exception.
    When the SMTP server cannot be reached at all, the round stops after that one
    failure, so an outage does not use up the attempts of every queued email.
    Commits the session: call it from a command or worker, not inside a request.
    """
    sent, _ = _deliver(limit, skip=())
    return sent


def _deliver(limit: int, skip: Iterable[int]) -> tuple[int, list[int]]:
    """Deliver a round; return (sent, ids tried), leaving out the ids in `skip`."""
    config = _settings()
    if not config["MAIL_SERVER"]:
        return 0, []
    query = (
        select(OutboundEmail.id)
        .where(OutboundEmail.sent_at.is_(None), OutboundEmail.attempts < int(config["MAIL_MAX_ATTEMPTS"]))
        .order_by(OutboundEmail.created_at, OutboundEmail.id)
        .limit(limit)
    )
    skip = set(skip)
    if skip:
        query = query.where(OutboundEmail.id.not_in(skip))
    # Ids are read once, so one call sends each email at most once.
    ids = list(db.session.scalars(query))
    state = mail.init_mail(config, current_app.debug, current_app.testing)
    # Flask-Mail's Message reads its settings from the app's registered state: keep it current.
    current_app.extensions["mail"] = state
    connection: _Connection | None = None
    sent, tried = 0, []
    try:
        for email_id in ids:
            email = db.session.get(OutboundEmail, email_id)
            if email is None or email.sent_at is not None:
                continue
            tried.append(email_id)
            unreachable = False
            try:
                message = Message(
                    email.subject,
                    recipients=[email.to_address],
                    body=email.body,
                    html=email.html_body,
                    sender=config["MAIL_DEFAULT_SENDER"],
                )
                if connection is None:
                    unreachable = True
                    connection = _Connection(state, timeout=config["MAIL_TIMEOUT"]).__enter__()
                    unreachable = False
                connection.send(message)
            except Exception as error:  # any failure stays on the row; the decision is safe
                _close_quietly(connection)
                connection = None
                email.attempts += 1
                email.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX]
                current_app.logger.warning(
                    "Email %s to %s failed (attempt %s): %s", email_id, email.to_address, email.attempts, error
                )
                db.session.commit()
                if unreachable:
                    break
                continue
            email.attempts += 1
            email.sent_at = utcnow()
            db.session.commit()
            sent += 1
    finally:
        _close_quietly(connection)
    return sent, tried


def _settings() -> dict:
    config = current_app.config
    settings = {key: config.get(key, default) for key, default in DEFAULTS.items()}
    # Flask-Mail's own keys (MAIL_SUPPRESS_SEND, MAIL_DEBUG, MAIL_MAX_EMAILS, ...) pass through.
    settings.update({key: value for key, value in config.items() if key.startswith("MAIL_") and key not in DEFAULTS})
    return settings


class _Connection(Connection):
    """Flask-Mail's connection with a socket timeout: a silent server must not hang delivery."""

    def __init__(self, state, timeout: float | None) -> None:
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=self.timeout)
        try:
            host.set_debuglevel(int(self.mail.debug))
            if self.mail.use_tls:
                host.starttls()
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
        except BaseException:
            host.close()
            raise
        return host


def _close_quietly(connection: "_Connection | None") -> None:
    if connection is None or connection.host is None:
        return
    try:
        connection.host.quit()
    except Exception:
        connection.host.close()
    connection.host = None


mail_cli = AppGroup("mail", help="The email outbox: deliver queued emails, list unsent ones.")


@mail_cli.command("deliver")
@click.option("--batch", default=50, show_default=True, help="Emails per round (one commit per email).")
def deliver_command(batch: int) -> None:
    """Send queued emails until none is left or a round sends nothing."""
    if not _settings()["MAIL_SERVER"]:
        waiting = len(unsent())
        click.echo(f"MAIL_SERVER is not set: sent 0 ({waiting} unsent in the outbox).")
        return
    total, tried = 0, []
    while True:
        # Each email is tried at most once per run, so one bad address cannot use up all its attempts.
        sent, tried_now = _deliver(batch, skip=tried)
        total += sent
        tried += tried_now
        if not tried_now or not sent:
            break
    click.echo(f"Sent {total} email(s).")


@mail_cli.command("outbox")
def outbox_command() -> None:
    """List unsent emails: created, recipient, subject (and the last error, if any)."""
    emails = unsent()
    if not emails:
        click.echo("No unsent email.")
        return
    for email in emails:
        line = f"{email.created_at:%Y-%m-%d %H:%M} UTC  {email.to_address}  {email.subject}"
        if email.last_error:
            line += f"  [{email.attempts} failed: {email.last_error}]"
        click.echo(line)
