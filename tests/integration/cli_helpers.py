"""cli_helpers.py — running the akte client in tests: a private $HOME and
$XDG_CONFIG_HOME per test, answers on stdin one line each, the one-JSON-
object rule of --json, and a full login of a person through the client
(with the device confirmation mail). Shared by test_cli.py and
test_cli_records.py."""

import json
import os
import subprocess

import pytest

from akte_client import AKTE_CLI, confirm_link, free_port, path_of, totp

CLI_TIMEOUT = 60          # seconds for one client run
LOCAL_PW = "lokales Profilpasswort 7"


@pytest.fixture(autouse=True)
def _cli_built():
    if not os.access(AKTE_CLI, os.X_OK):
        pytest.fail(f"akte not built at {AKTE_CLI} (set AKTE_CLI)")


@pytest.fixture
def cli(tmp_path):
    """run(*args, input=lines, env={...}, cwd=None, binary=False) ->
    CompletedProcess (text unless binary)."""
    home = tmp_path / "home"
    home.mkdir()
    base = {k: v for k, v in os.environ.items() if not k.startswith("AKTE_")}
    base["HOME"] = str(home)
    base["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")

    def run(*args, input=None, env=None, cwd=None, binary=False):
        full = dict(base)
        full.update(env or {})
        if isinstance(input, (list, tuple)):
            input = "".join(f"{line}\n" for line in input)
        input = input or ""
        if binary:
            input = input.encode()
        return subprocess.run([AKTE_CLI, *args], input=input,
                              capture_output=True, text=not binary, env=full,
                              cwd=cwd, timeout=CLI_TIMEOUT)

    run.env = base
    run.profile_dir = tmp_path / "xdg" / "akte"
    return run


def unused_url():
    """A URL nobody listens on (a port that was free a moment ago)."""
    return f"http://127.0.0.1:{free_port()}"


def one_json(stdout):
    """stdout must be exactly one JSON object on one line."""
    lines = [l for l in stdout.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one JSON line, got {stdout!r}"
    obj = json.loads(lines[0])
    assert isinstance(obj, dict), obj
    return obj


def cli_login(cli, server, smtp, person, profile):
    """Log person (people.Person, not yet logged in from person.device) in
    through the client into profile: the first login is held until the
    emailed link is opened, the second one gets the token. The profile's
    local password is LOCAL_PW (use profile_env() afterwards)."""
    env = {"AKTE_PROFILE_PASSWORD": LOCAL_PW}
    args = ("--server", server.url, "--profile", profile, "login",
            "--device", person.device)
    r = cli(*args, input=[person.login, person.password, totp(person.secret)], env=env)
    if r.returncode != 0:
        assert "confirmation email" in r.stderr, r
        rcpt = person.login.lower()
        mail = smtp.wait_for(lambda m: rcpt in [t.lower() for t in m.rcpt_tos]
                             and confirm_link(m.text))
        status, _, body = server.call("GET", path_of(confirm_link(mail.text)))
        assert status < 400, f"{status} {body!r}"
        r = cli(*args, input=[person.login, person.password, totp(person.secret)],
                env=env)
    assert r.returncode == 0, r
    return env
