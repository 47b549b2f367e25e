"""The email outbox: queued in the decision's transaction, delivered later, failures kept."""
import email
import email.message
import email.policy
import logging
import socket
import socketserver
import threading
from datetime import datetime, timezone

import pytest

from market.core import mail as mail_module
from market.extensions import db


@pytest.fixture
def mail(app):
    """The market.core.mail module, with no SMTP server configured."""
    app.config.update(MAIL_SERVER=None, MAIL_MAX_ATTEMPTS=5)
    return mail_module


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: records each message, refuses recipients with 'refused'."""

    def handle(self):
        self.reply("220 localhost test SMTP")
        sender, recipients = None, []
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                sender, recipients = command[10:].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                if "refused" in command:
                    self.reply("550 No such user")
                else:
                    recipients.append(command[8:].strip().strip("<>"))
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data_line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                self.server.messages.append({"from": sender, "to": recipients, "data": b"".join(lines)})
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode("ascii") + b"\r\n")


@pytest.fixture
def smtp_server(mail, app):
    """A local SMTP server in a thread; the app's mail settings point at it."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.server_address[1],
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_SUPPRESS_SEND=False,  # Flask-Mail suppresses under TESTING
        MAIL_DEFAULT_SENDER="Chợ Hợp tác xã Phụ nữ <no-reply@cho.example.vn>",
        MAIL_TIMEOUT=5,
    )
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def dead_port() -> int:
    """A local port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse(raw: dict) -> email.message.EmailMessage:
    return email.message_from_bytes(raw["data"], policy=email.policy.default)


# Queueing


def test_queued_email_commits_with_the_caller_and_shows_in_the_outbox(mail):
    queued = mail.queue_email("Lan@Example.vn", "Hồ sơ đã được duyệt", "Chào chị Lan,\nHồ sơ của HTX đã được duyệt.")
    db.session.commit()

    [stored] = mail.outbox()
    assert stored.id == queued.id
    assert (stored.to_address, stored.subject) == ("Lan@Example.vn", "Hồ sơ đã được duyệt")
    assert stored.body == "Chào chị Lan,\nHồ sơ của HTX đã được duyệt."
    assert stored.sent_at is None and stored.attempts == 0 and stored.last_error is None
    assert stored.created_at is not None
    assert mail.outbox("lan@example.vn") == [stored]


def test_outbox_filters_by_address_oldest_first(mail):
    first = mail.queue_email("lan@example.vn", "Một", "1")
    mail.queue_email("mai@example.vn", "Hai", "2")
    third = mail.queue_email("lan@example.vn", "Ba", "3")
    db.session.commit()

    assert [e.subject for e in mail.outbox()] == ["Một", "Hai", "Ba"]
    assert mail.outbox("lan@example.vn") == [first, third]
    assert mail.outbox("nobody@example.vn") == []


def test_the_email_and_the_decision_commit_or_roll_back_together(mail, make_user):
    from market.accounts.models import User

    user = make_user("lan@example.vn", full_name="Nguyễn Thị Lan")

    # A decision that fails before its commit leaves neither the change nor the email.
    user.full_name = "Trần Thị Lan"
    mail.queue_email(user.email, "Đã đổi tên", "…")
    db.session.rollback()
    assert db.session.get(User, user.id).full_name == "Nguyễn Thị Lan"
    assert mail.outbox() == []

    # A decision that commits takes its email with it.
    user.full_name = "Trần Thị Lan"
    mail.queue_email(user.email, "Đã đổi tên", "…")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user.id).full_name == "Trần Thị Lan"
    assert [e.subject for e in mail.outbox("lan@example.vn")] == ["Đã đổi tên"]


def test_queue_email_folds_the_subject_and_refuses_a_broken_address(mail):
    queued = mail.queue_email("  lan@example.vn ", "Sản phẩm\r\nBcc: x@evil.example " + "á" * 300, "body")
    assert queued.to_address == "lan@example.vn"
    assert "\n" not in queued.subject and "\r" not in queued.subject
    assert len(queued.subject) == 200
    db.session.commit()  # a long subject never breaks the caller's commit

    for bad in ["", "   ", "lan@example.vn\r\nBcc: x@evil.example", "a" * 250 + "@example.vn"]:
        with pytest.raises(ValueError):
            mail.queue_email(bad, "Chào", "body")


# Delivering


def test_without_mail_server_nothing_is_sent(mail):
    mail.queue_email("lan@example.vn", "Chào", "body")
    db.session.commit()

    assert mail.deliver_pending() == 0
    [queued] = mail.outbox()
    assert queued.sent_at is None and queued.attempts == 0


def test_delivers_through_smtp_and_marks_sent(mail, smtp_server):
    mail.queue_email("lan@example.vn", "Hồ sơ HTX đã được duyệt", "Chào chị Lan,\nHồ sơ đã được duyệt.\n")
    mail.queue_email("mai@example.vn", "Đơn hàng mới", "Có đơn hàng mới.")
    db.session.commit()

    assert mail.deliver_pending() == 2

    assert [m["to"] for m in smtp_server.messages] == [["lan@example.vn"], ["mai@example.vn"]]
    assert smtp_server.messages[0]["from"] == "<no-reply@cho.example.vn>"
    message = parse(smtp_server.messages[0])
    assert message["Subject"] == "Hồ sơ HTX đã được duyệt"
    assert message["To"] == "lan@example.vn"
    assert message["From"].addresses[0].display_name == "Chợ Hợp tác xã Phụ nữ"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Chào chị Lan,\nHồ sơ đã được duyệt.\n"
    for sent in mail.outbox():
        assert sent.sent_at is not None and sent.attempts == 1 and sent.last_error is None

    # Nothing is sent twice.
    assert mail.deliver_pending() == 0
    assert len(smtp_server.messages) == 2


def test_deliver_respects_the_limit_oldest_first(mail, smtp_server):
    for n in range(3):
        mail.queue_email(f"shopper{n}@example.vn", f"Email {n}", "body")
    db.session.commit()

    assert mail.deliver_pending(limit=2) == 2
    assert [m["to"] for m in smtp_server.messages] == [["shopper0@example.vn"], ["shopper1@example.vn"]]
    assert mail.deliver_pending(limit=2) == 1
    assert [e.sent_at is not None for e in mail.outbox()] == [True, True, True]


def test_unreachable_server_records_the_failure_and_raises_nothing(mail, app, dead_port, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=dead_port, MAIL_USE_TLS=False, MAIL_SUPPRESS_SEND=False)
    mail.queue_email("lan@example.vn", "Hồ sơ đã được duyệt", "body")
    mail.queue_email("mai@example.vn", "Đơn hàng mới", "body")
    db.session.commit()

    with caplog.at_level(logging.WARNING):
        assert mail.deliver_pending() == 0

    first, second = mail.outbox()
    assert first.sent_at is None and first.attempts == 1
    assert first.last_error.startswith("ConnectionRefusedError")
    assert len(first.last_error) <= 500
    # The outage is charged to one email only, not to the whole queue.
    assert second.attempts == 0 and second.last_error is None
    assert "lan@example.vn" in caplog.text

    assert mail.deliver_pending() == 0
    assert mail.outbox()[0].attempts == 2


def test_a_refused_recipient_does_not_stop_the_others(mail, smtp_server):
    mail.queue_email("refused@example.vn", "Một", "body")
    mail.queue_email("mai@example.vn", "Hai", "body")
    db.session.commit()

    assert mail.deliver_pending() == 1

    refused, delivered = mail.outbox()
    assert refused.sent_at is None and refused.attempts == 1
    assert "SMTPRecipientsRefused" in refused.last_error
    assert delivered.sent_at is not None
    assert [m["to"] for m in smtp_server.messages] == [["mai@example.vn"]]


def test_an_email_past_max_attempts_is_not_retried(mail, app, smtp_server):
    given_up = mail.queue_email("lan@example.vn", "Bỏ cuộc", "body")
    given_up.attempts = 3
    retried = mail.queue_email("mai@example.vn", "Thử lại", "body")
    retried.attempts = 2
    db.session.commit()
    app.config["MAIL_MAX_ATTEMPTS"] = 3

    assert mail.deliver_pending() == 1

    assert [m["to"] for m in smtp_server.messages] == [["mai@example.vn"]]
    db.session.refresh(given_up)
    assert given_up.sent_at is None and given_up.attempts == 3


def test_the_default_max_attempts_is_five(mail, app, smtp_server):
    del app.config["MAIL_MAX_ATTEMPTS"]
    for attempts in (4, 5):
        mail.queue_email(f"user{attempts}@example.vn", "Chào", "body").attempts = attempts
    db.session.commit()

    assert mail.deliver_pending() == 1
    assert [m["to"] for m in smtp_server.messages] == [["user4@example.vn"]]


def test_a_long_error_is_truncated(mail, app, smtp_server, monkeypatch):
    from flask_mail import Connection

    def fail(self, message, envelope_from=None):
        raise RuntimeError("x" * 2000)

    monkeypatch.setattr(Connection, "send", fail)
    mail.queue_email("lan@example.vn", "Chào", "body")
    db.session.commit()

    assert mail.deliver_pending() == 0
    [failed] = mail.outbox()
    assert failed.attempts == 1 and len(failed.last_error) == 500


def test_init_mail_registers_flask_mail_with_defaults(mail, app):
    for key in ("MAIL_PORT", "MAIL_USE_TLS", "MAIL_DEFAULT_SENDER", "MAIL_MAX_ATTEMPTS"):
        app.config.pop(key, None)
    mail.init_mail(app)
    assert app.extensions["mail"].port == 587
    assert app.config["MAIL_PORT"] == 587 and app.config["MAIL_USE_TLS"] is True
    assert app.config["MAIL_MAX_ATTEMPTS"] == 5
    assert app.config["MAIL_DEFAULT_SENDER"] == "Chợ Hợp tác xã Phụ nữ <no-reply@localhost>"


# Commands


@pytest.fixture
def mail_runner(mail, app):
    if "mail" not in app.cli.commands:
        app.cli.add_command(mail.mail_cli)
    return app.test_cli_runner()


def test_cli_deliver_sends_everything_in_rounds(mail, mail_runner, smtp_server):
    for n in range(5):
        mail.queue_email(f"shopper{n}@example.vn", f"Email {n}", "body")
    mail.queue_email("refused@example.vn", "Bị từ chối", "body")
    db.session.commit()

    result = mail_runner.invoke(args=["mail", "deliver", "--batch", "2"])

    assert result.exit_code == 0, result.output
    assert "Sent 5 email(s)." in result.output
    assert len(smtp_server.messages) == 5
    # Tried once in this run, not until its attempts are used up.
    assert mail.outbox("refused@example.vn")[0].attempts == 1


def test_cli_deliver_without_mail_server(mail, mail_runner):
    mail.queue_email("lan@example.vn", "Chào", "body")
    db.session.commit()

    result = mail_runner.invoke(args=["mail", "deliver"])

    assert result.exit_code == 0, result.output
    assert "MAIL_SERVER is not set: sent 0 (1 unsent in the outbox)." in result.output
    assert mail.outbox()[0].sent_at is None


def test_cli_outbox_lists_unsent_emails(mail, mail_runner):
    mail.queue_email("lan@example.vn", "Hồ sơ đã được duyệt", "body").created_at = datetime(
        2025, 7, 1, 9, 30, tzinfo=timezone.utc
    )
    failing = mail.queue_email("mai@example.vn", "Đơn hàng mới", "body")
    failing.attempts, failing.last_error = 2, "ConnectionRefusedError: [Errno 111] Connection refused"
    sent = mail.queue_email("hoa@example.vn", "Đã gửi", "body")
    sent.sent_at = datetime.now(timezone.utc)
    db.session.commit()

    result = mail_runner.invoke(args=["mail", "outbox"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2025-07-01 09:30 UTC  lan@example.vn  Hồ sơ đã được duyệt"
    assert "mai@example.vn  Đơn hàng mới  [2 failed: ConnectionRefusedError" in lines[1]
    assert "hoa@example.vn" not in result.output


def test_cli_outbox_when_empty(mail, mail_runner):
    result = mail_runner.invoke(args=["mail", "outbox"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "No unsent email."
