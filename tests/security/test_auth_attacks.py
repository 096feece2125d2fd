"""Attacks on authentication and logging, each asserting what the attacker
would have gained: a locked user's lockout bypassed through look-alike names,
more password guesses than the limit by sending them in parallel, everyone
behind one address locked out, a fresh address budget from a spoofed
X-Real-IP, admin work done with a demoted or disabled creator's API token,
a forged line in zq-api.log, and a cross-site form login. (The route x role
matrix is tests/integration/test_api_roles.py.)"""
import json
import os
import re
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from api_util import login, session, unique
from zqstack import Proc, free_port, wait_for

MAX_FAILURES = 5                # api.login_max_failures (the suite stack's default)
ADDR_LIMIT = 4 * MAX_FAILURES   # per client address


@pytest.fixture(autouse=True)
def fresh_address(stack):
    """Every test here fails logins from 127.0.0.1: start each from a clean
    address budget, and leave a clean one to the rest of the suite."""
    stack.sql("DELETE FROM login_attempts WHERE subject LIKE 'addr:%'")
    yield
    stack.sql("DELETE FROM login_attempts WHERE subject LIKE 'addr:%'")


def make_user(stack, admin, name=None, role="viewer", password=None):
    name = name or unique("u").replace("-", "_")
    password = password or "right-" + unique("pw")
    r = admin.post(stack.api_url + "/users", json={"username": name, "password": password,
                                                   "role": role}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json(), password


def sessions_of(stack, user_id):
    return int(stack.sql_value(f"SELECT COUNT(*) FROM api_tokens WHERE user_id = {user_id} "
                               "AND kind = 'session'"))


# ---- 1. lockout bypass through names the database folds together ----------------------

VARIANTS = [
    "rv_lock\u0001", "rv_lock\u200b", "\u200brv_lock", "rv_lock\u00ad", "rv_lock\ufeff",
    "rv_lock\u202e", "rv_lock\u0000", "rv_lock\n", "rv_lock\t",
    "RV_LOCK", "Rv_Lock", "rv_lock ", " rv_lock", "rv_lock  ",
    "rv_l\u00f6ck", "rv_lock\u0301", "rv_\uff4cock",
]


def test_a_locked_user_stays_locked_under_every_look_alike_name(stack, admin):
    user, pw = make_user(stack, admin, name="rv_lock")
    for _ in range(MAX_FAILURES):
        assert login(stack, "rv_lock", "wrong password").status_code == 401
    r = login(stack, "rv_lock", pw)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    stack.sql("DELETE FROM login_attempts WHERE subject LIKE 'addr:%'")  # the user's lock only
    gained = []
    for name in VARIANTS:
        r = login(stack, name, pw)  # the right password under another spelling
        if r.status_code not in (400, 401, 429) or "access_token" in r.text:
            gained.append(f"{name!r} -> {r.status_code} {r.text[:100]}")
    assert not gained, "logged in while locked:\n" + "\n".join(gained)
    assert sessions_of(stack, user["id"]) == 0
    # the lock is keyed on the user, not on the spelling
    assert stack.sql_value(f"SELECT failures >= {MAX_FAILURES} FROM login_attempts "
                           f"WHERE subject = 'user:{user['id']}'") == "1"
    assert login(stack, "rv_lock", pw).status_code == 429


def test_a_name_outside_the_rule_costs_a_password_check(stack, admin):
    """Control / format characters are refused after the dummy hash: no
    faster answer tells the attacker which names are special."""
    user, pw = make_user(stack, admin)

    def took(name, password):
        t0 = time.monotonic()
        r = login(stack, name, password)
        assert r.status_code == 401, r.text
        return time.monotonic() - t0

    wrong = sorted(took(user["username"], "wrong password") for _ in range(3))[1]
    bad = sorted(took(user["username"] + "\u0001", pw) for _ in range(3))[1]
    assert bad > 0.5 * wrong, (bad, wrong)
    assert sessions_of(stack, user["id"]) == 0


# ---- 2. parallel guesses, and one address for everyone -------------------------------------

def test_parallel_guesses_get_no_more_password_checks_than_the_limit(stack, admin):
    user, pw = make_user(stack, admin)
    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(lambda i: login(stack, user["username"], f"guess {i}").status_code,
                              range(12)))
    # each 401 is a password checked; past the limit the answer is 429 unchecked
    assert codes.count(401) <= MAX_FAILURES, codes
    assert codes.count(401) + codes.count(429) == 12, codes
    assert login(stack, user["username"], pw).status_code == 429


def test_guessing_from_an_address_slows_it_but_lets_its_users_in(stack, admin):
    """Behind NAT everyone shares the address: a guesser spraying names must
    not lock the others out, only slow himself down."""
    user, pw = make_user(stack, admin)
    for i in range(ADDR_LIMIT):
        assert login(stack, unique("nobody"), "spray").status_code == 401
    times = []
    for i in range(4):
        t0 = time.monotonic()
        assert login(stack, unique("nobody"), "spray").status_code == 401
        times.append(time.monotonic() - t0)
    # 100, 200, 400, 800 ms more than a password check
    assert times[3] - times[0] > 0.5, times
    t0 = time.monotonic()
    r = login(stack, user["username"], pw)
    assert r.status_code == 200, r.text
    assert r.json()["access_token"].startswith("zqs_")
    assert time.monotonic() - t0 < 10


# ---- 6. a spoofed client address ----------------------------------------------------------

def test_a_spoofed_x_real_ip_gets_no_fresh_address_budget(stack, admin):
    for i in range(ADDR_LIMIT + 1):
        spoof = f"198.51.100.{i + 1}"
        r = requests.post(stack.api_url + "/auth/login",
                          json={"username": unique("nobody"), "password": "spray"},
                          headers={"X-Real-IP": spoof, "X-Forwarded-For": spoof,
                                   "Forwarded": f"for={spoof}"}, timeout=30)
        assert r.status_code == 401
    rows = stack.sql("SELECT subject, failures FROM login_attempts WHERE subject LIKE 'addr:%'")
    assert rows == [["addr:127.0.0.1", str(ADDR_LIMIT + 1)]], rows
    spoofed = stack.sql_value("SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' "
                              "AND client_addr LIKE '198.51.100.%'")
    assert spoofed == "0"


def test_forging_remote_addr_over_fastcgi_from_an_untrusted_peer_gains_nothing(stack):
    """A zq-api on TCP trusting only a local nginx on its unix socket: whoever
    reaches the port and speaks FastCGI sets every parameter, REMOTE_ADDR
    included, so that peer is taken as the client instead."""
    port = free_port()
    conf = stack.write_config(os.path.join(stack.tmp, "untrusted.conf"),
                              api__listen=f"127.0.0.1:{port}", api__trusted_proxies="unix")
    p = Proc("zq-api-untrusted", [stack.bin("zq-api"), "--config", conf],
             os.path.join(stack.log_dir, "zq-api-untrusted.log"), env=stack.env("zq-api-untrusted"))
    try:
        def up():
            with socket.socket() as c:
                return c.connect_ex(("127.0.0.1", port)) == 0
        wait_for(up, what="zq-api on TCP")
        for i in range(3):
            spoof = f"203.0.113.{i + 1}"
            body = json.dumps({"username": unique("nobody"), "password": "spray"}).encode()
            env = {"PATH": os.environ["PATH"], "REQUEST_METHOD": "POST",
                   "DOCUMENT_URI": "/api/v1/auth/login", "QUERY_STRING": "",
                   "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                   "REMOTE_ADDR": spoof, "HTTP_X_REAL_IP": spoof, "HTTP_X_FORWARDED_FOR": spoof}
            r = subprocess.run(["cgi-fcgi", "-bind", "-connect", f"127.0.0.1:{port}"], env=env,
                               input=body, capture_output=True, timeout=30)
            assert b"Status: 401" in r.stdout, r.stdout
    finally:
        assert p.stop() == 0
    rows = stack.sql("SELECT subject, failures FROM login_attempts WHERE subject LIKE 'addr:%'")
    assert rows == [["addr:127.0.0.1", "3"]], rows
    assert stack.sql_value("SELECT COUNT(*) FROM audit_log WHERE client_addr LIKE '203.0.113.%'") \
        == "0"


# ---- 3. API tokens outliving their creator's role --------------------------------------------

@pytest.fixture(scope="module")
def spare_admin(stack):
    """Another enabled admin, so ours is never the last one (which zq keeps)."""
    return make_user(stack, stack.session("admin"), role="admin")[0]


def token_of(stack, admin, role="admin"):
    """An admin user and an API token it created."""
    user, pw = make_user(stack, admin, role="admin")
    me = session(login(stack, user["username"], pw).json()["access_token"])
    name = unique("tok")
    r = me.post(stack.api_url + "/tokens", json={"name": name, "role": role}, timeout=10)
    assert r.status_code == 201, r.text
    return user, name, session(r.json()["token"])


def test_a_demoted_creators_token_does_no_admin_work(stack, admin, spare_admin):
    user, name, tok = token_of(stack, admin)
    assert tok.get(stack.api_url + "/users", timeout=10).status_code == 200
    r = admin.patch(stack.api_url + f"/users/{user['id']}", json={"role": "viewer"}, timeout=10)
    assert r.status_code == 200
    r = tok.get(stack.api_url + "/users", timeout=10)
    assert r.status_code == 403 and "admin" in r.json()["detail"]
    r = tok.post(stack.api_url + "/users", json={"username": unique("evil"),
                                                 "password": "evil password"}, timeout=30)
    assert r.status_code == 403
    r = tok.post(stack.api_url + "/tokens", json={"name": "escape", "role": "admin"}, timeout=10)
    assert r.status_code == 403
    assert tok.get(stack.api_url + "/auth/me", timeout=10).json()["role"] == "viewer"
    assert tok.get(stack.api_url + "/scheduler/tasks", timeout=10).status_code == 200


def test_a_disabled_or_deleted_creators_token_is_refused(stack, admin, spare_admin):
    user, name, tok = token_of(stack, admin)
    admin.patch(stack.api_url + f"/users/{user['id']}", json={"disabled": True}, timeout=10)
    assert tok.get(stack.api_url + "/scheduler/tasks", timeout=10).status_code == 401
    # re-enabled with less: the token has no more than that
    admin.patch(stack.api_url + f"/users/{user['id']}", json={"disabled": False,
                                                              "role": "operator"}, timeout=10)
    assert tok.get(stack.api_url + "/users", timeout=10).status_code == 403
    assert tok.get(stack.api_url + "/auth/me", timeout=10).json()["role"] == "operator"
    assert admin.delete(stack.api_url + f"/users/{user['id']}", timeout=10).status_code == 200
    assert tok.get(stack.api_url + "/auth/me", timeout=10).status_code == 401


def test_the_audit_log_names_the_token_and_its_creator(stack, admin):
    user, name, tok = token_of(stack, admin)
    r = tok.post(stack.api_url + "/scheduler/tasks", json={
        "name": unique("audited"), "task_type": "manual_task", "config": {"command": "true"}},
        timeout=10)
    assert r.status_code == 201, r.text
    actor = stack.sql_value(f"SELECT actor FROM audit_log WHERE action = 'create' "
                            f"AND target_id = {r.json()['id']}")
    assert actor == f"token:{name} (by {user['username']})"


# ---- 4. log forging -------------------------------------------------------------------------

def test_a_username_cannot_forge_a_line_in_the_api_log(stack):
    forged = "2026-12-01T09:00:00.000Z INFO zq-api[1]: LOGIN user=admin"
    for sep in ("\n", "\r\n", "\r", "\u2028", "\x85"):
        r = login(stack, "x" + sep + forged, "whatever pw")
        assert r.status_code == 401
    log = os.path.join(stack.log_dir, "zq-api.log")
    deadline = time.monotonic() + 5
    while True:
        with open(log, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        if text.count(forged) >= 5 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert text.count(forged) >= 5  # the attempts were logged ...
    for line in re.split(r"\r\n|\r|\n|\u2028|\x85", text):
        assert not line.startswith(forged), "forged line: " + line  # ... on their own lines
    assert "LOGIN FAILED user=x\\n" + forged in text


# ---- 5. cross-site form login ---------------------------------------------------------------

def test_a_cross_site_form_cannot_log_anyone_in(stack, admin):
    user, pw = make_user(stack, admin)
    creds = {"username": user["username"], "password": pw}
    for kw in ({"data": creds},                                    # a plain <form>
               {"files": {k: (None, v) for k, v in creds.items()}},  # enctype=multipart
               {"data": '{"username": "%s", "password": "%s"}' % (user["username"], pw),
                "headers": {"Content-Type": "text/plain"}}):     # enctype=text/plain
        r = requests.post(stack.api_url + "/auth/login", timeout=30, **kw)
        assert r.status_code in (400, 415), r.text
        assert r.json()["detail"] and "access_token" not in r.text
    assert sessions_of(stack, user["id"]) == 0
    assert login(stack, user["username"], pw).status_code == 200  # JSON, as the pages send
