"""Representatives: a patient names other patient accounts (by login, at
most five pending or active) to act on the record; each starts pending and
opens the record only once the named account accepts. A representative acts
like the patient — grants, the log — except naming further representatives;
either side can end it, and access ends with the very next request.
Everybody else gets 404, as for a record that does not exist."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from akte_client import error_code
from people import create_patient, patient, staff

REPS = "/api/v1/records/{}/representatives"


@pytest.fixture
def world(akted, smtp_server):
    """A server, its operator, a patient and a practice."""
    server = akted()
    op = staff(server, smtp_server, "operator")
    pat = patient(server, smtp_server, op)
    pat.record = record_of(server, pat)
    practice = server.create_org("Praxis Vertretung", "practice")
    return server, smtp_server, op, pat, practice


def record_of(server, who):
    _, _, me = server.call("GET", "/api/v1/me", token=who.token)
    [own] = [r for r in me["records"] if r["capacity"] == "patient"]
    return own["id"]


def me_records(server, who):
    status, _, me = server.call("GET", "/api/v1/me", token=who.token)
    assert status == 200, me
    return {r["id"]: r["capacity"] for r in me["records"]}


def name(server, who, login, record=None):
    """who names login for record (default: who's own)."""
    return server.call("POST", REPS.format(record or who.record), json={"login": login},
                       token=who.token)


def mine(server, who):
    status, _, body = server.call("GET", "/api/v1/representations", token=who.token)
    assert status == 200, body
    return body["items"]


def accept(server, who, rep_id):
    return server.call("POST", f"/api/v1/representations/{rep_id}/accept", token=who.token)


def end(server, who, record, rep_id):
    return server.call("DELETE", f"{REPS.format(record)}/{rep_id}", token=who.token)


def can_act(server, who, record):
    """Whether who stands for the record: its grant list answers 200."""
    status, _, _ = server.call("GET", f"/api/v1/records/{record}/grants", token=who.token)
    assert status in (200, 404), status
    return status == 200


def audit_actions(server, who, record):
    status, _, body = server.call("GET", f"/api/v1/records/{record}/audit?limit=200",
                                  token=who.token)
    if status != 200 or not isinstance(body, dict) or "items" not in body:
        pytest.skip(f"the audit route does not answer yet ({status})")
    return [(i["action"], i["outcome"]) for i in body["items"]]


def test_name_accept_act_and_end(world):
    server, smtp, op, pat, practice = world
    # Patients cost three TOTP steps each; made side by side they wait once.
    with ThreadPoolExecutor(2) as ex:
        rep, stranger = ex.map(lambda _: patient(server, smtp, op), range(2))

    status, _, r = name(server, pat, rep.login.upper())
    assert status == 201, r
    assert r["status"] == "pending" and r["record_id"] == pat.record
    assert r["representative"] == {"id": rep.id, "login": rep.login.lower(),
                                   "name": "Erika Musterfrau"}
    [m] = mine(server, rep)
    assert m["id"] == r["id"] and m["record_id"] == pat.record and m["status"] == "pending"
    assert m["patient_name"] == "Erika Musterfrau"
    # Pending opens nothing yet.
    assert pat.record not in me_records(server, rep) and not can_act(server, rep, pat.record)

    # Only the named account can accept.
    for who in (stranger, pat):
        status, _, body = accept(server, who, r["id"])
        assert status == 404 and error_code(body) == "not_found", body
    status, _, body = accept(server, rep, r["id"])
    assert status == 200 and body == {"ok": True}
    status, _, _ = accept(server, rep, r["id"])
    assert status == 200, "accepting twice is no error"
    assert mine(server, rep)[0]["status"] == "active"
    assert me_records(server, rep)[pat.record] == "representative"

    # The representative acts on the record like its patient ...
    status, _, g = server.call("POST", f"/api/v1/records/{pat.record}/grants",
                               json={"org": practice["id"]}, token=rep.token)
    assert status == 201, g
    status, _, page = server.call("GET", f"/api/v1/records/{pat.record}/grants", token=rep.token)
    assert status == 200 and [i["id"] for i in page["items"]] == [g["id"]]
    status, _, page = server.call("GET", REPS.format(pat.record), token=rep.token)
    assert status == 200 and [(i["id"], i["status"]) for i in page["items"]] == \
        [(r["id"], "active")]
    # ... except naming further representatives.
    status, _, body = name(server, rep, stranger.login, record=pat.record)
    assert status == 404 and error_code(body) == "not_found", body

    # A stranger gets 404 everywhere, as for a record that does not exist.
    for method, path, body in [
            ("GET", REPS.format(pat.record), None),
            ("POST", REPS.format(pat.record), {"login": stranger.login}),
            ("DELETE", f"{REPS.format(pat.record)}/{r['id']}", None),
            ("POST", f"/api/v1/representations/{r['id']}/accept", None),
            ("GET", f"/api/v1/records/{pat.record}/grants", None),
            ("GET", REPS.format("d" * 26), None),
            ("POST", REPS.format("d" * 26), {"login": stranger.login})]:
        status, _, out = server.call(method, path, json=body, token=stranger.token)
        assert status == 404 and error_code(out) == "not_found", (method, path, out)
    assert pat.record not in me_records(server, stranger) and mine(server, stranger) == []

    # The representative steps down: access ends with the next request.
    status, _, body = end(server, rep, pat.record, r["id"])
    assert status == 200 and body == {"ok": True}
    assert not can_act(server, rep, pat.record)
    assert pat.record not in me_records(server, rep) and mine(server, rep) == []
    status, _, body = end(server, rep, pat.record, r["id"])
    assert status == 404, body
    status, _, body = accept(server, rep, r["id"])
    assert status == 404, "an ended representation does not come back"

    # Named again and accepted; then the patient ends it: gone at once.
    status, _, r2 = name(server, pat, rep.login)
    assert status == 201, r2
    assert accept(server, rep, r2["id"])[0] == 200 and can_act(server, rep, pat.record)
    status, _, body = end(server, pat, pat.record, r2["id"])
    assert status == 200, body
    assert not can_act(server, rep, pat.record)
    assert pat.record not in me_records(server, rep)
    status, _, page = server.call("GET", REPS.format(pat.record), token=pat.token)
    assert page["items"] == []

    actions = audit_actions(server, pat, pat.record)
    for expected in [("representative.create", "allowed"), ("representative.accept", "allowed"),
                     ("representative.end", "allowed"), ("representative.list", "allowed"),
                     ("representative.accept", "refused"), ("representative.create", "refused"),
                     ("grant.create", "allowed")]:
        assert expected in actions, (expected, actions)


def test_who_can_be_named_and_how_many(world):
    server, smtp, op, pat, _ = world
    # Accounts that are only named need no login: activation is enough.
    others = [patient(server, smtp, op, log_in=False) for _ in range(6)]
    not_activated = create_patient(server, op)["fields"]["email"]
    nurse = staff(server, smtp, "provider", org=server.create_org("Pflege", "practice")["id"],
                  log_in=False)

    for login, why in [("niemand@example.org", "unknown"), (pat.login, "oneself"),
                       (not_activated, "not activated"), (nurse.login, "not a patient"),
                       (op.login, "not a patient"), ("", "empty")]:
        status, _, body = name(server, pat, login)
        assert status == 422 and body["error"]["field"] == "login", (why, body)
    status, _, body = server.call("POST", REPS.format(pat.record), json={}, token=pat.token)
    assert status == 422 and body["error"]["field"] == "login", body

    made = []
    for p in others[:5]:
        status, _, r = name(server, pat, p.login)
        assert status == 201, r
        made.append(r)
    status, _, body = name(server, pat, others[0].login)
    assert status == 422 and body["error"]["field"] == "login", "named already"
    status, _, body = name(server, pat, others[5].login)
    assert status == 409 and error_code(body) == "too_many", body
    status, _, page = server.call("GET", REPS.format(pat.record), token=pat.token)
    assert status == 200 and len(page["items"]) == 5
    assert all(i["status"] == "pending" for i in page["items"])

    # Ending one (still pending) frees a place.
    status, _, _ = end(server, pat, pat.record, made[0]["id"])
    assert status == 200
    status, _, r = name(server, pat, others[5].login)
    assert status == 201, r
    # Ids of other records' representations, or none at all, are 404.
    for bad in ("e" * 26, "x"):
        status, _, body = end(server, pat, pat.record, bad)
        assert status == 404 and error_code(body) == "not_found", body
    # Staff have no representations of their own.
    assert mine(server, op) == []
