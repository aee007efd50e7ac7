"""test_cli_records.py — the client's record verbs against a real akted:
docs (streamed put and get with SHA-256 check, ls, hide, unhide, rm),
records (provider staff), grants, reps and audit.

Every person logs in through the client itself (cli_helpers.cli_login), so
the profile holds a real session. Routes the server does not have yet are
skipped, told apart by the router's own answer for unknown paths (404
not_found "no such resource"), never by a guess."""

import hashlib
import os

import pytest

from cli_helpers import _cli_built, cli, cli_login, one_json  # noqa: F401
from people import patient, staff, unique

BIG = 3 * 1024 * 1024 + 12345  # over the progress bar's 1 MiB, not round


def route_exists(server, method, path, token):
    status, _, body = server.call(method, path, token=token)
    err = body.get("error", {}) if isinstance(body, dict) else {}
    return not (status == 404 and err.get("code") == "not_found"
                and err.get("message") == "no such resource")


def need_route(server, method, path, token):
    if not route_exists(server, method, path, token):
        pytest.skip(f"the server has no {method} {path} yet")


@pytest.fixture
def world(akted, smtp_server, cli):
    """A server, an operator, a patient logged in through the client in
    profile "pat" (their record id in pat.record)."""
    server = akted()
    op = staff(server, smtp_server, "operator")
    pat = patient(server, smtp_server, op, log_in=False)
    pat.device = unique("cli-device-")
    env = cli_login(cli, server, smtp_server, pat, "pat")
    r = cli("--json", "--profile", "pat", "whoami", env=env)
    me = one_json(r.stdout)
    pat.record = me["records"][0]["id"]

    def run(*args, profile="pat", **kw):
        return cli("--profile", profile, *args, env=env, **kw)

    return server, op, pat, run, env


# ---- usage ----

@pytest.mark.parametrize("args", [
    ["docs"],
    ["docs", "frob"],
    ["docs", "ls", "extra"],
    ["docs", "ls", "--limit", "0"],
    ["docs", "ls", "--limit", "x"],
    ["docs", "ls", "--title", "T"],
    ["docs", "ls", "--category", "a", "--category", "b"],
    ["docs", "put"],
    ["docs", "put", "f.pdf"],                       # category is required
    ["docs", "put", "f.pdf", "g.pdf", "--category", "befund"],
    ["docs", "put", "f.pdf", "--category", "befund", "--force"],
    ["docs", "get"],
    ["docs", "get", "a", "b"],
    ["docs", "get", "../etc"],
    ["docs", "get", "abc", "--days", "3"],
    ["--json", "docs", "get", "abc", "-o", "-"],   # both want stdout
    ["docs", "hide"],
    ["docs", "rm", "a/b"],
    ["docs", "ls", "--record", "../x"],
    ["records", "extra"],
    ["grants"],
    ["grants", "mv"],
    ["grants", "add"],
    ["grants", "add", "org", "--days", "0"],
    ["grants", "add", "org", "--days", "541"],
    ["grants", "ls", "--days", "3"],
    ["grants", "rm"],
    ["reps"],
    ["reps", "add"],
    ["reps", "accept"],
    ["reps", "rm", "a", "b"],
    ["audit", "extra"],
    ["audit", "--limit", "500"],
    ["audit", "--verify", "--action", "document.read"],
    ["whoami", "--record", "abc"],
    ["login", "--category", "befund"],
])
def test_record_verbs_usage_errors_exit_2(cli, args):
    r = cli(*args)
    assert r.returncode == 2, r
    assert "usage: akte" in r.stderr, r.stderr
    assert r.stdout == "" or args[0] == "--json", r.stdout


def test_usage_error_names_the_option(cli):
    r = cli("--json", "docs", "ls", "--title", "x")
    assert r.returncode == 2
    err = one_json(r.stdout)["error"]
    assert err["code"] == "usage" and "--title" in err["message"], err
    r = cli("docs", "put", "befund.pdf")
    assert "--category" in r.stderr, r.stderr


# ---- documents ----

def test_docs_put_ls_get_round_trip(world, tmp_path):
    server, _, pat, run, _ = world
    need_route(server, "GET", f"/api/v1/records/{pat.record}/documents", None)
    data = b"%PDF-1.4\n" + os.urandom(BIG) + b"\n%%EOF\n"
    src = tmp_path / "Befund MRT Knie.pdf"
    src.write_bytes(data)
    want = hashlib.sha256(data).hexdigest()

    r = run("--json", "docs", "put", str(src), "--category", "befund",
            "--date", "2026-03-03")
    assert r.returncode == 0, r
    doc = one_json(r.stdout)
    assert doc["sha256"] == want and doc["size"] == len(data), doc
    assert doc["title"] == "Befund MRT Knie" and doc["category"] == "befund"
    assert doc["content_type"] == "application/pdf"
    assert doc["filename"] == "Befund MRT Knie.pdf" and doc["date"] == "2026-03-03"
    assert "\r" not in r.stderr  # no progress bar when stderr is no terminal

    r = run("docs", "put", str(src), "--category", "laborbefund", "--title", "Blutbild")
    assert r.returncode == 0, r
    assert "Uploaded 'Blutbild'" in r.stdout, r.stdout

    # The table: a heading, one row each, aligned columns.
    r = run("docs", "ls")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "DATE", "CATEGORY", "TITLE", "SIZE", "AUTHOR"]
    assert len(lines) == 3, lines
    row = next(l for l in lines if doc["id"] in l)
    assert "2026-03-03" in row and "Befund MRT Knie" in row and "3.2 MB" in row
    assert pat.login in row
    col = lines[0].index("TITLE")
    assert all(l[col - 2:col] == "  " for l in lines), lines
    r = run("--json", "docs", "ls", "--category", "befund")
    assert [d["id"] for d in one_json(r.stdout)["items"]] == [doc["id"]]
    r = run("--json", "docs", "ls", "--query", "Blutbild", "--limit", "5")
    items = one_json(r.stdout)["items"]
    assert [d["title"] for d in items] == ["Blutbild"], items

    # Download under the server's file name, in the current directory.
    out = tmp_path / "out"
    out.mkdir()
    r = run("docs", "get", doc["id"], cwd=out)
    assert r.returncode == 0, r
    got = out / "Befund MRT Knie.pdf"
    assert hashlib.sha256(got.read_bytes()).hexdigest() == want
    assert "SHA-256 checked" in r.stdout
    assert sorted(p.name for p in out.iterdir()) == [got.name]  # no temp left

    # An existing file is not replaced without --force.
    got.write_bytes(b"mine")
    r = run("docs", "get", doc["id"], cwd=out)
    assert r.returncode == 1, r
    assert "exists" in r.stderr and "--force" in r.stderr, r.stderr
    assert got.read_bytes() == b"mine"
    r = run("docs", "get", doc["id"], "-o", str(got))
    assert r.returncode == 1 and got.read_bytes() == b"mine", r
    r = run("--json", "docs", "get", doc["id"], "--force", cwd=out)
    assert r.returncode == 0, r
    assert one_json(r.stdout)["saved"] == got.name
    assert hashlib.sha256(got.read_bytes()).hexdigest() == want
    assert sorted(p.name for p in out.iterdir()) == [got.name]

    # -o FILE elsewhere, and -o - to stdout.
    r = run("docs", "get", doc["id"], "-o", str(tmp_path / "copy.pdf"))
    assert r.returncode == 0, r
    assert (tmp_path / "copy.pdf").read_bytes() == data
    r = run("docs", "get", doc["id"], "-o", "-", binary=True)
    assert r.returncode == 0, r
    assert r.stdout == data

    # Unknown ids: exit 1, said so, nothing written.
    r = run("docs", "get", "0" * 26, cwd=out)
    assert r.returncode == 1, r
    assert "not found or not visible to you" in r.stderr, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [got.name]


def test_docs_put_refusals(world, tmp_path):
    server, _, pat, run, _ = world
    r = run("docs", "put", str(tmp_path / "missing.pdf"), "--category", "befund")
    assert r.returncode == 1 and "cannot open" in r.stderr, r
    f = tmp_path / "notiz.txt"
    f.write_text("Hallo")
    r = run("--json", "docs", "put", str(f), "--category", "tagebuch")
    assert r.returncode == 1, r
    assert one_json(r.stdout)["error"].get("field") == "category"
    # The declared type must match the bytes: a text claimed as PDF.
    r = run("docs", "put", str(f), "--category", "befund", "--type", "application/pdf")
    assert r.returncode == 1, r


def test_docs_hide_unhide_rm(world, tmp_path):
    server, _, pat, run, _ = world
    f = tmp_path / "impfpass.png"
    f.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    r = run("--json", "docs", "put", str(f), "--category", "impfdokumentation")
    assert r.returncode == 0, r
    doc = one_json(r.stdout)
    assert doc["content_type"] == "image/png" and doc["title"] == "impfpass"

    r = run("docs", "hide", doc["id"])
    assert r.returncode == 0 and "hidden" in r.stdout, r
    r = run("--json", "docs", "ls")
    assert [d["hidden"] for d in one_json(r.stdout)["items"]] == [True]
    r = run("docs", "ls")
    assert "[hidden]" in r.stdout, r.stdout
    r = run("--json", "docs", "unhide", doc["id"])
    assert r.returncode == 0, r
    assert one_json(r.stdout)["hidden"] is False

    r = run("--json", "docs", "rm", doc["id"])
    assert r.returncode == 0, r
    assert one_json(r.stdout) == {"ok": True}
    for verb in ("get", "hide", "rm"):
        r = run("docs", verb, doc["id"], cwd=tmp_path)
        assert r.returncode == 1, r
        assert "not found or not visible to you" in r.stderr, r.stderr
    r = run("--json", "docs", "ls")
    assert one_json(r.stdout)["items"] == []


# ---- grants and records ----

def test_grants_and_provider_records(world, smtp_server, cli, tmp_path):
    server, _, pat, run, env = world
    need_route(server, "GET", f"/api/v1/records/{pat.record}/grants", None)
    org = server.create_org("Praxis Dr. Weber", "practice")
    doctor = staff(server, smtp_server, "provider", org=org["id"], log_in=False)
    doctor.device = unique("cli-device-")
    cli_login(cli, server, smtp_server, doctor, "doc")

    r = run("grants", "ls")
    assert r.returncode == 0 and r.stdout == "", r
    r = run("--json", "grants", "add", org["id"], "--days", "10",
            "--category", "befund,laborbefund", "--category", "arztbrief")
    assert r.returncode == 0, r
    g = one_json(r.stdout)
    assert sorted(g["categories"]) == ["arztbrief", "befund", "laborbefund"], g
    assert g["active"] is True and g["org"]["id"] == org["id"]
    r = run("grants", "ls")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "ORGANISATION", "UNTIL", "CATEGORIES", "ACTIVE"]
    assert "Praxis Dr. Weber" in lines[1] and lines[1].rstrip().endswith("yes"), lines
    assert g["expires_at"][:10] in lines[1]

    # The practice's staff see the record, and must name it for docs.
    r = run("--json", "records", profile="doc")
    assert r.returncode == 0, r
    assert [it["id"] for it in one_json(r.stdout)["items"]] == [pat.record]
    r = run("records", profile="doc")
    assert pat.record in r.stdout and "Erika" in r.stdout, r.stdout
    r = run("docs", "ls", profile="doc")
    assert r.returncode == 1 and "--record" in r.stderr, r
    letter = tmp_path / "brief.txt"
    letter.write_text("Arztbrief: Kniegelenk, Verlaufskontrolle\n")
    r = run("--json", "docs", "put", str(letter), "--record", pat.record,
            "--category", "arztbrief", "--title", "Arztbrief Knie", profile="doc")
    assert r.returncode == 0, r
    assert one_json(r.stdout)["author"]["capacity"] == "provider"
    r = run("docs", "ls", "--record", pat.record, profile="doc")
    assert r.returncode == 0 and "Praxis Dr. Weber" in r.stdout, r

    r = run("grants", "rm", g["id"])
    assert r.returncode == 0, r
    r = run("--json", "grants", "ls")
    assert one_json(r.stdout)["items"][0]["active"] is False
    r = run("docs", "ls", "--record", pat.record, profile="doc")
    assert r.returncode == 1, r
    assert "not found or not visible to you" in r.stderr, r.stderr


# ---- representatives ----

def test_reps_add_ls_accept(world, smtp_server, cli):
    server, op, pat, run, env = world
    need_route(server, "GET", f"/api/v1/records/{pat.record}/representatives", None)
    other = patient(server, smtp_server, op, log_in=False)
    other.device = unique("cli-device-")
    cli_login(cli, server, smtp_server, other, "rep")

    r = run("--json", "reps", "add", other.login)
    assert r.returncode == 0, r
    rep = one_json(r.stdout)
    assert rep["status"] == "pending" and rep["representative"]["login"] == other.login
    r = run("reps", "ls")
    assert r.returncode == 0, r
    assert other.login in r.stdout and "pending" in r.stdout, r.stdout
    r = run("reps", "add", other.login)
    assert r.returncode == 1, r  # named already

    # The named account sees the invitation and accepts it.
    r = run("--json", "reps", "ls", profile="rep")
    assert r.returncode == 0, r
    mine = one_json(r.stdout)["representations"]
    assert [m["id"] for m in mine] == [rep["id"]], mine
    r = run("reps", "accept", rep["id"], profile="rep")
    assert r.returncode == 0, r
    r = run("--json", "reps", "ls")
    assert one_json(r.stdout)["items"][0]["status"] == "active"
    # Own record first: the representative's docs still go to their own.
    r = run("--json", "whoami", profile="rep")
    caps = [x["capacity"] for x in one_json(r.stdout)["records"]]
    assert caps == ["patient", "representative"], caps
    r = run("--json", "docs", "ls", "--record", pat.record, profile="rep")
    assert r.returncode == 0, r

    r = run("reps", "rm", rep["id"])
    assert r.returncode == 0, r
    r = run("docs", "ls", "--record", pat.record, profile="rep")
    assert r.returncode == 1, r


# ---- audit ----

def test_audit_lines_filter_and_verify(world, tmp_path):
    server, _, pat, run, _ = world
    need_route(server, "GET", f"/api/v1/records/{pat.record}/audit", None)
    f = tmp_path / "Befund MRT Knie.pdf"
    f.write_bytes(b"%PDF-1.4\n" + os.urandom(1000))
    r = run("--json", "docs", "put", str(f), "--category", "befund")
    assert r.returncode == 0, r
    doc = one_json(r.stdout)
    assert run("docs", "get", doc["id"], cwd=tmp_path).returncode == 1  # exists

    r = run("audit")
    assert r.returncode == 0, r
    line = next(l for l in r.stdout.splitlines() if "document.create" in l)
    assert "'Befund MRT Knie'" in line and line.rstrip().endswith("allowed"), line
    assert "(patient)" in line, line
    assert line[:4].isdigit() and line[4] == "-" and line[13] == ":", line

    r = run("--json", "audit", "--action", "document.create", "--limit", "5")
    assert r.returncode == 0, r
    items = one_json(r.stdout)["items"]
    assert items and {i["action"] for i in items} == {"document.create"}, items

    r = run("audit", "--verify")
    assert r.returncode == 0, r
    assert "intact" in r.stdout, r.stdout
    r = run("--json", "audit", "--verify")
    v = one_json(r.stdout)
    assert v["ok"] is True and v["entries"] > 0, v
