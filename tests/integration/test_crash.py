"""Crash safety: akted killed with SIGKILL in the middle of a large upload
and in the middle of deletions. After a restart every committed document
opens and matches its SHA-256, nothing half-written is listed, and the
orphan sweep (run at start, here with AKTE_ORPHAN_AGE=0) removes the
leftovers."""

import hashlib
import os
import socket
import threading
import time

from akte_client import wait_until
from people import patient, staff


def _setup(akted, smtp_server):
    server = akted(env={"AKTE_ORPHAN_AGE": "0"})
    op = staff(server, smtp_server, "operator")
    pat = patient(server, smtp_server, op)
    pat.record = server.call("GET", "/api/v1/me", token=pat.token)[2]["records"][0]["id"]
    return server, pat


def _upload(server, pat, data, title):
    status, _, doc = server.call(
        "POST", f"/api/v1/records/{pat.record}/documents?title={title}&category=befund",
        body=data, content_type="application/octet-stream", token=pat.token)
    assert status == 201, doc
    return doc


def _blob_files(server):
    return sorted(p for p in (server.data / "blobs").rglob("*") if p.is_file())


def _check_all(server, pat, expected):
    status, _, page = server.call("GET", f"/api/v1/records/{pat.record}/documents?limit=200",
                                  token=pat.token)
    assert status == 200
    listed = {d["id"]: d for d in page["items"]}
    assert set(listed) == set(expected)
    for doc_id, sha in expected.items():
        status, _, body = server.call("GET", f"/api/v1/documents/{doc_id}/content",
                                      token=pat.token)
        assert status == 200 and hashlib.sha256(body).hexdigest() == sha
    # One blob file per listed document, no temporary files.
    assert len(_blob_files(server)) == len(expected)


def test_kill_during_large_upload(akted, smtp_server):
    server, pat = _setup(akted, smtp_server)
    expected = {}
    for i in range(3):
        data = os.urandom(200_000 + i)
        expected[_upload(server, pat, data, f"doc{i}")["id"]] = hashlib.sha256(data).hexdigest()
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall((f"POST /api/v1/records/{pat.record}/documents?title=big&category=befund "
               f"HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {pat.token}\r\n"
               f"Content-Type: application/octet-stream\r\nContent-Length: 300000000\r\n\r\n"
               ).encode())
    chunk = os.urandom(1 << 20)
    for _ in range(40):
        s.sendall(chunk)
    wait_until(lambda: list((server.data / "blobs" / "tmp").glob("*.part")),
               what="the upload's temporary file")
    server.kill()
    s.close()
    assert list((server.data / "blobs" / "tmp").glob("*.part")), "nothing half-written to test"
    server.start()
    # The sweep at start removed the half-written file.
    wait_until(lambda: not list((server.data / "blobs" / "tmp").glob("*.part")),
               what="the sweep to remove the half-written blob")
    _check_all(server, pat, expected)


def test_kill_during_deletes(akted, smtp_server):
    server, pat = _setup(akted, smtp_server)
    docs = {}
    for i in range(24):
        data = os.urandom(50_000 + i)
        docs[_upload(server, pat, data, f"doc{i}")["id"]] = hashlib.sha256(data).hexdigest()
    ids = list(docs)
    deleted = set()

    def deleter(part):
        for doc_id in part:
            try:
                status, _, _ = server.call("DELETE", f"/api/v1/documents/{doc_id}",
                                           token=pat.token, timeout=5)
                if status == 200:
                    deleted.add(doc_id)
            except OSError:
                return  # the server is gone

    threads = [threading.Thread(target=deleter, args=(ids[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    server.kill()
    for t in threads:
        t.join()
    server.start()
    status, _, page = server.call("GET", f"/api/v1/records/{pat.record}/documents?limit=200",
                                  token=pat.token)
    remaining = {d["id"] for d in page["items"]}
    # Whatever was confirmed deleted is gone; whatever remains opens whole.
    assert not (remaining & deleted)
    _check_all(server, pat, {i: docs[i] for i in remaining})
