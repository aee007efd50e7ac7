"""akte_client.py — helpers for the integration tests: where the binaries
are, free ports, a small HTTP client that never raises on an error status,
TOTP codes from the real oathtool, reading mails, and the first-login dance
(login, device confirmation mail, confirm, login again).

Only Python's standard library: the tests run under Debian's /usr/bin/python3
with its pytest and aiosmtpd, nothing installed from elsewhere.
"""

import http.client
import json as jsonlib
import os
import re
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
AKTED = os.environ.get("AKTED") or str(REPO_ROOT / "build" / "src" / "server" / "akted")
AKTE_CLI = os.environ.get("AKTE_CLI") or str(REPO_ROOT / "build" / "src" / "cli" / "akte")

HTTP_TIMEOUT = 15  # seconds for one request; a hung server fails the test
TOTP_STEP = 30

# A device confirmation link as the server writes it into a mail.
CONFIRM_LINK_RE = re.compile(r"https?://[^\s<>\"']+/api/v1/devices/confirm\?token=[A-Za-z0-9_\-]+")


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Poll predicate until it returns something truthy; return that value.
    Raises AssertionError after timeout, naming what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# ---- HTTP ----

def call(base_url, method, path, json=None, token=None, headers=None, body=None,
         content_type=None, timeout=HTTP_TIMEOUT):
    """One request to base_url + path. Returns (status, headers, payload) where
    payload is the parsed JSON when the answer is JSON, else the raw bytes.
    Never raises on a 4xx/5xx status (only on a broken connection)."""
    u = urllib.parse.urlsplit(base_url)
    hdrs = {}
    if json is not None:
        body = jsonlib.dumps(json).encode()
        content_type = content_type or "application/json"
    elif isinstance(body, str):
        body = body.encode()
    if content_type:
        hdrs["Content-Type"] = content_type
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    hdrs.update(headers or {})
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        ctype = resp.getheader("Content-Type", "")
        payload = raw
        if raw and "json" in ctype:
            try:
                payload = jsonlib.loads(raw)
            except ValueError:
                payload = raw  # left raw so the test can show what came
        return resp.status, resp.headers, payload
    finally:
        conn.close()


class Api:
    """call() bound to one server's base URL."""

    def __init__(self, base_url):
        self.url = base_url

    def call(self, method, path, json=None, token=None, headers=None, body=None,
             content_type=None, timeout=HTTP_TIMEOUT):
        return call(self.url, method, path, json=json, token=token, headers=headers,
                    body=body, content_type=content_type, timeout=timeout)


def error_code(payload):
    """The "code" of an API error body, or None."""
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return payload["error"].get("code")
    return None


def metric(text, name):
    """The value of a Prometheus sample without labels (or the sum over its
    labelled samples), or None when the metric is absent."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    total = None
    for m in re.finditer(rf"^{re.escape(name)}(\{{[^}}]*\}})?\s+(\S+)", text, re.M):
        total = (total or 0.0) + float(m.group(2))
    return total


# ---- TOTP ----

def _oathtool(secret, at=None):
    cmd = ["oathtool", "--totp", "-b"]
    if at is not None:
        cmd += ["-N", f"@{int(at)}"]
    cmd.append(secret)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=10)
    return out.stdout.strip()


def totp_at(secret, offset_steps=0):
    """The code offset_steps 30-second steps from now (oathtool -N @time)."""
    return _oathtool(secret, time.time() + offset_steps * TOTP_STEP)


_totp_lock = threading.Lock()
_totp_last = {}  # secret -> last step handed out


def totp(secret):
    """A code the server has not seen yet for this secret.

    The server refuses a code whose step is not later than the last one it
    accepted (no replay), and accepts the steps now-1..now+1. So each call
    hands out the next unused step — the previous one (while it is safely
    inside the window), the current one, then the next one — and only when
    all are used it waits for time to move on."""
    with _totp_lock:
        while True:
            now = time.time()
            now_step = int(now) // TOTP_STEP
            # now-1 only early in a step, so it is still valid when it arrives.
            first = now_step - 1 if now - now_step * TOTP_STEP < 20 else now_step
            want = max(first, _totp_last.get(secret, -2) + 1)
            if want <= now_step + 1:
                break
            time.sleep(max(0.1, (want - 1) * TOTP_STEP - time.time() + 0.2))
        _totp_last[secret] = want
        return _oathtool(secret, want * TOTP_STEP + 1)


# ---- mail ----

def mail_text(msg):
    """The text/plain body of an email.message.EmailMessage, decoded."""
    part = msg.get_body(preferencelist=("plain",)) if msg.is_multipart() else msg
    return part.get_content()


def confirm_link(text):
    """The device confirmation link in a mail body (str), or None."""
    m = CONFIRM_LINK_RE.search(text)
    return m.group(0) if m else None


def path_of(link):
    """Path and query of a link, to call it on the test's own server URL."""
    u = urllib.parse.urlsplit(link)
    return u.path + (f"?{u.query}" if u.query else "")


def login(server, login_name, password, secret, device):
    """POST /api/v1/auth/login with a fresh TOTP; returns (status, payload)."""
    status, _, payload = server.call("POST", "/api/v1/auth/login", json={
        "login": login_name, "password": password, "totp": totp(secret),
        "device": device})
    return status, payload


def login_confirmed(server, smtp, login_name, password, secret, device, timeout=15):
    """The whole first login from a new device; returns the session token.

    login -> 403 device_unconfirmed -> the confirmation mail -> GET its link
    -> login again (with the next unused TOTP step)."""
    status, payload = login(server, login_name, password, secret, device)
    if status == 200:
        return payload["token"]  # the device was confirmed before
    assert status == 403 and error_code(payload) == "device_unconfirmed", \
        f"first login: {status} {payload!r}"
    rcpt = login_name.lower()
    mail = smtp.wait_for(
        lambda m: rcpt in [r.lower() for r in m.rcpt_tos] and confirm_link(m.text),
        timeout=timeout)
    link = confirm_link(mail.text)
    status, _, body = server.call("GET", path_of(link))
    assert status < 400, f"confirm link: {status} {body!r}"
    status, payload = login(server, login_name, password, secret, device)
    assert status == 200, f"login after confirmation: {status} {payload!r}"
    assert payload.get("token"), payload
    return payload["token"]
