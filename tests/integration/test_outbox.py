"""test_outbox.py — the durable outbox end to end: a device confirmation
mail reaches a real SMTP server and holds the link and nothing else secret;
a mail that cannot be sent stays queued across a restart and goes out once
SMTP works; without SMTP the mail is spooled as an .eml file.

The mail is caused the way users cause it: an admin-created provider logs in
from a new device."""

import email
import email.policy
import re
import secrets
import stat

from akte_client import (confirm_link, error_code, free_port, login, metric,
                         path_of, wait_until)

PASSWORD = "Kurzwellen-Radio 1987 ist lang genug"


def new_provider(srv, name="Praxis Postfach"):
    """A provider account in a new practice; returns (login, secret)."""
    org = srv.create_org(name=name)
    login_name = f"dr.{secrets.token_hex(4)}@example.org"
    user = srv.create_user("provider", login_name, PASSWORD, org=org["id"])
    assert user.get("id") and user.get("totp_secret"), user
    return login_name, user["totp_secret"]


def first_login(srv, login_name, secret, device="pytest laptop"):
    """A login from a new device, which must be held for confirmation."""
    status, payload = login(srv, login_name, PASSWORD, secret, device)
    assert status == 403 and error_code(payload) == "device_unconfirmed", \
        f"{status} {payload!r}"


def queue_length(srv):
    status, _, body = srv.call("GET", "/metrics")
    assert status == 200, f"/metrics: {status} {body!r}"
    return metric(body, "akte_outbox_queue_length")


def deliveries(srv):
    return [l for l in srv.log_lines() if l.get("event") == "outbox_delivery"]


def assert_log_discreet(srv, login_name):
    """Delivery log lines name the domain at most, never the address."""
    for line in deliveries(srv):
        assert login_name not in str(line), line
        assert line.get("domain") in (None, "", "example.org"), line


def test_confirmation_mail_arrives_with_link_only(akted, smtp_server):
    srv = akted()
    login_name, secret = new_provider(srv)
    first_login(srv, login_name, secret)

    mail = smtp_server.wait_for(lambda m: login_name in m.rcpt_tos, timeout=15)
    assert login_name in mail.to
    assert mail.subject
    assert mail.msg["Date"] and mail.msg["Message-ID"]
    text = mail.text
    link = confirm_link(text)
    assert link, f"no confirmation link in:\n{text}"
    assert link.startswith(srv.url + "/"), link  # links use AKTE_PUBLIC_URL
    token = link.rsplit("token=", 1)[1]

    # Nothing else that could serve as a credential: not the password, not
    # the TOTP secret, and no random-looking string but the link's token.
    assert PASSWORD not in text
    assert secret not in text and secret.lower() not in text.lower()
    randomish = {w for w in re.findall(r"[A-Za-z0-9_\-]{20,}", text)
                 if re.search(r"[0-9]", w) and re.search(r"[A-Za-z]", w)}
    assert randomish <= {token}, randomish

    sent = wait_until(lambda: [l for l in deliveries(srv) if l.get("outcome") == "sent"],
                      what="a 'sent' delivery log line")
    assert sent[0].get("attempt") == 1
    assert_log_discreet(srv, login_name)
    assert token not in srv.stderr_text(), "the confirmation token was logged"

    # The link confirms the device; the next login is a session.
    status, _, body = srv.call("GET", path_of(link))
    assert status < 400, f"confirm: {status} {body!r}"
    status, payload = login(srv, login_name, PASSWORD, secret, "pytest laptop")
    assert status == 200 and payload.get("token"), f"{status} {payload!r}"
    assert wait_until(lambda: queue_length(srv) == 0, what="an empty queue")


def test_mail_waits_for_smtp_and_survives_restart(akted, smtp_server):
    closed = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    srv = akted(smtp=closed, env={"AKTE_OUTBOX_RETRY_BASE": "1"})
    login_name, secret = new_provider(srv)
    first_login(srv, login_name, secret)

    # The first attempt fails and is scheduled again; the mail is still queued.
    retry = wait_until(lambda: [l for l in deliveries(srv) if l.get("outcome") == "retry"],
                       what="a failed delivery attempt in the log")
    assert retry[0].get("attempt") == 1
    assert "127.0.0.1" not in str(retry[0].get("error", "")), retry[0]
    assert queue_length(srv) >= 1
    assert_log_discreet(srv, login_name)
    assert smtp_server.messages == []

    srv.restart(env={"AKTE_SMTP_URL": smtp_server.url})
    mail = smtp_server.wait_for(lambda m: login_name in m.rcpt_tos, timeout=15)
    assert confirm_link(mail.text)
    assert wait_until(lambda: queue_length(srv) == 0, what="an empty queue")
    # sent once, not once per server run or per retry
    assert len([m for m in smtp_server.messages if login_name in m.rcpt_tos]) == 1


def test_mail_spooled_without_smtp(akted):
    srv = akted(smtp=None)
    login_name, secret = new_provider(srv)
    first_login(srv, login_name, secret)

    maildir = srv.data / "spool" / "mail"
    files = wait_until(lambda: sorted(maildir.glob("*.eml")) if maildir.is_dir() else [],
                       what=f"an .eml file in {maildir}")
    assert len(files) == 1, files
    eml = files[0]
    assert stat.S_IMODE(eml.stat().st_mode) == 0o600
    assert stat.S_IMODE(maildir.stat().st_mode) == 0o700
    raw = eml.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert login_name in str(msg["To"])
    assert confirm_link(msg.get_content())
    assert wait_until(lambda: queue_length(srv) == 0, what="an empty queue")
    srv.stop()  # and the server shuts down cleanly with a worker running
