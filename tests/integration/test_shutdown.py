"""Stopping: SIGTERM ends akted within its 10-second grace even while the
outbox is stuck talking to a relay that accepted the connection and then
said nothing; the mail stays queued for the next start."""

import socket
import threading
import time

from akte_client import free_port, metric
from people import staff


def test_sigterm_while_relay_stalls(akted, smtp_server):
    port = free_port()
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen(4)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])  # accepted, never answered
            except socket.timeout:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        server = akted(smtp=f"smtp://127.0.0.1:{port}")
        who = staff(server, smtp_server, "operator", log_in=False)
        status, _, _ = server.call("POST", "/api/v1/auth/login", json={
            "login": who.login, "password": who.password, "totp": "000000",
            "device": who.device})
        # A wrong code sends nothing; a right one queues the device mail.
        from akte_client import totp
        status, _, _ = server.call("POST", "/api/v1/auth/login", json={
            "login": who.login, "password": who.password, "totp": totp(who.secret),
            "device": who.device})
        assert status == 403
        deadline = time.monotonic() + 10
        while not held and time.monotonic() < deadline:
            time.sleep(0.05)
        assert held, "the outbox never connected to the relay"
        started = time.monotonic()
        server.stop()  # asserts exit code 0 within 10 s
        assert time.monotonic() - started < 10
        server.restart(env={"AKTE_SMTP_URL": smtp_server.url, "AKTE_OUTBOX_RETRY_BASE": "1"})
        mail = smtp_server.wait_for(lambda m: who.login in m.rcpt_tos, timeout=20)
        assert "/api/v1/devices/confirm?token=" in mail.text
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        listener.close()
