"""The authorization matrix of the patient record API (issue 3): every route
under /api/v1/records, /api/v1/documents, /api/v1/grants and
/api/v1/representations × every kind of caller × own, foreign and guessed
objects, each cell a real request whose status is checked against the
table below (docs/api-records.md, src/domain/policy.c).

The routes are read from src/api/routes.c when the test runs, and
test_matrix_covers_every_record_route fails for a route that is in the table
of the server but not in MATRIX (or the other way round): adding a route
without deciding who may call it fails the suite.

Each refused or allowed call on an existing record must also have left
exactly one audit entry by that caller with the route's action and the
right outcome in that record's log (read through the patient's own
GET …/audit?actor=&action=).

One server and one world for the whole module; cells that change state work
on throwaway objects made for them (and put back what they took), so every
cell can run alone or in any order."""

import re
import secrets
import sqlite3
import subprocess
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from akte_client import REPO_ROOT
from people import patient, staff

ROUTES_C = REPO_ROOT / "src" / "api" / "routes.c"
ROUTE_RE = re.compile(r'\{\s*"([A-Z]+)"\s*,\s*"(/[^"]*)"')
SCOPE = ("/api/v1/records", "/api/v1/documents", "/api/v1/grants", "/api/v1/representations")

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
GRANTED = ["befund", "laborbefund"]   # the categories of G's grant
IN_GRANT, OUTSIDE_GRANT = "befund", "rechnung"


def record_routes():
    """(METHOD, PATTERN) of every route of this issue in src/api/routes.c."""
    return {(m, p) for m, p in ROUTE_RE.findall(ROUTES_C.read_text()) if p.startswith(SCOPE)}


# ---- the matrix ----

# The callers. "none" sends no session.
ACTORS = [
    "patient",        # P, owner of record R
    "rep",            # A, active representative on R
    "stepped_down",   # B, was a representative on R and stepped down
    "staff_granted",  # staff of org G: live grant on R limited to GRANTED
    "staff_other",    # staff of org H: no grant
    "staff_revoked",  # staff of org V: its grant on R was revoked
    "staff_expired",  # staff of org X: its grant on R ran out
    "other_patient",  # Q, owner of record RQ (the "foreign" objects)
    "operator",
    "admin",
    "none",
]
HOLDERS = ("patient", "rep")
STAFF = ("staff_granted", "staff_other", "staff_revoked", "staff_expired")


def cells(default=404, **over):
    """One status per actor: default for everyone with a session, 401 without
    one, and the exceptions given. None marks a cell that cannot exist
    (e.g. "the caller's own representation" for staff)."""
    row = {a: default for a in ACTORS}
    row["none"] = 401
    for k, v in over.items():
        assert k in row, k
        row[k] = v
    return row


# Object kinds:
#   own        R's record / a document of R that G may see (befund, not hidden,
#              added by P) / a grant, representation of R
#   hidden     a document of R the patient hid
#   outcat     a document of R (or, for the upload, a new one) in a category
#              outside G's grant
#   staffdoc   a document of R that staff of G added
#   orggrant   the live grant of R to G itself
#   self       the caller's own representation (n/a for those who have none)
#   foreign    RQ's record / document / grant / representation (Q's own)
#   guess      well-formed random ids
#   guess_obj  R with a random representation id
#   -          the route takes no id
_DOC_READ = {
    "own": cells(patient=200, rep=200, staff_granted=200),
    "hidden": cells(patient=200, rep=200),
    "outcat": cells(patient=200, rep=200),
    "staffdoc": cells(patient=200, rep=200, staff_granted=200),
    "foreign": cells(other_patient=200),
    "guess": cells(),
}
# Changing a document: holders always; G only what G added. A document G
# may see but did not add is known to G, so that refusal is 403 (it reveals
# nothing), the invisible ones 404.
_DOC_CHANGE = {
    "own": cells(patient=200, rep=200, staff_granted=403),
    "hidden": cells(patient=200, rep=200),
    "outcat": cells(patient=200, rep=200),
    "staffdoc": cells(patient=200, rep=200, staff_granted=200),
    "foreign": cells(other_patient=200),
    "guess": cells(),
}
_HOLDERS_ONLY = {
    "own": cells(patient=200, rep=200),
    "foreign": cells(other_patient=200),
    "guess": cells(),
}

MATRIX = {
    ("GET", "/api/v1/records/{}/documents"): {
        "own": cells(patient=200, rep=200, staff_granted=200),
        "foreign": cells(other_patient=200),
        "guess": cells(),
    },
    ("POST", "/api/v1/records/{}/documents"): {
        "own": cells(patient=201, rep=201, staff_granted=201),
        "outcat": cells(patient=201, rep=201),
        "foreign": cells(other_patient=201),
        "guess": cells(),
    },
    ("GET", "/api/v1/documents/{}"): _DOC_READ,
    ("GET", "/api/v1/documents/{}/content"): _DOC_READ,
    ("PATCH", "/api/v1/documents/{}"): _DOC_CHANGE,
    ("DELETE", "/api/v1/documents/{}"): _DOC_CHANGE,
    ("GET", "/api/v1/records/{}/audit"): _HOLDERS_ONLY,
    ("GET", "/api/v1/records/{}/audit/verify"): _HOLDERS_ONLY,
    # Provider staff only; for everybody else a role-level refusal (403).
    ("GET", "/api/v1/records"): {
        "-": cells(403, staff_granted=200, staff_other=200, staff_revoked=200,
                   staff_expired=200),
    },
    ("POST", "/api/v1/records/{}/grants"): {
        "own": cells(patient=201, rep=201),
        "foreign": cells(other_patient=201),
        "guess": cells(),
    },
    ("GET", "/api/v1/records/{}/grants"): _HOLDERS_ONLY,
    ("DELETE", "/api/v1/grants/{}"): {
        "own": cells(patient=200, rep=200),
        "orggrant": cells(patient=200, rep=200),
        "foreign": cells(other_patient=200),
        "guess": cells(),
    },
    # Only the patient names representatives.
    ("POST", "/api/v1/records/{}/representatives"): {
        "own": cells(patient=201),
        "foreign": cells(other_patient=201),
        "guess": cells(),
    },
    ("GET", "/api/v1/records/{}/representatives"): _HOLDERS_ONLY,
    # The patient ends any; a representative only their own (stepping down);
    # an ended one is gone.
    ("DELETE", "/api/v1/records/{}/representatives/{}"): {
        "own": cells(patient=200),
        "self": {**{a: None for a in ACTORS}, "rep": 200, "stepped_down": 404},
        "foreign": cells(other_patient=200),
        "guess": cells(),
        "guess_obj": cells(),
    },
    ("GET", "/api/v1/representations"): {
        "-": cells(200),
    },
    # Only the named account accepts. "self": a pending representation that
    # names the caller (P and A on RQ, B and Q on R).
    ("POST", "/api/v1/representations/{}/accept"): {
        "own": cells(),
        "self": {**{a: None for a in ACTORS}, "patient": 200, "rep": 200,
                 "stepped_down": 200, "other_patient": 200},
        "foreign": cells(),
        "guess": cells(),
    },
}

# The audit action each route writes (allowed or refused); None: the route
# is not about one record. Verify is refused under "audit.read" (the check
# of reading the log) and allowed as "audit.verify".
ACTIONS = {
    ("GET", "/api/v1/records/{}/documents"): {"document.list"},
    ("POST", "/api/v1/records/{}/documents"): {"document.create"},
    ("GET", "/api/v1/documents/{}"): {"document.read"},
    ("GET", "/api/v1/documents/{}/content"): {"document.download"},
    ("PATCH", "/api/v1/documents/{}"): {"document.update"},
    ("DELETE", "/api/v1/documents/{}"): {"document.delete"},
    ("GET", "/api/v1/records/{}/audit"): {"audit.read"},
    ("GET", "/api/v1/records/{}/audit/verify"): {"audit.verify", "audit.read"},
    ("GET", "/api/v1/records"): None,
    ("POST", "/api/v1/records/{}/grants"): {"grant.create"},
    ("GET", "/api/v1/records/{}/grants"): {"grant.list"},
    ("DELETE", "/api/v1/grants/{}"): {"grant.revoke"},
    ("POST", "/api/v1/records/{}/representatives"): {"representative.create"},
    ("GET", "/api/v1/records/{}/representatives"): {"representative.list"},
    ("DELETE", "/api/v1/records/{}/representatives/{}"): {"representative.end"},
    ("GET", "/api/v1/representations"): None,
    ("POST", "/api/v1/representations/{}/accept"): {"representative.accept"},
}


def all_cells():
    for route in sorted(MATRIX):
        for kind, row in MATRIX[route].items():
            for actor in ACTORS:
                if row.get(actor) is not None:
                    yield route, kind, actor


CELLS = list(all_cells())


def test_matrix_covers_every_record_route():
    routes = record_routes()
    assert len(routes) >= 10, f"could not parse the route table {ROUTES_C}"
    missing = sorted(routes - set(MATRIX))
    assert not missing, ("routes of the record API that the authorization matrix does not "
                         f"cover (add them to MATRIX): {missing}")
    stale = sorted(set(MATRIX) - routes)
    assert not stale, f"MATRIX has routes the server does not have: {stale}"
    assert set(ACTIONS) == set(MATRIX)
    for route, kinds in MATRIX.items():
        for kind, row in kinds.items():
            assert set(row) == set(ACTORS), (route, kind, set(ACTORS) ^ set(row))


# ---- one world for the module, on server_mod (conftest.py) ----

def guess_id():
    """A well-formed id (26 Crockford base32 characters, canonical last one)
    that nothing has."""
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(25)) + secrets.choice("048cgmrw")


def ok(resp, *expect):
    status, _, body = resp
    assert status in expect, (status, body)
    return body


class World(SimpleNamespace):
    """The server, the actors (Person or None for "none"), R and RQ and the
    objects on them."""

    def call(self, method, path, who=None, **kw):
        token = who.token if who is not None else None
        return self.server.call(method, path, token=token, **kw)

    def upload(self, who, record, category=IN_GRANT, title="Befund"):
        q = urllib.parse.urlencode({"title": title, "category": category})
        return ok(self.call("POST", f"/api/v1/records/{record}/documents?{q}", who, body=PDF,
                            content_type="application/pdf"), 201)

    def grant(self, who, record, org, categories=None):
        body = {"org": org}
        if categories:
            body["categories"] = categories
        return ok(self.call("POST", f"/api/v1/records/{record}/grants", who, json=body), 201)

    def name(self, who, record, login):
        return ok(self.call("POST", f"/api/v1/records/{record}/representatives", who,
                            json={"login": login}), 201)

    def end(self, who, record, rep_id):
        self.call("DELETE", f"/api/v1/records/{record}/representatives/{rep_id}", who)

    def accept(self, who, rep_id):
        ok(self.call("POST", f"/api/v1/representations/{rep_id}/accept", who), 200)

    def head_seq(self, record):
        """The newest audit seq of the record, read from the database (so the
        reading leaves no entry of its own)."""
        con = sqlite3.connect(f"file:{self.server.data / 'akte.db'}?mode=ro", uri=True,
                              timeout=10)
        try:
            row = con.execute("SELECT COALESCE(MAX(seq), 0) FROM audit WHERE record_id = ?",
                              (record,)).fetchone()
            return row[0]
        finally:
            con.close()


def sql(server, statement):
    subprocess.run(["sqlite3", str(server.data / "akte.db"), statement], check=True,
                   timeout=30)


@pytest.fixture(scope="module")
def world(server_mod, smtp_mod):
    server, smtp = server_mod, smtp_mod
    w = World(server=server)
    orgs = {k: server.create_org(f"Praxis {k}", "practice")
            for k in ("G", "H", "V", "X", "W")}
    w.orgs = orgs
    op = staff(server, smtp, "operator")
    # Every account has its own TOTP secret: made side by side, they wait
    # for the clock at most once.
    jobs = {
        "patient": lambda: patient(server, smtp, op),
        "rep": lambda: patient(server, smtp, op),
        "stepped_down": lambda: patient(server, smtp, op),
        "other_patient": lambda: patient(server, smtp, op),
        "spare": lambda: patient(server, smtp, op, log_in=False),  # C: only named
        "staff_granted": lambda: staff(server, smtp, "provider", org=orgs["G"]["id"]),
        "staff_other": lambda: staff(server, smtp, "provider", org=orgs["H"]["id"]),
        "staff_revoked": lambda: staff(server, smtp, "provider", org=orgs["V"]["id"]),
        "staff_expired": lambda: staff(server, smtp, "provider", org=orgs["X"]["id"]),
        "admin": lambda: staff(server, smtp, "admin"),
    }
    with ThreadPoolExecutor(len(jobs)) as ex:
        futures = {k: ex.submit(f) for k, f in jobs.items()}
        people = {k: f.result() for k, f in futures.items()}
    people["operator"] = op
    people["none"] = None
    for k, p in people.items():
        if p is not None and p.token:
            me = ok(w.call("GET", "/api/v1/me", p), 200)
            p.id = me["id"]
            own = [r["id"] for r in me.get("records", []) if r["capacity"] == "patient"]
            p.record = own[0] if own else None
    w.who = people
    P, Q, A, B, G = (people[k] for k in ("patient", "other_patient", "rep", "stepped_down",
                                           "staff_granted"))
    w.R, w.RQ = P.record, Q.record
    w.C = people["spare"]

    # Representatives: A active, B stepped down.
    r = w.name(P, w.R, A.login)
    w.accept(A, r["id"])
    w.rep_a = r["id"]
    r = w.name(P, w.R, B.login)
    w.accept(B, r["id"])
    ok(w.call("DELETE", f"/api/v1/records/{w.R}/representatives/{r['id']}", B), 200)
    w.rep_b = r["id"]

    # Grants: G live (limited), V revoked, X expired.
    w.grant(P, w.R, orgs["G"]["id"], GRANTED)
    gv = w.grant(P, w.R, orgs["V"]["id"])
    ok(w.call("DELETE", f"/api/v1/grants/{gv['id']}", P), 200)
    gx = w.grant(P, w.R, orgs["X"]["id"])
    sql(server, f"UPDATE grants SET expires_at = {int(time.time()) - 1} WHERE id = '{gx['id']}';")

    # Documents.
    w.docs = {
        "own": w.upload(P, w.R, IN_GRANT, "Befund sichtbar")["id"],
        "hidden": w.upload(P, w.R, IN_GRANT, "Befund versteckt")["id"],
        "outcat": w.upload(P, w.R, OUTSIDE_GRANT, "Rechnung")["id"],
        "staffdoc": w.upload(G, w.R, IN_GRANT, "Befund der Praxis")["id"],
        "foreign": w.upload(Q, w.RQ, IN_GRANT, "Befund von Q")["id"],
    }
    ok(w.call("PATCH", f"/api/v1/documents/{w.docs['hidden']}", P, json={"hidden": True}), 200)

    # The world is what the matrix assumes.
    assert [i["id"] for i in ok(w.call("GET", "/api/v1/records", G), 200)["items"]] == [w.R]
    for k in ("staff_revoked", "staff_expired", "staff_other"):
        assert ok(w.call("GET", "/api/v1/records", people[k]), 200)["items"] == []
    return w


# ---- the requests of each cell ----

class Target(SimpleNamespace):
    """path, request keywords, the record whose log must show the call
    (None: no record, or one that does not exist), the account who reads
    that log, and what to put back afterwards."""

    def __init__(self, path, record=None, reader=None, cleanup=None, check=None,
                 cleanup_body=None, **kw):
        super().__init__(path=path, record=record, reader=reader, cleanup=cleanup,
                         check=check, cleanup_body=cleanup_body, kw=kw)


def _record(w, kind):
    """record id, and who may read its log."""
    if kind == "foreign":
        return w.RQ, w.who["other_patient"]
    if kind == "guess":
        return guess_id(), None
    return w.R, w.who["patient"]


def t_docs_list(w, kind, actor):
    rec, reader = _record(w, kind)
    return Target(f"/api/v1/records/{rec}/documents", rec, reader)


def t_docs_upload(w, kind, actor):
    rec, reader = _record(w, "own" if kind == "outcat" else kind)
    cat = OUTSIDE_GRANT if kind == "outcat" else IN_GRANT
    q = urllib.parse.urlencode({"title": "Matrix", "category": cat})
    return Target(f"/api/v1/records/{rec}/documents?{q}", rec, reader, body=PDF,
                  content_type="application/pdf")


def _doc_record(w, kind):
    if kind == "foreign":
        return w.RQ, w.who["other_patient"]
    return w.R, w.who["patient"]


def t_doc_read(suffix):
    def make(w, kind, actor):
        if kind == "guess":
            return Target(f"/api/v1/documents/{guess_id()}{suffix}")
        rec, reader = _doc_record(w, kind)
        return Target(f"/api/v1/documents/{w.docs[kind]}{suffix}", rec, reader)
    return make


def throwaway_doc(w, kind):
    P, G, Q = w.who["patient"], w.who["staff_granted"], w.who["other_patient"]
    if kind == "foreign":
        return w.upload(Q, w.RQ)["id"]
    if kind == "staffdoc":
        return w.upload(G, w.R)["id"]
    d = w.upload(P, w.R, OUTSIDE_GRANT if kind == "outcat" else IN_GRANT)["id"]
    if kind == "hidden":
        ok(w.call("PATCH", f"/api/v1/documents/{d}", P, json={"hidden": True}), 200)
    return d


def t_doc_change(method):
    def make(w, kind, actor):
        kw = {"json": {"title": "Neuer Titel"}} if method == "PATCH" else {}
        if kind == "guess":
            return Target(f"/api/v1/documents/{guess_id()}", **kw)
        rec, reader = _doc_record(w, kind)
        return Target(f"/api/v1/documents/{throwaway_doc(w, kind)}", rec, reader, **kw)
    return make


def t_audit(suffix):
    def make(w, kind, actor):
        rec, reader = _record(w, kind)
        return Target(f"/api/v1/records/{rec}/audit{suffix}", rec, reader)
    return make


def t_records(w, kind, actor):
    def check(body):
        ids = [i["id"] for i in body["items"]]
        assert (w.R in ids) == (actor == "staff_granted"), ids
        assert w.RQ not in ids, ids
    return Target("/api/v1/records", check=check)


def t_grants_create(w, kind, actor):
    rec, reader = _record(w, kind)
    return Target(f"/api/v1/records/{rec}/grants", rec, reader,
                  json={"org": w.orgs["W"]["id"]})


def t_grants_list(w, kind, actor):
    rec, reader = _record(w, kind)
    return Target(f"/api/v1/records/{rec}/grants", rec, reader)


def t_grant_revoke(w, kind, actor):
    P, Q = w.who["patient"], w.who["other_patient"]
    if kind == "guess":
        return Target(f"/api/v1/grants/{guess_id()}")
    if kind == "foreign":
        g = w.grant(Q, w.RQ, w.orgs["W"]["id"])
        return Target(f"/api/v1/grants/{g['id']}", w.RQ, Q)
    if kind == "orggrant":
        # A fresh grant to G like the one it has: G's access stays the same,
        # and is given back if the cell took it away.
        g = w.grant(P, w.R, w.orgs["G"]["id"], GRANTED)
        return Target(f"/api/v1/grants/{g['id']}", w.R, P,
                      cleanup=lambda: w.grant(P, w.R, w.orgs["G"]["id"], GRANTED))
    g = w.grant(P, w.R, w.orgs["W"]["id"])
    return Target(f"/api/v1/grants/{g['id']}", w.R, P)


def t_reps_create(w, kind, actor):
    rec, reader = _record(w, kind)
    owner = w.who["other_patient"] if kind == "foreign" else w.who["patient"]

    def cleanup(body):
        if isinstance(body, dict) and body.get("id"):
            w.end(owner, rec, body["id"])
    return Target(f"/api/v1/records/{rec}/representatives", rec, reader,
                  json={"login": w.C.login}, cleanup_body=cleanup)


def t_reps_list(w, kind, actor):
    rec, reader = _record(w, kind)
    return Target(f"/api/v1/records/{rec}/representatives", rec, reader)


def t_reps_end(w, kind, actor):
    P, Q, A = w.who["patient"], w.who["other_patient"], w.who["rep"]
    base = "/api/v1/records/{}/representatives/{}"
    if kind == "guess":
        return Target(base.format(guess_id(), guess_id()))
    if kind == "guess_obj":
        return Target(base.format(w.R, guess_id()), w.R, P)
    if kind == "self":
        if actor == "stepped_down":
            return Target(base.format(w.R, w.rep_b), w.R, P)
        assert actor == "rep"

        def restore():
            # A steps down; named again and accepted, A stands as before.
            status, _, _ = w.call("GET", f"/api/v1/records/{w.R}/grants", A)
            if status != 200:
                r = w.name(P, w.R, A.login)
                w.accept(A, r["id"])
                w.rep_a = r["id"]
        return Target(base.format(w.R, w.rep_a), w.R, P, cleanup=restore)
    owner, rec = (Q, w.RQ) if kind == "foreign" else (P, w.R)
    r = w.name(owner, rec, w.C.login)
    return Target(base.format(rec, r["id"]), rec, owner,
                  cleanup=lambda: w.end(owner, rec, r["id"]))


def t_representations(w, kind, actor):
    return Target("/api/v1/representations")


def t_accept(w, kind, actor):
    P, Q = w.who["patient"], w.who["other_patient"]
    if kind == "guess":
        return Target(f"/api/v1/representations/{guess_id()}/accept")
    if kind == "self":
        # Named by the patient of a record the caller does not stand for.
        owner, rec = (Q, w.RQ) if actor in ("patient", "rep") else (P, w.R)
        r = w.name(owner, rec, w.who[actor].login)
    else:
        owner, rec = (Q, w.RQ) if kind == "foreign" else (P, w.R)
        r = w.name(owner, rec, w.C.login)
    return Target(f"/api/v1/representations/{r['id']}/accept", rec, owner,
                  cleanup=lambda: w.end(owner, rec, r["id"]))


TARGETS = {
    ("GET", "/api/v1/records/{}/documents"): t_docs_list,
    ("POST", "/api/v1/records/{}/documents"): t_docs_upload,
    ("GET", "/api/v1/documents/{}"): t_doc_read(""),
    ("GET", "/api/v1/documents/{}/content"): t_doc_read("/content"),
    ("PATCH", "/api/v1/documents/{}"): t_doc_change("PATCH"),
    ("DELETE", "/api/v1/documents/{}"): t_doc_change("DELETE"),
    ("GET", "/api/v1/records/{}/audit"): t_audit(""),
    ("GET", "/api/v1/records/{}/audit/verify"): t_audit("/verify"),
    ("GET", "/api/v1/records"): t_records,
    ("POST", "/api/v1/records/{}/grants"): t_grants_create,
    ("GET", "/api/v1/records/{}/grants"): t_grants_list,
    ("DELETE", "/api/v1/grants/{}"): t_grant_revoke,
    ("POST", "/api/v1/records/{}/representatives"): t_reps_create,
    ("GET", "/api/v1/records/{}/representatives"): t_reps_list,
    ("DELETE", "/api/v1/records/{}/representatives/{}"): t_reps_end,
    ("GET", "/api/v1/representations"): t_representations,
    ("POST", "/api/v1/representations/{}/accept"): t_accept,
}


def test_every_matrix_route_has_a_request():
    assert set(TARGETS) == set(MATRIX)


def audit_entries(w, reader, record, actor_id, since):
    """Entries of the record newer than seq since by that actor, through the
    reader's own GET …/audit (newest first)."""
    q = urllib.parse.urlencode({"actor": actor_id, "limit": 200})
    body = ok(w.call("GET", f"/api/v1/records/{record}/audit?{q}", reader), 200)
    return [i for i in body["items"] if i["seq"] > since]


@pytest.mark.parametrize("route,kind,actor", CELLS,
                         ids=[f"{m} {p} {k} {a}" for (m, p), k, a in CELLS])
def test_cell(world, route, kind, actor):
    w = world
    expected = MATRIX[route][kind][actor]
    method, _ = route
    target = TARGETS[route](w, kind, actor)
    who = w.who[actor]
    if target.reader is None:
        target.record = None  # a guessed record: it has no log
    since = w.head_seq(target.record) if target.record else None
    status, _, body = w.call(method, target.path, who, **target.kw)
    try:
        assert status == expected, (
            f"{method} {target.path} as {actor} ({kind} object): expected {expected}, "
            f"got {status} {body!r}"[:600])
        if 200 <= status < 300 and target.check:
            target.check(body)
        if status in (403, 404) and isinstance(body, dict):
            assert body.get("error", {}).get("code") in ("not_found", "forbidden"), body

        # The log of an existing record shows the call, exactly once.
        actions = ACTIONS[route]
        if target.record and who is not None and actions:
            new = [e for e in audit_entries(w, target.reader, target.record, who.id, since)
                   if e["action"] in actions]
            outcome = "allowed" if 200 <= status < 300 else "refused"
            assert [e["outcome"] for e in new] == [outcome], (
                f"{method} {target.path} as {actor}: expected one {outcome} "
                f"{sorted(actions)} entry in the log of {target.record}, got {new!r}")
    finally:
        if target.cleanup:
            target.cleanup()
        if target.cleanup_body:
            target.cleanup_body(body)
