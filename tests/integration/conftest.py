"""conftest.py — fixtures that start real things for the integration tests:
an SMTP server (aiosmtpd) that collects what akted sends, and akted itself
on a temporary data directory and a free port.

Every fixture cleans up after itself. Most are function-scoped, so tests are
independent and can run in any order; smtp_mod and server_mod are one SMTP
server and one akted for a whole module (test_audit.py, test_authz_matrix.py),
for modules whose tests share a world. Server output goes to a file in the
test's tmp_path (a pipe could fill up and block the server), from where
stderr_text() and log_lines() read it, and a failing start shows it.

Run with Debian's interpreter:  /usr/bin/python3 -m pytest tests/integration
"""

import email
import email.policy
import json
import os
import signal
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from akte_client import AKTED, Api, free_port, mail_text

START_TIMEOUT = 15  # seconds until /healthz answers
STOP_TIMEOUT = 10   # seconds from SIGTERM to exit


# ---- SMTP ----

class ReceivedMail:
    """One message as the SMTP server got it: envelope and parsed content."""

    def __init__(self, envelope):
        self.mail_from = envelope.mail_from
        self.rcpt_tos = list(envelope.rcpt_tos)
        self.raw = envelope.original_content or envelope.content
        self.msg = email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def subject(self):
        return str(self.msg["Subject"] or "")

    @property
    def to(self):
        return str(self.msg["To"] or "")

    @property
    def text(self):
        return mail_text(self.msg)

    def __repr__(self):
        return f"<mail to={self.rcpt_tos} subject={self.subject!r}>"


class SmtpCollector:
    """aiosmtpd handler that keeps every message, and lets a test wait for one."""

    def __init__(self):
        self._cond = threading.Condition()
        self._mails = []
        self.url = None

    async def handle_DATA(self, server, session, envelope):
        mail = ReceivedMail(envelope)
        with self._cond:
            self._mails.append(mail)
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        with self._cond:
            return list(self._mails)

    def wait_for(self, predicate=lambda m: True, timeout=10):
        """The first message for which predicate is true, waiting up to timeout s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self._mails:
                    if predicate(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no matching mail within {timeout} s; got {self._mails!r}")
                self._cond.wait(left)


@contextmanager
def _smtp_collector():
    """An SMTP server on a free port, running until the block ends."""
    collector = SmtpCollector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    collector.url = f"smtp://127.0.0.1:{port}"
    collector.port = port
    try:
        yield collector
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    with _smtp_collector() as collector:
        yield collector


@pytest.fixture(scope="module")
def smtp_mod():
    """smtp_server, but one for the whole module."""
    with _smtp_collector() as collector:
        yield collector


# ---- akted ----

_DEFAULT = object()


def _base_env():
    """The caller's environment without any akte setting of the developer's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AKTE_")}


class Akted:
    """One akted process on its own data directory and port."""

    def __init__(self, data, port, env, args, log_path):
        self.data = Path(data)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.api = Api(self.url)
        self.env = dict(env)
        self.args = list(args)
        self.log_path = log_path
        self.proc = None

    # -- process --

    def start(self):
        assert self.proc is None, "already running"
        if not os.access(AKTED, os.X_OK):
            pytest.fail(f"akted not built at {AKTED} (set AKTED)")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [AKTED, "serve", "--data", str(self.data),
                 "--listen", f"127.0.0.1:{self.port}", *self.args],
                env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                pytest.fail(f"akted exited with {code} while starting:\n{self.stderr_text()}")
            try:
                status, _, _ = self.call("GET", "/healthz", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass  # not listening yet
            if time.monotonic() >= deadline:
                self.kill()
                pytest.fail(f"akted not healthy within {START_TIMEOUT} s:\n{self.stderr_text()}")
            time.sleep(0.05)

    def stop(self):
        """SIGTERM; the server must exit 0 within STOP_TIMEOUT."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"akted did not exit within {STOP_TIMEOUT} s of SIGTERM:\n"
                        f"{self.stderr_text()}")
        assert code == 0, f"akted exited with {code} after SIGTERM:\n{self.stderr_text()}"

    def kill(self):
        """SIGKILL: a crash, for tests of what survives one."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.kill()
        proc.wait()

    def restart(self, env=None, args=None):
        """Stop cleanly and start again on the same data and port; env entries
        given here replace (or, with value None, remove) the current ones."""
        self.stop()
        for k, v in (env or {}).items():
            if v is None:
                self.env.pop(k, None)
            else:
                self.env[k] = str(v)
        if args is not None:
            self.args = list(args)
        return self.start()

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- output --

    def stderr_text(self):
        try:
            return Path(self.log_path).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_lines(self):
        """Every JSON object the server logged (all runs), in order."""
        lines = []
        for line in self.stderr_text().splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    pass
        return lines

    # -- requests and administration --

    def call(self, method, path, **kw):
        return self.api.call(method, path, **kw)

    def admin(self, *args, stdin=None):
        """akted admin --data DIR ARGS…; parsed JSON when --json is given.
        Fails the test when the command fails."""
        r = subprocess.run([AKTED, "admin", "--data", str(self.data), *args],
                           input=stdin, capture_output=True, text=True,
                           env=self.env, timeout=60)
        if r.returncode != 0:
            pytest.fail(f"akted admin {' '.join(args)} exited {r.returncode}:\n"
                        f"{r.stdout}\n{r.stderr}")
        if "--json" in args:
            return json.loads(r.stdout)
        return r.stdout

    def create_org(self, name="Praxis Test", kind="practice"):
        return self.admin("create-org", "--kind", kind, "--name", name, "--json")

    def create_user(self, role, login, password, org=None):
        """Returns {"id", "totp_secret"}."""
        args = ["create-user", "--role", role, "--login", login]
        if org:
            args += ["--org", org]
        return self.admin(*args, "--password-stdin", "--json", stdin=password + "\n")


@pytest.fixture
def akted(request, tmp_path):
    """Factory: akted(env=None, args=(), smtp=<default>, data=None) starts a
    server and returns an Akted. smtp defaults to the smtp_server fixture;
    None leaves AKTE_SMTP_URL unset (mails are spooled); a string is used as
    the URL. Every server started is stopped at the end of the test."""
    started = []

    def start(env=None, args=(), smtp=_DEFAULT, data=None):
        n = len(started)
        data = Path(data) if data else tmp_path / f"data{n}"
        port = free_port()
        full = _base_env()
        full["AKTE_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        if smtp is _DEFAULT:
            smtp = request.getfixturevalue("smtp_server").url
        if smtp is not None:
            full["AKTE_SMTP_URL"] = smtp
        for k, v in (env or {}).items():
            if v is None:
                full.pop(k, None)
            else:
                full[k] = str(v)
        server = Akted(data, port, full, args, tmp_path / f"akted{n}.log")
        started.append(server)
        return server.start()

    yield start
    for server in started:
        _make_go_away(server)


def _make_go_away(server):
    """A test that checks the clean shutdown calls stop() itself; here a
    server is only made to go away, by SIGKILL if SIGTERM is not enough."""
    if server.running:
        proc, server.proc = server.proc, None
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server_mod(request, smtp_mod, tmp_path_factory):
    """One akted for the whole module, sending mail to smtp_mod, on a data
    directory named after the module (test_audit → audit…)."""
    name = request.module.__name__.rpartition(".")[2].removeprefix("test_")
    tmp = tmp_path_factory.mktemp(name)
    port = free_port()
    env = _base_env()
    env["AKTE_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env["AKTE_SMTP_URL"] = smtp_mod.url
    server = Akted(tmp / "data", port, env, [], tmp / "akted.log")
    server.start()
    try:
        yield server
    finally:
        _make_go_away(server)


@pytest.fixture
def api():
    """call(base_url, method, path, …) for tests that talk to a URL directly."""
    from akte_client import call
    return call
