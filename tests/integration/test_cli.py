"""test_cli.py — the akte command-line client against a real akted.

The client runs as a subprocess with its own $XDG_CONFIG_HOME and $HOME in
the test's tmp_path, so no developer profile is read or touched. Answers go
in on stdin, one line each (the client reads lines when stdin is not a
terminal); the local profile password goes in the same way, except where a
test says it uses AKTE_PROFILE_PASSWORD.

Without a server: usage errors (exit 2), an unreachable server (exit 1 and
a clear message), profile files (modes, sealing, a wrong local password, a
file renamed to another profile's name). With akted and a real SMTP server:
activate (a refused password, the QR code, the first TOTP code) -> login
from a new device (held until the emailed link is opened) -> login ->
whoami -> logout, and a session that ended on the server while its token
was still in the profile.
"""

import os
import re
import secrets
import shutil
import stat
import subprocess
import threading

import pytest

from akte_client import (AKTE_CLI, confirm_link, login_confirmed, path_of,
                         totp)
from cli_helpers import (CLI_TIMEOUT, LOCAL_PW, _cli_built, cli,  # noqa: F401
                         one_json, unused_url)

PATIENT_PW = "Wanderdüne am Darß 2024 und Sanddorn"
OPERATOR_PW = "Schalterdienst mit Ausweisprüfung 11"
MAGIC = b"AKTEPRF1"


def make_profile(cli, name="default"):
    """A profile made by a login attempt at an unreachable server: the
    profile (and its device id) is kept although the login failed."""
    r = cli("--server", unused_url(), "--profile", name, "login",
            input=[LOCAL_PW, LOCAL_PW, "nobody@example.org", "pw", "123456"])
    assert r.returncode == 1, r
    assert "cannot reach the server" in r.stderr, r.stderr
    path = cli.profile_dir / f"{name}.profile"
    assert path.exists(), list(cli.profile_dir.iterdir())
    return path


# ---- usage ----

@pytest.mark.parametrize("args", [
    [],                              # no verb
    ["frobnicate"],                  # unknown verb
    ["--frobnicate", "whoami"],      # unknown option
    ["whoami", "--server"],          # option without its value
    ["activate"],                    # missing code
    ["activate", "A", "B"],          # one code too many
    ["whoami", "extra"],
    ["profiles"],
    ["profiles", "mv"],
    ["profiles", "rm"],
    ["whoami", "--device", "x"],     # --device belongs to login
    ["--profile", "../etc", "whoami"],
    ["--profile", ".hidden", "whoami"],
])
def test_usage_errors_exit_2(cli, args):
    r = cli(*args)
    assert r.returncode == 2, r
    assert "usage: akte" in r.stderr, r.stderr
    assert r.stdout == "", r.stdout


def test_usage_error_under_json_is_one_object(cli):
    r = cli("--json", "frobnicate")
    assert r.returncode == 2
    obj = one_json(r.stdout)
    assert obj["error"]["code"] == "usage"
    assert "frobnicate" in obj["error"]["message"]
    assert "usage: akte" in r.stderr


def test_help_exits_0(cli):
    r = cli("--help")
    assert r.returncode == 0, r
    assert "usage: akte" in r.stdout
    assert "AKTE_PROFILE_PASSWORD" in r.stdout  # documented, with its risk


# ---- no server ----

def test_unreachable_server(cli):
    url = unused_url()
    r = cli("--server", url, "activate", "7KQ2-M9XD-4HRT-0VJW-C3NP",
            input=[PATIENT_PW, PATIENT_PW])
    assert r.returncode == 1, r
    assert f"cannot reach the server at {url}" in r.stderr, r.stderr

    r = cli("--json", "--server", url, "activate", "7KQ2-M9XD-4HRT-0VJW-C3NP",
            input=[PATIENT_PW, PATIENT_PW])
    assert r.returncode == 1, r
    err = one_json(r.stdout)["error"]
    assert err["code"] == "unreachable"
    assert f"cannot reach the server at {url}" in err["message"]


def test_server_url_from_environment(cli):
    url = unused_url()
    r = cli("activate", "7KQ2-M9XD-4HRT-0VJW-C3NP",
            input=[PATIENT_PW, PATIENT_PW], env={"AKTE_SERVER": url})
    assert r.returncode == 1, r
    assert f"cannot reach the server at {url}" in r.stderr, r.stderr


def test_bad_server_url_is_refused(cli):
    r = cli("--server", "ftp://127.0.0.1/", "activate", "X",
            input=[PATIENT_PW, PATIENT_PW])
    assert r.returncode == 1, r
    assert "https://" in r.stderr, r.stderr


def test_mismatched_passwords_are_refused_before_any_request(cli):
    r = cli("--server", unused_url(), "activate", "X",
            input=[PATIENT_PW, PATIENT_PW + "x"])
    assert r.returncode == 1, r
    assert "differ" in r.stderr, r.stderr


# ---- profiles ----

def test_profile_files_are_private_and_sealed(cli):
    path = make_profile(cli)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.profile_dir.stat().st_mode) == 0o700
    data = path.read_bytes()
    assert data.startswith(MAGIC)
    for clear in (b"server", b"device", b"127.0.0.1", b"version"):
        assert clear not in data[len(MAGIC):], clear
    # No temporary file is left beside it.
    assert [p.name for p in cli.profile_dir.iterdir()] == ["default.profile"]


def test_profile_dir_is_tightened(cli):
    cli.profile_dir.mkdir(parents=True)
    os.chmod(cli.profile_dir, 0o755)
    make_profile(cli)
    assert stat.S_IMODE(cli.profile_dir.stat().st_mode) == 0o700


def test_profiles_ls_and_rm(cli):
    r = cli("profiles", "ls")
    assert r.returncode == 0 and r.stdout == "", r
    assert one_json(cli("--json", "profiles", "ls").stdout) == {"profiles": []}

    make_profile(cli, "work")
    make_profile(cli, "anna")
    r = cli("profiles", "ls")  # no password asked: stdin is empty
    assert r.returncode == 0, r
    assert r.stdout.split() == ["anna", "work"]
    assert one_json(cli("--json", "profiles", "ls").stdout) == {
        "profiles": ["anna", "work"]}

    r = cli("--json", "profiles", "rm", "work")
    assert r.returncode == 0, r
    assert one_json(r.stdout) == {"removed": "work"}
    assert not (cli.profile_dir / "work.profile").exists()
    assert cli("profiles", "ls").stdout.split() == ["anna"]

    r = cli("profiles", "rm", "work")
    assert r.returncode == 1, r
    r = cli("--json", "profiles", "rm", "work")
    assert one_json(r.stdout)["error"]["code"] == "no_profile"


def test_wrong_local_password_is_refused(cli):
    make_profile(cli)
    r = cli("whoami", input=["not the password"])
    assert r.returncode == 1, r
    assert "wrong local password" in r.stderr, r.stderr
    r = cli("--json", "whoami", env={"AKTE_PROFILE_PASSWORD": "still wrong"})
    assert one_json(r.stdout)["error"]["code"] == "wrong_password"
    # The right one opens it (and finds no session yet).
    r = cli("whoami", input=[LOCAL_PW])
    assert r.returncode == 1, r
    assert "not logged in" in r.stderr, r.stderr
    r = cli("whoami", env={"AKTE_PROFILE_PASSWORD": LOCAL_PW})
    assert "not logged in" in r.stderr, r.stderr


def test_renamed_profile_does_not_open(cli):
    """The name is bound into the seal: a file copied over another
    profile's name is refused even with the right password."""
    path = make_profile(cli, "anna")
    shutil.copy(path, cli.profile_dir / "ben.profile")
    r = cli("--profile", "ben", "whoami", input=[LOCAL_PW])
    assert r.returncode == 1, r
    assert "wrong local password" in r.stderr, r.stderr


def test_new_profile_needs_matching_long_password(cli):
    url = unused_url()
    r = cli("--server", url, "login", input=[LOCAL_PW, LOCAL_PW + "!"])
    assert r.returncode == 1 and "differ" in r.stderr, r
    r = cli("--server", url, "login", input=["kurz", "kurz"])
    assert r.returncode == 1 and "at least" in r.stderr, r
    assert not cli.profile_dir.exists() or not list(cli.profile_dir.iterdir())


def test_missing_profile(cli):
    r = cli("whoami")
    assert r.returncode == 1, r
    assert "no profile default" in r.stderr, r.stderr


# ---- with akted ----

def new_patient(srv, smtp):
    """An operator account logs in and registers a patient; returns the
    patient's email and activation code."""
    op_login = f"op.{secrets.token_hex(4)}@example.org"
    op = srv.create_user("operator", op_login, OPERATOR_PW)
    token = login_confirmed(srv, smtp, op_login, OPERATOR_PW,
                            op["totp_secret"], "operator desk")
    email = f"pat.{secrets.token_hex(4)}@example.org"
    status, _, body = srv.call("POST", "/api/v1/patients", token=token, json={
        "name": "Erika Mustermann", "birth_date": "1964-08-12",
        "sex": "female", "kvnr": "A123456780", "email": email})
    assert status == 201, f"{status} {body!r}"
    assert body.get("activation_code"), body
    return email, body["activation_code"]


def activate(cli, url, code):
    """Run `akte activate` as a person would: passwords, then read the key
    shown, then type the code the app would show. Returns (rc, stdout,
    stderr, secret). A timer kills the client if it hangs."""
    proc = subprocess.Popen(
        [AKTE_CLI, "--server", url, "activate", code], env=cli.env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    watchdog = threading.Timer(CLI_TIMEOUT, proc.kill)
    watchdog.start()
    try:
        proc.stdin.write(f"{PATIENT_PW}\n{PATIENT_PW}\n")
        proc.stdin.flush()
        seen, secret = [], None
        # The client flushes stdout before it waits for the code.
        for line in proc.stdout:
            seen.append(line)
            m = re.search(r"key into the app: ([A-Z2-7 ]+)$", line.rstrip("\n"))
            if m:
                secret = m.group(1).replace(" ", "")
                break
        answer = totp(secret) + "\n" if secret else ""
        out, err = proc.communicate(input=answer)
        return proc.returncode, "".join(seen) + out, err, secret
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_activate_login_whoami_logout(cli, akted, smtp_server):
    srv = akted()
    email, code = new_patient(srv, smtp_server)

    # Refusals carry the server's reason.
    r = cli("--server", srv.url, "activate", "0000-0000-0000-0000-0000",
            input=[PATIENT_PW, PATIENT_PW])
    assert r.returncode == 1 and r.stderr.startswith("akte: "), r
    r = cli("--json", "--server", srv.url, "activate", code,
            input=["kurz", "kurz"])
    assert r.returncode == 1, r
    err = one_json(r.stdout)["error"]
    assert err.get("field") == "password", err
    assert "refused this password" in err["message"], err

    # Activation: QR code, key in groups, first code.
    rc, out, err, secret = activate(cli, srv.url, code)
    assert rc == 0, f"{out}\n{err}"
    assert re.search("[\u2580\u2584\u2588]", out), out  # half blocks: the QR
    assert "Your account is active" in out, out
    assert "akte login" in out

    # First login from this machine: held until the device is confirmed.
    device = "cli-" + secrets.token_hex(8)
    r = cli("--server", srv.url, "login", "--device", device,
            input=[LOCAL_PW, LOCAL_PW, email, PATIENT_PW, totp(secret)])
    assert r.returncode == 1, r
    assert "confirmation email" in r.stderr, r.stderr
    mail = smtp_server.wait_for(
        lambda m: email in [t.lower() for t in m.rcpt_tos] and confirm_link(m.text))
    status, _, body = srv.call("GET", path_of(confirm_link(mail.text)))
    assert status < 400, f"{status} {body!r}"

    # Second login: the profile remembers server, device and login (an
    # empty answer takes the remembered login).
    r = cli("--json", "login", input=[LOCAL_PW, "", PATIENT_PW, totp(secret)])
    assert r.returncode == 0, r
    obj = one_json(r.stdout)
    assert obj["login"] == email and obj["profile"] == "default", obj
    assert "token" not in obj

    path = cli.profile_dir / "default.profile"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert data.startswith(MAGIC)
    for clear in (email.encode(), device.encode(), b"token", b"Bearer"):
        assert clear not in data, clear

    r = cli("--json", "whoami", env={"AKTE_PROFILE_PASSWORD": LOCAL_PW})
    assert r.returncode == 0, r
    me = one_json(r.stdout)
    assert me["login"] == email and me["role"] == "patient", me
    assert len(me["records"]) == 1, me
    r = cli("whoami", input=[LOCAL_PW])
    assert r.returncode == 0, r
    assert email in r.stdout and "patient" in r.stdout, r.stdout

    # A copy of the logged-in profile, to bring back a dead token below.
    saved = path.read_bytes()

    r = cli("logout", input=[LOCAL_PW])
    assert r.returncode == 0, r
    r = cli("whoami", input=[LOCAL_PW])
    assert r.returncode == 1 and "not logged in" in r.stderr, r

    # The server ended that session: the token still in the old copy is
    # refused, reported as the end of the session, and dropped.
    path.write_bytes(saved)
    r = cli("whoami", input=[LOCAL_PW])
    assert r.returncode == 1, r
    assert "your session has ended; run akte login" in r.stderr, r.stderr
    r = cli("--json", "whoami", input=[LOCAL_PW])
    assert r.returncode == 1, r
    assert one_json(r.stdout)["error"]["code"] == "not_logged_in"


def test_login_refusals(cli, akted, smtp_server):
    srv = akted(env={"AKTE_LOGIN_MAX_FAILURES": 2, "AKTE_LOGIN_WINDOW": 600})
    email, code = new_patient(srv, smtp_server)
    rc, out, err, secret = activate(cli, srv.url, code)
    assert rc == 0, f"{out}\n{err}"
    env = {"AKTE_PROFILE_PASSWORD": LOCAL_PW}

    r = cli("--server", srv.url, "login", input=[email, "wrong password", "000000"],
            env=env)
    assert r.returncode == 1, r
    assert "login, password or code wrong" in r.stderr, r.stderr

    r = cli("--json", "login", input=[email, "wrong password", "000000"], env=env)
    assert r.returncode == 1, r
    assert one_json(r.stdout)["error"]["code"], r.stdout

    # The account is locked now: said so, with the time to wait.
    r = cli("--json", "login", input=[email, PATIENT_PW, totp(secret)], env=env)
    assert r.returncode == 1, r
    err = one_json(r.stdout)["error"]
    assert err["code"] == "locked" or "locked" in err["message"], err
    assert 0 < err.get("retry_after", 0) <= 600, err
    r = cli("login", input=[email, PATIENT_PW, "000000"], env=env)
    assert r.returncode == 1, r
    assert re.search(r"locked; try again in \d+ minutes?", r.stderr), r.stderr
