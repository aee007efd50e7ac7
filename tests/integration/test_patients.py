"""The operator's desk and activation: creating patients with every field
checked, the printed letter and its QR code (read back with zbarimg),
re-issuing, and the two activation steps with reused, replaced, expired
and mistyped codes."""

import base64
import re
import subprocess
import time

import pytest

from akte_client import error_code, totp
from people import activate, create_patient, patient, patient_fields, staff


@pytest.fixture
def desk(akted, smtp_server):
    server = akted()
    op = staff(server, smtp_server, "operator")
    return server, op


def test_operator_creates_patient_and_code_format(desk):
    server, op = desk
    made = create_patient(server, op)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", made["activation_code"])
    assert made["id"] and made["activation_expires"].endswith("Z")
    # The code is stored only as a hash: it appears nowhere in the database.
    raw = (server.data / "akte.db").read_bytes()
    wal = server.data / "akte.db-wal"
    if wal.exists():
        raw += wal.read_bytes()
    assert made["activation_code"].replace("-", "").encode() not in raw
    assert made["activation_code"].encode() not in raw


@pytest.mark.parametrize("field,value,fragment", [
    ("kvnr", "A12345678", "kvnr"),            # too short
    ("kvnr", "A123456781", "kvnr"),           # wrong check digit
    ("kvnr", "a123456780", "kvnr"),           # lower case
    ("birth_date", "1985-02-30", "birth_date"),
    ("birth_date", "2999-01-01", "birth_date"),
    ("birth_date", "03.04.1985", "birth_date"),
    ("email", "not-an-address", "email"),
    ("email", "a@b", "email"),
    ("sex", "x", "sex"),
    ("name", "", "name"),
    ("name", "Bad\u0001Name", "name"),
    ("phone", "0176 123", "phone"),
])
def test_patient_field_errors_name_the_field(desk, field, value, fragment):
    server, op = desk
    fields = patient_fields(**{field: value})
    status, _, body = server.call("POST", "/api/v1/patients", json=fields, token=op.token)
    assert status == 422, body
    assert body["error"]["field"] == fragment


def test_patient_wrong_types_unknown_fields_and_duplicates(desk):
    server, op = desk
    status, _, body = server.call("POST", "/api/v1/patients",
                                  json=patient_fields(birth_date=19850403), token=op.token)
    assert status == 422 and body["error"]["field"] == "birth_date"
    status, _, body = server.call("POST", "/api/v1/patients",
                                  json={**patient_fields(), "admin": True}, token=op.token)
    assert status == 422 and body["error"]["field"] == "admin"
    fields = patient_fields()
    create = lambda f: server.call("POST", "/api/v1/patients", json=f, token=op.token)
    assert create(fields)[0] == 201
    status, _, body = create({**fields, "email": "other-" + fields["email"]})
    assert status == 409 and body["error"]["field"] == "kvnr"
    status, _, body = create(patient_fields(email=fields["email"]))
    assert status == 409 and body["error"]["field"] == "email"


def test_only_operators_create_patients(akted, smtp_server):
    server = akted()
    org = server.create_org()["id"]
    prov = staff(server, smtp_server, "provider", org=org)
    adm = staff(server, smtp_server, "admin")
    for who in (prov, adm):
        status, _, body = server.call("POST", "/api/v1/patients", json=patient_fields(),
                                      token=who.token)
        assert status == 403, body
    status, _, _ = server.call("POST", "/api/v1/patients", json=patient_fields())
    assert status == 401


def _qr_text(tmp_path, html):
    m = re.search(r'src="data:image/png;base64,([^"]+)"', html)
    assert m, "no QR image in the letter"
    png = tmp_path / "qr.png"
    png.write_bytes(base64.b64decode(m.group(1)))
    out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_letter_has_code_and_decodable_qr(desk, tmp_path):
    server, op = desk
    made = create_patient(server, op, name="Jörg <b>Test</b>")
    code = made["activation_code"]
    status, headers, body = server.call(
        "GET", f"/api/v1/patients/{made['id']}/letter?code={code}", token=op.token)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    html = body.decode()
    assert code in html
    assert "Jörg &lt;b&gt;Test&lt;/b&gt;" in html and "<b>Test</b>" not in html
    assert "<script" not in html
    assert "style-src 'sha256-" in headers["Content-Security-Policy"]
    assert _qr_text(tmp_path, html) == f"{server.url}/activate#code={code}"
    # The code typed with spaces and lower case still finds the letter.
    loose = code.lower().replace("-", " ")
    status, _, _ = server.call(
        "GET", f"/api/v1/patients/{made['id']}/letter?code={loose.replace(' ', '%20')}",
        token=op.token)
    assert status == 200
    # A wrong code, another patient's id, no code: 404 / 422.
    other = create_patient(server, op)
    status, _, _ = server.call(
        "GET", f"/api/v1/patients/{other['id']}/letter?code={code}", token=op.token)
    assert status == 404
    status, _, body = server.call("GET", f"/api/v1/patients/{made['id']}/letter", token=op.token)
    assert status == 422 and body["error"]["field"] == "code"


def test_reissue_invalidates_old_code(desk):
    server, op = desk
    made = create_patient(server, op)
    status, _, new = server.call("POST", f"/api/v1/patients/{made['id']}/activation",
                                 token=op.token)
    assert status == 201 and new["activation_code"] != made["activation_code"]
    status, _, body = server.call("POST", "/api/v1/activate",
                                  json={"code": made["activation_code"],
                                        "password": "Ein-gutes-Passwort-1"})
    assert status == 410 and error_code(body) == "code_replaced"
    status, _, _ = server.call(
        "GET", f"/api/v1/patients/{made['id']}/letter?code={made['activation_code']}",
        token=op.token)
    assert status == 404
    activate(server, new["activation_code"], "Ein-gutes-Passwort-1")
    status, _, body = server.call("POST", f"/api/v1/patients/{made['id']}/activation",
                                  token=op.token)
    assert status == 409 and error_code(body) == "already_active"
    status, _, _ = server.call("POST", "/api/v1/patients/nosuchpatientid000000000000/activation",
                               token=op.token)
    assert status == 404


def test_activation_password_rules_and_code_errors(desk):
    server, op = desk
    code = create_patient(server, op)["activation_code"]
    act = lambda c, pw: server.call("POST", "/api/v1/activate", json={"code": c, "password": pw})
    for pw in ("kurz", "1234567890", "passwort123", "Passwort123"):
        status, _, body = act(code, pw)
        assert status == 422 and body["error"]["field"] == "password", (pw, body)
    status, _, body = act("ABCD", "Ein-gutes-Passwort-1")
    assert status == 422 and body["error"]["field"] == "code"
    status, _, body = act("0000-0000-0000-0000-0000", "Ein-gutes-Passwort-1")
    assert status == 404 and error_code(body) == "code_unknown"
    # Confirm before choosing a password.
    status, _, body = server.call("POST", "/api/v1/activate/confirm",
                                  json={"code": code, "totp": "123456"})
    assert status == 409 and error_code(body) == "activation_not_started"
    status, _, body = act(code, "Ein-gutes-Passwort-1")
    assert status == 200
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={body['totp_secret']}" in body["otpauth_uri"]
    secret = body["totp_secret"]
    # A wrong TOTP, a malformed one: refused, the account stays pending.
    for bad in ("000000", "12345", "abcdef"):
        status, _, body = server.call("POST", "/api/v1/activate/confirm",
                                      json={"code": code, "totp": bad})
        assert status == 422 and body["error"]["field"] == "totp"
    status, _, body = server.call("POST", "/api/v1/activate/confirm",
                                  json={"code": code, "totp": totp(secret)})
    assert status == 200 and body == {"active": True}
    # Reused code.
    status, _, body = act(code, "Ein-gutes-Passwort-2")
    assert status == 410 and error_code(body) == "code_used"
    status, _, body = server.call("POST", "/api/v1/activate/confirm",
                                  json={"code": code, "totp": totp(secret)})
    assert status == 410


def test_expired_activation_code(akted, smtp_server):
    server = akted(env={"AKTE_ACTIVATION_TTL": "60"})
    op = staff(server, smtp_server, "operator")
    code = create_patient(server, op)["activation_code"]
    # Make it expire by moving its expiry into the past, as time would.
    subprocess.run(["sqlite3", str(server.data / "akte.db"),
                    "UPDATE activation_codes SET expires_at = expires_at - 61;"], check=True)
    status, _, body = server.call("POST", "/api/v1/activate",
                                  json={"code": code, "password": "Ein-gutes-Passwort-1"})
    assert status == 410 and error_code(body) == "code_expired"


def test_activated_patient_logs_in_and_sees_record(desk, smtp_server):
    server, op = desk
    p = patient(server, smtp_server, op)
    status, _, me = server.call("GET", "/api/v1/me", token=p.token)
    assert status == 200
    assert me["role"] == "patient" and me["login"] == p.login
    assert len(me["records"]) == 1 and me["records"][0]["capacity"] == "patient"
