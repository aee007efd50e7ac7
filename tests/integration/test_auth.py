"""Login, second factor, lockout, devices and sessions, against a real
akted and a real SMTP server."""

import time

import pytest

from akte_client import confirm_link, error_code, path_of, totp, totp_at
from people import staff, unique

WRONG = "000000"  # a code that is never right: wrong-password tries spend no TOTP step


def confirm_device(server, smtp, who):
    """The first login from who.device: refused, mail, link opened. Spends
    one TOTP step, leaving the next one for the test."""
    status, _, body = _login(server, who)
    assert status == 403 and error_code(body) == "device_unconfirmed", body
    mail = smtp.wait_for(lambda m: who.login in m.rcpt_tos and confirm_link(m.text))
    assert server.call("GET", path_of(confirm_link(mail.text)))[0] == 200


@pytest.fixture
def server(akted):
    return akted()


def _login(server, who, code=None, password=None, device=None, login=None, headers=None):
    body = {"login": login or who.login, "password": password or who.password,
            "totp": code or totp(who.secret), "device": device or who.device}
    return server.call("POST", "/api/v1/auth/login", json=body, headers=headers)


def test_login_sets_cookie_and_token(server, smtp_server):
    who = staff(server, smtp_server, "operator", log_in=False)
    confirm_device(server, smtp_server, who)
    status, headers, body = _login(server, who)
    assert status == 200, body
    assert set(body) == {"token", "expires", "csrf_token"}
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"__Host-akte={body['token']};")
    for attr in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"):
        assert attr in cookie
    assert "Max-Age" not in cookie and "Expires" not in cookie
    assert headers["Cache-Control"] == "no-store"


def test_wrong_password_unknown_login_wrong_totp_look_alike(server, smtp_server):
    who = staff(server, smtp_server, "provider", org=server.create_org()["id"])
    answers = [
        _login(server, who, password="Falsches-Passwort-1", code=WRONG),
        _login(server, who, login="nobody@example.org", code=WRONG),
        _login(server, who, code="000000"),
        _login(server, who, code="12345"),
    ]
    for status, _, body in answers:
        assert status == 401
        assert body == answers[0][2]
    assert error_code(answers[0][2]) == "login_failed"


def test_totp_replay_and_window(server, smtp_server):
    who = staff(server, smtp_server, "operator", log_in=False)
    confirm_device(server, smtp_server, who)
    code = totp(who.secret)
    assert _login(server, who, code=code)[0] == 200
    # The same code again: its step was used.
    assert _login(server, who, code=code)[0] == 401
    # Two steps ahead is outside the window of one step.
    status, _, _ = _login(server, who, code=totp_at(who.secret, 3))
    assert status == 401


def test_lockout_and_its_end(akted, smtp_server):
    server = akted(env={"AKTE_LOGIN_WINDOW": "4"})
    who = staff(server, smtp_server, "operator", log_in=False)
    confirm_device(server, smtp_server, who)
    for _ in range(5):
        assert _login(server, who, password="Falsches-Passwort-1", code=WRONG)[0] == 401
    # Locked: even the right password and code are refused now.
    status, headers, body = _login(server, who, code=totp_at(who.secret, 1))
    assert status == 429 and error_code(body) == "locked", body
    assert int(headers["Retry-After"]) >= 1
    # The same happens for a login that does not exist: a lock tells nothing.
    for _ in range(5):
        _login(server, who, login="ghost@example.org", code=WRONG)
    status, _, body = _login(server, who, login="ghost@example.org", code=WRONG)
    assert status == 429
    time.sleep(4.5)
    status, _, body = _login(server, who)
    assert status == 200, body


def test_per_address_limit(akted, smtp_server):
    server = akted(env={"AKTE_ADDR_MAX_FAILURES": "3", "AKTE_LOGIN_WINDOW": "60"})
    who = staff(server, smtp_server, "operator")
    for i in range(3):
        _login(server, who, login=f"someone{i}@example.org", code=WRONG)
    status, _, body = _login(server, who, code=WRONG)
    assert status == 429, body


def test_new_device_needs_mail_confirmation(server, smtp_server):
    who = staff(server, smtp_server, "operator", log_in=False)
    device = unique("laptop-")
    status, _, body = _login(server, who, device=device,
                             headers={"User-Agent": "Firefox Test"})
    assert status == 403 and error_code(body) == "device_unconfirmed"
    mail = smtp_server.wait_for(lambda m: who.login in m.rcpt_tos)
    link = confirm_link(mail.text)
    assert link and link.startswith(server.url)
    assert "Firefox Test" in mail.text
    assert who.password not in mail.text and device not in mail.text
    # Still unconfirmed: the login waits.
    status, _, body = _login(server, who, device=device)
    assert status == 403
    status, headers, page = server.call("GET", path_of(link))
    assert status == 200 and b"best\xc3\xa4tigt" in page
    assert headers["Content-Type"].startswith("text/html")
    status, _, page = server.call("GET", path_of(link))
    assert status == 410  # single use
    status, _, body = _login(server, who, device=device)
    assert status == 200, body
    status, _, _ = server.call("GET", "/api/v1/devices/confirm?token=" + "A" * 43)
    assert status == 404
    status, _, _ = server.call("GET", "/api/v1/devices/confirm?token=../../etc")
    assert status == 404


def test_expired_device_link(akted, smtp_server):
    server = akted(env={"AKTE_DEVICE_CONFIRM_TTL": "60"})
    who = staff(server, smtp_server, "operator", log_in=False)
    assert _login(server, who)[0] == 403
    link = confirm_link(smtp_server.wait_for(lambda m: who.login in m.rcpt_tos).text)
    import subprocess
    subprocess.run(["sqlite3", str(server.data / "akte.db"),
                    "UPDATE device_confirmations SET expires_at = expires_at - 61;"], check=True)
    status, _, page = server.call("GET", path_of(link))
    assert status == 410 and b"abgelaufen" in page


def test_devices_list_and_delete_ends_sessions(server, smtp_server):
    who = staff(server, smtp_server, "operator")
    other = staff(server, smtp_server, "operator")
    status, _, body = server.call("GET", "/api/v1/devices", token=who.token)
    assert status == 200 and len(body["items"]) == 1
    dev = body["items"][0]
    assert dev["confirmed"] and dev["current"]
    # Another account cannot see or remove it.
    status, _, body = server.call("DELETE", f"/api/v1/devices/{dev['id']}", token=other.token)
    assert status == 404
    status, _, body = server.call("DELETE", "/api/v1/devices/doesnotexist", token=who.token)
    assert status == 404
    status, _, body = server.call("DELETE", f"/api/v1/devices/{dev['id']}", token=who.token)
    assert status == 200
    status, _, body = server.call("GET", "/api/v1/me", token=who.token)
    assert status == 401
    assert server.call("GET", "/api/v1/me", token=other.token)[0] == 200


def test_logout_ends_session(server, smtp_server):
    who = staff(server, smtp_server, "operator")
    assert server.call("GET", "/api/v1/me", token=who.token)[0] == 200
    status, headers, _ = server.call("POST", "/api/v1/auth/logout", token=who.token)
    assert status == 200 and "Max-Age=0" in headers["Set-Cookie"]
    status, _, body = server.call("GET", "/api/v1/me", token=who.token)
    assert status == 401
    assert server.call("POST", "/api/v1/auth/logout", token=who.token)[0] == 401


def test_idle_timeout(akted, smtp_server):
    server = akted(env={"AKTE_SESSION_IDLE": "2"})
    who = staff(server, smtp_server, "operator")
    for _ in range(3):  # activity keeps it alive
        time.sleep(1)
        assert server.call("GET", "/api/v1/me", token=who.token)[0] == 200
    time.sleep(3.2)
    status, _, body = server.call("GET", "/api/v1/me", token=who.token)
    assert status == 401 and error_code(body) == "session_expired"


def test_absolute_timeout(akted, smtp_server):
    server = akted(env={"AKTE_SESSION_ABSOLUTE": "3"})
    who = staff(server, smtp_server, "operator")
    for _ in range(2):
        time.sleep(1)
        assert server.call("GET", "/api/v1/me", token=who.token)[0] == 200
    time.sleep(1.5)
    assert server.call("GET", "/api/v1/me", token=who.token)[0] == 401


def test_cookie_session_needs_csrf_for_changes(server, smtp_server):
    who = staff(server, smtp_server, "operator", log_in=False)
    confirm_device(server, smtp_server, who)
    status, _, body = _login(server, who)
    assert status == 200
    cookie = {"Cookie": f"__Host-akte={body['token']}"}
    # Reading works with the cookie alone.
    assert server.call("GET", "/api/v1/me", headers=cookie)[0] == 200
    # A change without the header, with a wrong one, and with the right one.
    status, _, res = server.call("POST", "/api/v1/auth/logout", headers=cookie)
    assert status == 403 and error_code(res) == "csrf"
    status, _, res = server.call("POST", "/api/v1/auth/logout",
                                 headers={**cookie, "X-CSRF-Token": "x" * 43})
    assert status == 403
    status, _, res = server.call("POST", "/api/v1/auth/logout",
                                 headers={**cookie, "X-CSRF-Token": body["csrf_token"]})
    assert status == 200


def test_bad_tokens(server):
    for token in ("", "x", "A" * 43, "A" * 5000):
        status, headers, body = server.call("GET", "/api/v1/me",
                                            headers={"Authorization": f"Bearer {token}"})
        assert status in (401, 413, 431) or status == 400, (token[:10], status)
    status, headers, body = server.call("GET", "/api/v1/me")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")


def test_login_input_errors(server):
    call = lambda j: server.call("POST", "/api/v1/auth/login", json=j)
    status, _, body = call({"login": "a@example.org", "password": "x"})
    assert status == 422
    status, _, body = call({"login": "a@example.org", "password": "x", "totp": 123456,
                            "device": "abcdefgh12"})
    assert status == 422 and body["error"]["field"] == "totp"
    status, _, body = call({"login": "a@example.org", "password": "x", "totp": "123456",
                            "device": "short"})
    assert status == 422 and body["error"]["field"] == "device"
    status, _, body = call({"login": "a@example.org", "password": "x", "totp": "123456",
                            "device": "abcdefgh12", "remember": True})
    assert status == 422 and body["error"]["field"] == "remember"


def test_patient_sees_failed_logins_in_own_log(server, smtp_server):
    from people import patient
    op = staff(server, smtp_server, "operator")
    pat = patient(server, smtp_server, op)
    record = server.call("GET", "/api/v1/me", token=pat.token)[2]["records"][0]["id"]
    _login(server, pat, password="Falsches-Passwort-1", code=WRONG,
           headers={"User-Agent": "x"})
    status, _, log = server.call("GET", f"/api/v1/records/{record}/audit?action=auth.login_failed",
                                 token=pat.token)
    assert status == 200, log
    assert len(log["items"]) == 1
    entry = log["items"][0]
    assert entry["outcome"] == "refused" and entry["client"] == "127.0.0.1"
    # The log holds no password.
    assert "Falsches" not in str(log)
