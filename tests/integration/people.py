"""people.py — making the actors of a test on a running akted: staff
accounts through `akted admin`, logged in through the real device
confirmation mail, and patients created by an operator and activated with
the code from their letter. Each call makes a fresh account, so TOTP steps
of one test never collide with another's."""

import itertools
import os

from akte_client import error_code, login_confirmed, totp

_counter = itertools.count()


def unique(prefix):
    return f"{prefix}{os.getpid()}x{next(_counter)}"


class Person:
    def __init__(self, login, password, secret, id=None, token=None, device=None):
        self.login, self.password, self.secret = login, password, secret
        self.id, self.token, self.device = id, token, device

    def __repr__(self):
        return f"<Person {self.login}>"


def staff(server, smtp, role, org=None, log_in=True):
    """A staff account (admin, operator or provider), logged in by default."""
    login = unique(role) + "@example.org"
    password = "Sicheres-Passwort-" + unique("p")
    made = server.create_user(role, login, password, org=org)
    p = Person(login, password, made["totp_secret"], id=made["id"], device=unique("device-"))
    if log_in:
        p.token = login_confirmed(server, smtp, login, password, p.secret, p.device)
    return p


# A valid KVNR for every index: letter + 8 digits + check digit computed
# with the rule from data/kvnr.json (tested on its own in the unit tests).
def kvnr(n):
    letter = chr(ord("A") + n % 26)
    digits = f"{(n * 7919 + 1234567) % 100000000:08d}"
    seq = f"{ord(letter) - 64:02d}" + digits
    total = 0
    for i, ch in enumerate(seq):
        v = int(ch) * (1 if i % 2 == 0 else 2)
        total += v // 10 + v % 10
    return letter + digits + str(total % 10)


def patient_fields(**over):
    n = next(_counter) + os.getpid() * 1000
    fields = {"name": "Erika Musterfrau", "birth_date": "1985-04-03", "sex": "female",
              "kvnr": kvnr(n), "email": unique("patient") + "@example.org"}
    fields.update(over)
    return fields


def create_patient(server, operator, **over):
    fields = patient_fields(**over)
    status, _, body = server.call("POST", "/api/v1/patients", json=fields, token=operator.token)
    assert status == 201, (status, body)
    body["fields"] = fields
    return body


def activate(server, code, password):
    """Both activation steps; returns the TOTP secret."""
    status, _, body = server.call("POST", "/api/v1/activate",
                                  json={"code": code, "password": password})
    assert status == 200, (status, body)
    secret = body["totp_secret"]
    status, _, body = server.call("POST", "/api/v1/activate/confirm",
                                  json={"code": code, "totp": totp(secret)})
    assert status == 200, (status, body)
    return secret


def patient(server, smtp, operator, log_in=True):
    """A patient account created by operator, activated, logged in."""
    made = create_patient(server, operator)
    password = "Mein-Akte-Passwort-" + unique("p")
    secret = activate(server, made["activation_code"], password)
    p = Person(made["fields"]["email"], password, secret, id=made["id"],
               device=unique("device-"))
    if log_in:
        p.token = login_confirmed(server, smtp, p.login, password, secret, p.device)
    return p


__all__ = ["Person", "staff", "patient", "create_patient", "activate", "patient_fields",
           "kvnr", "unique", "error_code"]
