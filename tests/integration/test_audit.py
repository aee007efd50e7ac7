"""The audit log of a record (issue 3): every access to record data — list,
read, download, upload, change, delete, grant, revoke, representative
changes, and refused attempts — appends exactly one entry naming who
(name, role, organisation), in which capacity, what, on which object, with
which outcome and from which address. No route changes or removes entries;
…/audit pages with a cursor and filters by actor and action; …/audit/verify
finds a row changed, removed or reordered in the database and names its
position; and the retention sweep prunes old entries so that what remains
still verifies."""

import re
import sqlite3
import subprocess
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from akte_client import REPO_ROOT, login_confirmed, wait_until
from people import Person, activate, create_patient, staff, unique

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CLIENT = "127.0.0.1"
DAY = 86400


# ---- harness (server_mod and smtp_mod: conftest.py) ----

def ok(resp, *expect):
    status, _, body = resp
    assert status in expect, (status, body)
    return body


def call(server, method, path, who=None, **kw):
    return server.call(method, path, token=who.token if who else None, **kw)


def named_patient(server, smtp, op, name, log_in=True):
    """people.patient() with a name of our own, so the log's names tell
    the actors apart."""
    made = create_patient(server, op, name=name)
    password = "Mein-Akte-Passwort-" + unique("p")
    secret = activate(server, made["activation_code"], password)
    p = Person(made["fields"]["email"], password, secret, id=made["id"], device=unique("device-"))
    p.name = name
    if log_in:
        p.token = login_confirmed(server, smtp, p.login, password, secret, p.device)
        me = ok(call(server, "GET", "/api/v1/me", p), 200)
        p.id = me["id"]
        own = [r["id"] for r in me["records"] if r["capacity"] == "patient"]
        p.record = own[0]
    return p


def db_path(server):
    return server.data / "akte.db"


def db_rows(server, query, args=()):
    con = sqlite3.connect(f"file:{db_path(server)}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def sql(server, statement):
    subprocess.run(["sqlite3", str(db_path(server)), statement], check=True, timeout=30)


def head_seq(server, record):
    return db_rows(server, "SELECT COALESCE(MAX(seq), 0) FROM audit WHERE record_id = ?",
                   (record,))[0][0]


def entries_since(server, reader, record, since):
    """Every entry of the record after seq since, oldest first, through the
    reader's GET …/audit (whose own audit.read comes after the page)."""
    out, cursor = [], None
    while True:
        q = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = ok(call(server, "GET", f"/api/v1/records/{record}/audit?"
                       f"{urllib.parse.urlencode(q)}", reader), 200)
        out += [i for i in page["items"] if i["seq"] > since]
        cursor = page["next_cursor"]
        if not cursor or page["items"][-1]["seq"] <= since:
            break
    return sorted(out, key=lambda i: i["seq"])


def one_entry(w, fn, record=None, reader=None):
    """Run fn() and return the one entry it appended to the record's log."""
    record = record or w.R
    reader = reader or w.P
    since = head_seq(w.server, record)
    result = fn()
    new = entries_since(w.server, reader, record, since)
    assert len(new) == 1, f"expected exactly one new entry, got {new!r}"
    return new[0], result


def verify(server, who, record):
    return ok(call(server, "GET", f"/api/v1/records/{record}/audit/verify", who), 200)


@pytest.fixture(scope="module")
def world(server_mod, smtp_mod):
    server, smtp = server_mod, smtp_mod
    w = SimpleNamespace(server=server)
    w.org_g = dict(server.create_org("Praxis Dr. Protokoll", "practice"),
                   name="Praxis Dr. Protokoll")
    w.org_h = dict(server.create_org("Praxis Anderswo", "practice"), name="Praxis Anderswo")
    w.org_w = dict(server.create_org("Labor Weiss", "practice"), name="Labor Weiss")
    op = staff(server, smtp, "operator")
    jobs = {
        "P": lambda: named_patient(server, smtp, op, "Paula Patientin"),
        "A": lambda: named_patient(server, smtp, op, "Anton Vertreter"),
        "Q": lambda: named_patient(server, smtp, op, "Quirin Fremd"),
        "C": lambda: named_patient(server, smtp, op, "Clara Benannt"),
        "G": lambda: staff(server, smtp, "provider", org=w.org_g["id"]),
        "H": lambda: staff(server, smtp, "provider", org=w.org_h["id"]),
    }
    with ThreadPoolExecutor(len(jobs)) as ex:
        futures = {k: ex.submit(f) for k, f in jobs.items()}
        for k, f in futures.items():
            setattr(w, k, f.result())
    for s in (w.G, w.H):
        s.id = ok(call(server, "GET", "/api/v1/me", s), 200)["id"]
    w.op = op
    w.op.id = ok(call(server, "GET", "/api/v1/me", op), 200)["id"]
    w.R = w.P.record
    # A represents P; G's organisation may open R (all categories).
    r = ok(call(server, "POST", f"/api/v1/records/{w.R}/representatives", w.P,
                json={"login": w.A.login}), 201)
    ok(call(server, "POST", f"/api/v1/representations/{r['id']}/accept", w.A), 200)
    ok(call(server, "POST", f"/api/v1/records/{w.R}/grants", w.P,
            json={"org": w.org_g["id"]}), 201)
    return w


def upload(w, who, record, title="Befund", category="befund"):
    q = urllib.parse.urlencode({"title": title, "category": category})
    return ok(call(w.server, "POST", f"/api/v1/records/{record}/documents?{q}", who, body=PDF,
                   content_type="application/pdf"), 201)


def check(entry, action, actor, capacity, obj, outcome="allowed", org=None, role=None,
          label=...):
    """entry is action by actor (a Person with .id and .name or .login) in
    capacity about obj = (type, id)."""
    assert entry["action"] == action, entry
    assert entry["outcome"] == outcome, entry
    assert entry["capacity"] == capacity, entry
    assert entry["client"] == CLIENT, entry
    assert entry["actor"]["id"] == actor.id, entry
    assert entry["actor"]["role"] == (role or ("provider" if org else "patient")), entry
    assert entry["actor"]["name"] == getattr(actor, "name", actor.login), entry
    assert entry["actor"]["org"] == org, entry
    assert (entry["object"]["type"], entry["object"]["id"]) == obj, entry
    if label is not ...:
        assert entry["object"]["label"] == label, entry
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["at"]), entry


# ---- one entry per access ----

def test_every_access_appends_one_entry(world):
    w, s, P, A, G = world, world.server, world.P, world.A, world.G
    R = w.R
    rec = ("record", R)
    org_g = w.org_g["name"]

    # The patient: documents.
    e, doc = one_entry(w, lambda: upload(w, P, R, "Befund MRT"))
    check(e, "document.create", P, "patient", ("document", doc["id"]), label="Befund MRT")
    d = f"/api/v1/documents/{doc['id']}"
    e, _ = one_entry(w, lambda: ok(call(s, "GET", f"/api/v1/records/{R}/documents", P), 200))
    check(e, "document.list", P, "patient", rec, label=None)
    e, _ = one_entry(w, lambda: ok(call(s, "GET", d, P), 200))
    check(e, "document.read", P, "patient", ("document", doc["id"]), label="Befund MRT")
    e, _ = one_entry(w, lambda: ok(call(s, "GET", d + "/content", P), 200))
    check(e, "document.download", P, "patient", ("document", doc["id"]), label="Befund MRT")
    e, _ = one_entry(w, lambda: ok(call(s, "PATCH", d, P, json={"title": "MRT Knie"}), 200))
    check(e, "document.update", P, "patient", ("document", doc["id"]), label="MRT Knie")
    e, _ = one_entry(w, lambda: ok(call(s, "PATCH", d, P, json={"hidden": True}), 200))
    check(e, "document.hide", P, "patient", ("document", doc["id"]), label="MRT Knie")
    e, _ = one_entry(w, lambda: ok(call(s, "PATCH", d, P, json={"hidden": False}), 200))
    check(e, "document.unhide", P, "patient", ("document", doc["id"]), label="MRT Knie")

    # The patient: grants.
    e, g = one_entry(w, lambda: ok(call(s, "POST", f"/api/v1/records/{R}/grants", P,
                                        json={"org": w.org_w["id"]}), 201))
    check(e, "grant.create", P, "patient", ("grant", g["id"]), label="Labor Weiss")
    e, _ = one_entry(w, lambda: ok(call(s, "GET", f"/api/v1/records/{R}/grants", P), 200))
    check(e, "grant.list", P, "patient", rec)
    e, _ = one_entry(w, lambda: ok(call(s, "DELETE", f"/api/v1/grants/{g['id']}", P), 200))
    check(e, "grant.revoke", P, "patient", ("grant", g["id"]), label="Labor Weiss")

    # The patient: representatives; C accepts, and the patient ends it.
    reps = f"/api/v1/records/{R}/representatives"
    C = w.C
    e, r = one_entry(w, lambda: ok(call(s, "POST", reps, P, json={"login": C.login}), 201))
    check(e, "representative.create", P, "patient", ("representation", r["id"]),
          label="Clara Benannt")
    e, _ = one_entry(w, lambda: ok(call(s, "POST", f"/api/v1/representations/{r['id']}/accept",
                                        C), 200))
    # (C has no standing yet while accepting: the capacity is not asserted.)
    assert (e["action"], e["outcome"], e["actor"]["id"], e["actor"]["name"], e["client"],
            e["object"]["type"], e["object"]["id"]) == \
        ("representative.accept", "allowed", C.id, "Clara Benannt", CLIENT,
         "representation", r["id"]), e
    e, _ = one_entry(w, lambda: ok(call(s, "GET", reps, P), 200))
    check(e, "representative.list", P, "patient", rec)
    e, _ = one_entry(w, lambda: ok(call(s, "DELETE", f"{reps}/{r['id']}", P), 200))
    check(e, "representative.end", P, "patient", ("representation", r["id"]))

    # The patient: the log itself.
    e, _ = one_entry(w, lambda: ok(call(s, "GET", f"/api/v1/records/{R}/audit?limit=1", P), 200))
    check(e, "audit.read", P, "patient", rec)
    e, _ = one_entry(w, lambda: verify(s, P, R))
    check(e, "audit.verify", P, "patient", rec)

    # The representative acts in that capacity.
    e, _ = one_entry(w, lambda: ok(call(s, "GET", f"/api/v1/records/{R}/documents", A), 200))
    check(e, "document.list", A, "representative", rec)
    e, _ = one_entry(w, lambda: ok(call(s, "GET", d, A), 200))
    check(e, "document.read", A, "representative", ("document", doc["id"]), label="MRT Knie")
    e, adoc = one_entry(w, lambda: upload(w, A, R, "Brief vom Vertreter", "arztbrief"))
    check(e, "document.create", A, "representative", ("document", adoc["id"]),
          label="Brief vom Vertreter")
    e, g2 = one_entry(w, lambda: ok(call(s, "POST", f"/api/v1/records/{R}/grants", A,
                                         json={"org": w.org_g["id"]}), 201))
    check(e, "grant.create", A, "representative", ("grant", g2["id"]),
          label="Praxis Dr. Protokoll")
    e, _ = one_entry(w, lambda: ok(call(s, "GET", f"/api/v1/records/{R}/audit", A), 200))
    check(e, "audit.read", A, "representative", rec)

    # Granted staff: their login as name, their organisation, capacity provider.
    e, _ = one_entry(w, lambda: ok(call(s, "GET", f"/api/v1/records/{R}/documents", G), 200))
    check(e, "document.list", G, "provider", rec, org=org_g)
    e, _ = one_entry(w, lambda: ok(call(s, "GET", d, G), 200))
    check(e, "document.read", G, "provider", ("document", doc["id"]), org=org_g,
          label="MRT Knie")
    e, _ = one_entry(w, lambda: ok(call(s, "GET", d + "/content", G), 200))
    check(e, "document.download", G, "provider", ("document", doc["id"]), org=org_g)
    e, gdoc = one_entry(w, lambda: upload(w, G, R, "Laborwerte", "laborbefund"))
    check(e, "document.create", G, "provider", ("document", gdoc["id"]), org=org_g,
          label="Laborwerte")
    gd = f"/api/v1/documents/{gdoc['id']}"
    e, _ = one_entry(w, lambda: ok(call(s, "PATCH", gd, G, json={"title": "Laborwerte neu"}),
                                   200))
    check(e, "document.update", G, "provider", ("document", gdoc["id"]), org=org_g,
          label="Laborwerte neu")
    e, _ = one_entry(w, lambda: ok(call(s, "DELETE", gd, G), 200))
    check(e, "document.delete", G, "provider", ("document", gdoc["id"]), org=org_g)

    # Refused attempts: one entry each, outcome refused.
    e, _ = one_entry(w, lambda: ok(call(s, "GET", d, w.Q), 404))
    check(e, "document.read", w.Q, "none", ("document", doc["id"]), outcome="refused")
    e, _ = one_entry(w, lambda: ok(call(s, "GET", f"/api/v1/records/{R}/documents", w.H), 404))
    check(e, "document.list", w.H, "none", rec, outcome="refused", org=w.org_h["name"])
    e, _ = one_entry(w, lambda: ok(call(s, "GET", f"/api/v1/records/{R}/grants", G), 404))
    check(e, "grant.list", G, "provider", rec, outcome="refused", org=org_g)
    e, _ = one_entry(w, lambda: ok(call(s, "DELETE", d, G), 403))
    check(e, "document.delete", G, "provider", ("document", doc["id"]), outcome="refused",
          org=org_g)
    e, _ = one_entry(w, lambda: ok(call(s, "POST", reps, A, json={"login": w.C.login}), 404))
    check(e, "representative.create", A, "representative", rec, outcome="refused")
    e, _ = one_entry(w, lambda: ok(call(s, "GET", f"/api/v1/records/{R}/audit", w.op), 404))
    check(e, "audit.read", w.op, "none", rec, outcome="refused", role="operator")
    # The patient hides it: staff reading it now is refused.
    ok(call(s, "PATCH", d, P, json={"hidden": True}), 200)
    e, _ = one_entry(w, lambda: ok(call(s, "GET", d, G), 404))
    check(e, "document.read", G, "provider", ("document", doc["id"]), outcome="refused",
          org=org_g)

    # And the patient deletes it.
    e, _ = one_entry(w, lambda: ok(call(s, "DELETE", d, P), 200))
    check(e, "document.delete", P, "patient", ("document", doc["id"]), label="MRT Knie")

    # Calls that are not about the record's data leave nothing in it.
    since = head_seq(s, R)
    ok(call(s, "GET", "/api/v1/me", P), 200)
    ok(call(s, "GET", "/api/v1/records", G), 200)
    ok(call(s, "GET", "/api/v1/representations", A), 200)
    ok(call(s, "GET", f"/api/v1/records/{R}/documents"), 401)
    assert head_seq(s, R) == since
    assert verify(s, P, R)["ok"] is True


# ---- nothing changes or removes entries ----

def test_no_route_changes_or_removes_entries(world):
    w, s, P = world, world.server, world.P
    R = w.R
    ok(call(s, "GET", f"/api/v1/records/{R}/documents", P), 200)
    seq = head_seq(s, R)
    # The route table has nothing but GET under …/audit.
    routes = re.findall(r'\{\s*"([A-Z]+)"\s*,\s*"([^"]*audit[^"]*)"',
                        (REPO_ROOT / "src" / "api" / "routes.c").read_text())
    assert routes and {m for m, _ in routes} == {"GET"}, routes
    before = db_rows(s, "SELECT * FROM audit WHERE record_id = ? ORDER BY seq", (R,))
    for path in (f"/api/v1/records/{R}/audit", f"/api/v1/records/{R}/audit/verify",
                 f"/api/v1/records/{R}/audit/{seq}", f"/api/v1/audit/{seq}",
                 f"/api/v1/records/{R}/audit?seq={seq}"):
        for method in ("PUT", "PATCH", "DELETE", "POST"):
            status, _, body = call(s, method, path, P, json={"outcome": "allowed"})
            assert status in (404, 405), (method, path, status, body)
    after = db_rows(s, "SELECT * FROM audit WHERE record_id = ? ORDER BY seq", (R,))
    assert after == before
    assert verify(s, P, R) == {"ok": True, "entries": len(before)}


# ---- paging and filters ----

def test_paging_and_filters(world):
    w, s, P, A = world, world.server, world.P, world.A
    R = w.R
    for _ in range(5):
        ok(call(s, "GET", f"/api/v1/records/{R}/documents", A), 200)
    base = f"/api/v1/records/{R}/audit"
    head = head_seq(s, R)
    # Every entry exactly once, newest first, across pages of 7.
    seen, cursor, pages = [], None, 0
    while True:
        q = "?limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = ok(call(s, "GET", base + q, P), 200)
        assert len(page["items"]) <= 7
        seen += [i["seq"] for i in page["items"]]
        cursor, pages = page["next_cursor"], pages + 1
        if not cursor:
            break
        assert isinstance(cursor, str) and len(page["items"]) == 7
    assert seen == list(range(head, 0, -1)), "pages are not the log newest first, once each"
    assert pages == -(-head // 7)
    first = ok(call(s, "GET", base, P), 200)
    assert len(first["items"]) == min(50, head + pages)  # default page of 50

    # Filter by actor: only A's entries, and all of them.
    def all_items(query):
        items, cursor = [], None
        while True:
            q = dict(query, limit=4, **({"cursor": cursor} if cursor else {}))
            page = ok(call(s, "GET", base + "?" + urllib.parse.urlencode(q), P), 200)
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items
    mine = all_items({"actor": A.id})
    expect = db_rows(s, "SELECT seq FROM audit WHERE record_id = ? AND actor_id = ?"
                        " ORDER BY seq DESC", (R, A.id))
    assert [i["seq"] for i in mine] == [r[0] for r in expect] and len(mine) >= 5
    assert {i["actor"]["id"] for i in mine} == {A.id}
    # Filter by action: exact, and a prefix ending in '.'.
    lists = all_items({"action": "document.list"})
    assert lists and {i["action"] for i in lists} == {"document.list"}
    docs = all_items({"action": "document."})
    assert {i["action"] for i in docs} >= {"document.list"}
    assert all(i["action"].startswith("document.") for i in docs)
    assert len(docs) == db_rows(s, "SELECT COUNT(*) FROM audit WHERE record_id = ? AND"
                                   " action LIKE 'document.%' AND seq <= ?",
                                (R, max(i["seq"] for i in docs)))[0][0]
    both = all_items({"actor": A.id, "action": "document.list"})
    assert len(both) >= 5 and {(i["actor"]["id"], i["action"]) for i in both} == \
        {(A.id, "document.list")}
    # "document" without the dot is an exact action that does not exist.
    assert ok(call(s, "GET", base + "?action=document", P), 200)["items"] == []
    assert ok(call(s, "GET", base + "?actor=" + "0" * 26, P), 200)["items"] == []
    # Bad paging and filters are refused, naming the field.
    for q, field in [("limit=0", "limit"), ("limit=201", "limit"), ("limit=x", "limit"),
                     ("cursor=garbage", "cursor"), ("cursor=0", "cursor"),
                     ("cursor=-5", "cursor"), ("cursor=07", "cursor"),
                     ("action=DOCUMENT.LIST", "action"), ("action=doc%25", "action"),
                     ("actor=" + "a" * 65, "actor")]:
        status, _, body = call(s, "GET", f"{base}?{q}", P)
        assert status == 422 and body["error"].get("field") == field, (q, status, body)


# ---- verification and tampering ----

def test_verify_untouched_log(world):
    w, s = world, world.server
    n = head_seq(s, w.R)
    out = verify(s, w.P, w.R)
    assert out == {"ok": True, "entries": n}
    # The verification itself was logged after it counted.
    assert verify(s, w.A, w.R) == {"ok": True, "entries": n + 1}


def literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bytes):
        return "X'" + v.hex() + "'"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


@pytest.mark.parametrize("how", ["change", "delete", "swap"])
def test_tampering_is_found_at_its_position(world, how):
    """On Q's record: a column of a middle row changed, a middle row removed,
    two middle rows' contents swapped → verify says where the chain breaks;
    put back, it verifies again."""
    s, Q = world.server, world.Q
    RQ = Q.record
    while head_seq(s, RQ) < 12:
        ok(call(s, "GET", f"/api/v1/records/{RQ}/documents", Q), 200)
    assert verify(s, Q, RQ)["ok"] is True
    n = head_seq(s, RQ)
    k = n // 2
    cols = [r[1] for r in db_rows(s, "PRAGMA table_info(audit)")]
    rows = {r[cols.index("seq")]: r for r in db_rows(
        s, "SELECT * FROM audit WHERE record_id = ? AND seq IN (?, ?)", (RQ, k, k + 1))}
    where = f"record_id = '{RQ}' AND seq = {{}}"

    def insert(row):
        return (f"INSERT INTO audit ({', '.join(cols)}) VALUES "
                f"({', '.join(literal(v) for v in row)});")

    if how == "change":
        sql(s, f"UPDATE audit SET actor_name = 'Jemand Anderes' WHERE {where.format(k)};")
        undo = (f"UPDATE audit SET actor_name = {literal(rows[k][cols.index('actor_name')])}"
                f" WHERE {where.format(k)};")
    elif how == "delete":
        sql(s, f"DELETE FROM audit WHERE {where.format(k)};")
        undo = insert(rows[k])
    else:
        swap = (f"UPDATE audit SET seq = -1 WHERE {where.format(k)};"
                f"UPDATE audit SET seq = {k} WHERE {where.format(k + 1)};"
                f"UPDATE audit SET seq = {k + 1} WHERE {where.format(-1)};")
        sql(s, "BEGIN;" + swap + "COMMIT;")
        undo = "BEGIN;" + swap + "COMMIT;"
    try:
        out = verify(s, Q, RQ)
        assert out["ok"] is False and out["first_bad"] == k, (how, k, out)
        assert out["entries"] == n - (how == "delete"), out
        # The log is still readable, and shows the change as it is.
        page = ok(call(s, "GET", f"/api/v1/records/{RQ}/audit?limit=200", Q), 200)
        seqs = [i["seq"] for i in page["items"]]
        assert (k in seqs) == (how != "delete")
    finally:
        sql(s, undo)
    out = verify(s, Q, RQ)
    assert out["ok"] is True, (how, out)


def test_a_row_of_another_record_does_not_verify_here(world):
    """R's first row copied into RQ's chain in place of RQ's first row
    (record_id rewritten) breaks RQ's chain there: the record is hashed."""
    w, s = world, world.server
    RQ = w.Q.record
    while head_seq(s, RQ) < 2:
        ok(call(s, "GET", f"/api/v1/records/{RQ}/documents", w.Q), 200)
    ok(call(s, "GET", f"/api/v1/records/{w.R}/documents", w.P), 200)
    cols = [r[1] for r in db_rows(s, "PRAGMA table_info(audit)")]
    [theirs] = db_rows(s, "SELECT * FROM audit WHERE record_id = ? AND seq = 1", (w.R,))
    [ours] = db_rows(s, "SELECT * FROM audit WHERE record_id = ? AND seq = 1", (RQ,))
    moved = list(theirs)
    moved[cols.index("record_id")] = RQ

    def put(row):
        return (f"DELETE FROM audit WHERE record_id = '{RQ}' AND seq = 1;"
                f"INSERT INTO audit ({', '.join(cols)}) VALUES "
                f"({', '.join(map(literal, row))});")
    sql(s, "BEGIN;" + put(moved) + "COMMIT;")
    try:
        out = verify(s, w.Q, RQ)
        assert out["ok"] is False and out["first_bad"] == 1, out
    finally:
        sql(s, "BEGIN;" + put(ours) + "COMMIT;")
    assert verify(s, w.Q, RQ)["ok"] is True
    assert verify(s, w.P, w.R)["ok"] is True


# ---- retention ----

def test_retention_prunes_and_the_rest_still_verifies(akted, smtp_server):
    server = akted(env={"AKTE_AUDIT_RETENTION_DAYS": "1"})
    op = staff(server, smtp_server, "operator")
    p = named_patient(server, smtp_server, op, "Rita Retention")
    R = p.record
    doc = upload(SimpleNamespace(server=server), p, R, "Alt")
    for _ in range(8):
        ok(call(server, "GET", f"/api/v1/documents/{doc['id']}", p), 200)
    n = head_seq(server, R)
    assert n >= 9
    assert verify(server, p, R) == {"ok": True, "entries": n}
    k = 5
    # Age the oldest k entries. `at` is hashed, so until they are pruned the
    # chain is broken at 1 — which also shows that `at` is covered.
    sql(server, f"UPDATE audit SET at = at - {3 * DAY} WHERE record_id = '{R}' AND seq <= {k};")
    out = verify(server, p, R)
    assert out["ok"] is False and out["first_bad"] == 1, out
    n = head_seq(server, R)

    # The sweep runs when the server starts.
    server.restart()
    wait_until(lambda: any(l.get("event") == "sweep" and l.get("audit_entries_pruned") == k
                           for l in server.log_lines()),
               timeout=15, what=f"a sweep that pruned {k} entries")
    seqs = [r[0] for r in db_rows(server, "SELECT seq FROM audit WHERE record_id = ?"
                                          " ORDER BY seq", (R,))]
    assert seqs == list(range(k + 1, n + 1)), seqs
    assert db_rows(server, "SELECT seq FROM audit_anchor WHERE record_id = ?", (R,)) == [(k,)]
    out = verify(server, p, R)
    assert out == {"ok": True, "entries": n - k}, out
    page = ok(call(server, "GET", f"/api/v1/records/{R}/audit?limit=200", p), 200)
    assert min(i["seq"] for i in page["items"]) == k + 1
    # The chain goes on from the anchor.
    ok(call(server, "GET", f"/api/v1/documents/{doc['id']}", p), 200)
    out = verify(server, p, R)
    assert out["ok"] is True and out["entries"] == head_seq(server, R) - 1 - k, out
    # A sweep again with nothing old keeps everything.
    server.restart()
    wait_until(lambda: sum(1 for l in server.log_lines() if l.get("event") == "sweep") >= 3,
               timeout=15, what="the third sweep")
    n = head_seq(server, R)
    assert verify(server, p, R) == {"ok": True, "entries": n - k}


def test_removing_the_newest_entries_is_found(akted, smtp_server):
    """The chain alone cannot show a shortened tail; the seal can, and the
    gap stays visible after later entries (own server: the log stays broken)."""
    from people import patient, staff as make_staff
    s = akted()
    op = make_staff(s, smtp_server, "operator")
    p = patient(s, smtp_server, op)
    rec = s.call("GET", "/api/v1/me", token=p.token)[2]["records"][0]["id"]
    for _ in range(4):
        assert s.call("GET", f"/api/v1/records/{rec}/documents", token=p.token)[0] == 200
    n = head_seq(s, rec)
    sql(s, f"DELETE FROM audit WHERE record_id = '{rec}' AND seq > {n - 2};")
    status, _, out = s.call("GET", f"/api/v1/records/{rec}/audit/verify", token=p.token)
    assert status == 200 and out["ok"] is False and out["first_bad"] == n - 1, out
    # Later entries number on after the sealed one: still found.
    s.call("GET", f"/api/v1/records/{rec}/documents", token=p.token)
    status, _, out = s.call("GET", f"/api/v1/records/{rec}/audit/verify", token=p.token)
    assert out["ok"] is False and out["first_bad"] == n - 1, out
