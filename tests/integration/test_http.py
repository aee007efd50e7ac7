"""The HTTP server itself: limits, content types, malformed bodies, error
shape, security headers, request ids and logs, metrics, stopping."""

import http.client
import json
import socket
import subprocess
import threading
import time

import pytest

from akte_client import error_code, metric
from people import staff


@pytest.fixture
def server(akted):
    return akted()


def test_error_shape_404_405(server):
    status, headers, body = server.call("GET", "/api/v1/nothing-here")
    assert status == 404 and set(body["error"]) >= {"code", "message"}
    status, _, body = server.call("DELETE", "/api/v1/me")
    assert status == 405


def test_security_headers_and_request_id(server):
    ids = set()
    for _ in range(3):
        status, headers, _ = server.call("GET", "/healthz")
        assert status == 200
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer"
        ids.add(headers["X-Request-Id"])
    assert len(ids) == 3
    # The log line is written when the answer is complete: wait for it.
    from akte_client import wait_until
    wait_until(lambda: ids <= {line.get("id") for line in server.log_lines()
                               if line.get("event") == "request"}, what="request log lines")


def test_body_too_large_is_413_without_reading_it(server):
    """A declared 10 MB body to a small route is refused before one byte of
    it is sent."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    assert data.startswith(b"HTTP/1.1 413"), data[:200]
    assert b'"too_large"' in data


def test_chunked_body_too_large_is_413(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    def chunks():
        for _ in range(40):
            yield b"x" * 65536
    conn.request("POST", "/api/v1/auth/login", body=chunks(),
                 headers={"Content-Type": "application/json"}, encode_chunked=True)
    resp = conn.getresponse()
    assert resp.status == 413
    conn.close()


def test_wrong_content_type_is_415(server):
    status, _, body = server.call("POST", "/api/v1/auth/login", body="login=a",
                                  content_type="application/x-www-form-urlencoded")
    assert status == 415
    status, _, body = server.call("POST", "/api/v1/auth/login", body='{"a":1}',
                                  content_type="text/plain")
    assert status == 415


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b"\"text\"", b"{\"a\":1,\"a\":2}",
                                 b"\xff\xfe{}", rb'{"login": "a\u0000b"}'])
def test_malformed_json_is_400(server, raw):
    status, _, body = server.call("POST", "/api/v1/auth/login", body=raw,
                                  content_type="application/json")
    assert status in (400, 422), (raw, status, body)
    assert error_code(body)


def test_huge_header_refused(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    assert not data.startswith(b"HTTP/1.1 200")
    # The server is still fine afterwards.
    assert server.call("GET", "/healthz")[0] == 200


def test_metrics(server, smtp_server):
    server.call("GET", "/healthz")
    server.call("GET", "/api/v1/me")
    status, headers, text = server.call("GET", "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    text = text.decode()
    assert 'akte_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'route="/api/v1/me",status="401"' in text
    assert metric(text, "akte_http_request_duration_seconds_count") >= 2
    assert metric(text, "akte_outbox_queue_length") is not None


def test_logs_hold_no_secrets(server, smtp_server):
    who = staff(server, smtp_server, "operator")
    server.call("POST", "/api/v1/auth/login",
                json={"login": who.login, "password": "Geheim-Falsch-123", "totp": "111111",
                      "device": who.device})
    text = server.stderr_text()
    for secret in (who.password, "Geheim-Falsch-123", who.secret, who.token, who.device):
        assert secret not in text
    for line in server.log_lines():
        assert "password" not in json.dumps(line).lower() or line.get("event") != "request"


def test_admin_works_while_server_runs(server, smtp_server):
    org = server.create_org(name="Radiologie am Markt", kind="imaging")
    assert len(org["id"]) == 26
    who = staff(server, smtp_server, "provider", org=org["id"])
    status, _, me = server.call("GET", "/api/v1/me", token=who.token)
    assert me["org"]["name"] == "Radiologie am Markt" and me["role"] == "provider"
    status, _, found = server.call("GET", "/api/v1/orgs?q=markt", token=who.token)
    assert [o["id"] for o in found["items"]] == [org["id"]]
    status, _, _ = server.call("GET", "/api/v1/orgs?limit=1000", token=who.token)
    assert status == 422


def test_admin_cli_errors(server):
    from akte_client import AKTED
    run = lambda *a, stdin="": subprocess.run([AKTED, "admin", "--data", str(server.data), *a],
                                              input=stdin, capture_output=True, text=True)
    r = run("create-org", "--kind", "spaceship", "--name", "X", "--json")
    assert r.returncode == 1 and json.loads(r.stdout)["error"]["field"] == "kind"
    r = run("create-user", "--role", "provider", "--login", "p@example.org", "--password-stdin",
            "--json", stdin="Ein-gutes-Passwort-1\n")
    assert r.returncode == 1 and json.loads(r.stdout)["error"]["field"] == "org"
    r = run("create-user", "--role", "operator", "--login", "o@example.org", "--password-stdin",
            "--json", stdin="kurz\n")
    assert r.returncode == 1 and json.loads(r.stdout)["error"]["field"] == "password"
    r = run("create-user", "--role", "operator", "--login", "o@example.org", "--json")
    assert r.returncode == 2
    r = run("launch-rockets")
    assert r.returncode == 2


def test_api_user_and_org_creation_by_admin_only(server, smtp_server):
    adm = staff(server, smtp_server, "admin")
    op = staff(server, smtp_server, "operator")
    status, _, org = server.call("POST", "/api/v1/orgs", token=adm.token,
                                 json={"kind": "pharmacy", "name": "Apotheke am Ring",
                                       "telematik_id": "3-SMC-B-Test"})
    assert status == 201
    status, _, body = server.call("POST", "/api/v1/orgs", token=adm.token,
                                  json={"kind": "pharmacy", "name": "Noch eine",
                                        "telematik_id": "3-SMC-B-Test"})
    assert status == 409
    status, _, _ = server.call("POST", "/api/v1/orgs", token=op.token,
                               json={"kind": "pharmacy", "name": "X"})
    assert status == 403
    status, _, made = server.call("POST", "/api/v1/users", token=adm.token,
                                  json={"role": "provider", "login": "pharm@example.org",
                                        "org": org["id"], "password": "Ein-gutes-Passwort-1"})
    assert status == 201 and len(made["totp_secret"]) == 32
    status, _, _ = server.call("POST", "/api/v1/users", token=op.token,
                               json={"role": "admin", "login": "evil@example.org",
                                     "password": "Ein-gutes-Passwort-1"})
    assert status == 403
    status, _, body = server.call("POST", "/api/v1/users", token=adm.token,
                                  json={"role": "patient", "login": "p2@example.org",
                                        "password": "Ein-gutes-Passwort-1"})
    assert status == 422 and body["error"]["field"] == "role"


def test_sigterm_finishes_in_flight_requests(server, smtp_server):
    """A slow request (an Argon2id login) started before SIGTERM still gets
    its answer, and the server exits 0."""
    results = []
    def slow():
        results.append(server.call("POST", "/api/v1/auth/login",
                                   json={"login": "x@example.org", "password": "p" * 20,
                                         "totp": "123456", "device": "abcdefgh12"}))
    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.05)
    server.stop()
    t.join(timeout=20)
    assert results and results[0][0] == 401
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


def test_empty_data_dir_is_initialised(server):
    import os
    import stat
    for sub in ("akte.db", "blobs", "spool", "keys/master.key"):
        assert (server.data / sub).exists(), sub
    mode = stat.S_IMODE(os.stat(server.data / "keys" / "master.key").st_mode)
    assert mode == 0o600
