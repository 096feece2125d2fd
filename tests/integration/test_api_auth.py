"""Login (JSON only), sessions, /auth/me, logout; users and API tokens
managed by admins; revocation on password / role / disabled changes; the
last admin is protected; secrets never come back or reach the logs.
(Lockout after repeated failures: test_api_process.py, on a private stack.)"""
import os

import requests

from api_util import login, session, unique


def make_user(stack, admin, role="viewer", password="correct horse battery"):
    name = unique("u")
    r = admin.post(stack.api_url + "/users", json={"username": name, "password": password,
                                                   "role": role}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json(), password


def test_login_json_returns_a_bearer_token(stack, admin):
    user, pw = make_user(stack, admin, "operator")
    r = login(stack, user["username"], pw)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 12 * 3600
    assert body["access_token"].startswith("zqs_")
    assert body["user"] == {"id": user["id"], "username": user["username"], "role": "operator"}
    me = session(body["access_token"]).get(stack.api_url + "/auth/me", timeout=10).json()
    assert me["username"] == user["username"] and me["role"] == "operator"
    assert me["token"]["kind"] == "session" and me["token"]["expires_at"]
    # the session is stored hashed, never in clear
    assert stack.sql_value("SELECT COUNT(*) FROM api_tokens WHERE token_hash = '%s' OR prefix = '%s'"
                           % (body["access_token"], body["access_token"])) == "0"


def test_login_takes_json_only(stack, admin):
    # a form post could come from any site without a CORS preflight (login CSRF)
    user, pw = make_user(stack, admin)
    r = requests.post(stack.api_url + "/auth/login",
                      data={"username": user["username"], "password": pw,
                            "grant_type": "password"}, timeout=30)
    assert r.status_code == 400, r.text
    assert "application/json" in r.json()["detail"]
    # OAuth2 password-grant fields in JSON are still accepted and ignored
    r = requests.post(stack.api_url + "/auth/login",
                      json={"username": user["username"], "password": pw,
                            "grant_type": "password"}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "bearer"


def test_login_errors(stack, admin):
    user, pw = make_user(stack, admin)
    r = login(stack, user["username"], "wrong password!")
    assert r.status_code == 401
    assert r.json()["detail"] == "incorrect username or password"
    r = login(stack, "no-such-user-" + unique(), "whatever12")
    assert r.status_code == 401
    assert r.json()["detail"] == "incorrect username or password"
    r = requests.post(stack.api_url + "/auth/login", json={"username": user["username"]},
                      timeout=10)
    assert r.status_code == 400 and r.json()["detail"] == "password: required"
    r = requests.post(stack.api_url + "/auth/login", json={"username": "x", "password": "y",
                                                           "role": "admin"}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"] == "role: unknown field"
    r = requests.post(stack.api_url + "/auth/login", data="username=x",
                      headers={"Content-Type": "text/plain"}, timeout=10)
    assert r.status_code == 400
    # a failed login is audited, with the address
    rows = stack.sql("SELECT actor, client_addr FROM audit_log WHERE action = 'login_failed' "
                     f"AND actor = '{user['username']}'")
    assert rows and rows[0][1] == "127.0.0.1"


def test_logout_ends_the_session(stack, admin):
    user, pw = make_user(stack, admin)
    token = login(stack, user["username"], pw).json()["access_token"]
    s = session(token)
    assert s.post(stack.api_url + "/auth/logout", timeout=10).json() == {"logged_out": True}
    r = s.get(stack.api_url + "/auth/me", timeout=10)
    assert r.status_code == 401
    # an API token is not a session
    r = admin.post(stack.api_url + "/auth/logout", timeout=10)
    assert r.status_code == 400 and "DELETE /api/v1/tokens" in r.json()["detail"]


def test_disabled_user_cannot_log_in_and_loses_sessions(stack, admin):
    user, pw = make_user(stack, admin)
    token = login(stack, user["username"], pw).json()["access_token"]
    r = admin.patch(stack.api_url + f"/users/{user['id']}", json={"disabled": True}, timeout=10)
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert session(token).get(stack.api_url + "/auth/me", timeout=10).status_code == 401
    assert login(stack, user["username"], pw).status_code == 401
    admin.patch(stack.api_url + f"/users/{user['id']}", json={"disabled": False}, timeout=10)
    assert login(stack, user["username"], pw).status_code == 200


def test_password_and_role_changes_revoke_sessions(stack, admin):
    user, pw = make_user(stack, admin, "operator")
    token = login(stack, user["username"], pw).json()["access_token"]
    r = admin.patch(stack.api_url + f"/users/{user['id']}", json={"role": "viewer"}, timeout=10)
    assert r.status_code == 200 and r.json()["role"] == "viewer"
    assert session(token).get(stack.api_url + "/auth/me", timeout=10).status_code == 401
    token = login(stack, user["username"], pw).json()["access_token"]
    assert session(token).get(stack.api_url + "/auth/me", timeout=10).json()["role"] == "viewer"
    r = admin.patch(stack.api_url + f"/users/{user['id']}",
                    json={"password": "another good password"}, timeout=30)
    assert r.status_code == 200
    assert session(token).get(stack.api_url + "/auth/me", timeout=10).status_code == 401
    assert login(stack, user["username"], pw).status_code == 401
    assert login(stack, user["username"], "another good password").status_code == 200


def test_users_crud_and_validation(stack, admin):
    user, _ = make_user(stack, admin)
    listed = admin.get(stack.api_url + "/users?limit=1000", timeout=10).json()
    assert listed["total"] >= 1
    mine = [u for u in listed["users"] if u["id"] == user["id"]]
    assert mine and "password" not in str(mine[0]) and "hash" not in str(mine[0])
    for body, want in (({"username": user["username"], "password": "longenough"}, 409),
                       ({"username": "bad name!", "password": "longenough"}, 400),
                       ({"username": unique("u"), "password": "short"}, 400),
                       ({"username": unique("u"), "password": "longenough", "role": "root"}, 400),
                       ({"username": unique("u"), "password": "longenough", "id": 1}, 400),
                       ({"username": unique("u")}, 400)):
        r = admin.post(stack.api_url + "/users", json=body, timeout=30)
        assert r.status_code == want, (body, r.text)
    r = admin.patch(stack.api_url + f"/users/{user['id']}", json={"username": "x"}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"] == "username: read-only field"
    r = admin.patch(stack.api_url + f"/users/{user['id']}", json={}, timeout=10)
    assert r.status_code == 400
    r = admin.patch(stack.api_url + "/users/999999999", json={"role": "viewer"}, timeout=10)
    assert r.status_code == 404
    r = admin.delete(stack.api_url + f"/users/{user['id']}", timeout=10)
    assert r.status_code == 200 and r.json() == {"deleted": True, "id": user["id"]}
    assert admin.delete(stack.api_url + f"/users/{user['id']}", timeout=10).status_code == 404


def test_last_admin_is_protected(stack, admin):
    # tokens from zq-db have no user; make the only enabled admin user ours
    others = [r[0] for r in stack.sql("SELECT id FROM users WHERE role = 'admin' AND disabled = 0")]
    if others:
        stack.sql("UPDATE users SET disabled = 1 WHERE id IN (%s)" % ",".join(others))
    try:
        user, _ = make_user(stack, admin, "admin")
        for call in (lambda: admin.patch(stack.api_url + f"/users/{user['id']}",
                                         json={"role": "operator"}, timeout=10),
                     lambda: admin.patch(stack.api_url + f"/users/{user['id']}",
                                         json={"disabled": True}, timeout=10),
                     lambda: admin.delete(stack.api_url + f"/users/{user['id']}", timeout=10)):
            r = call()
            assert r.status_code == 409 and "last enabled admin" in r.json()["detail"]
        second, _ = make_user(stack, admin, "admin")
        r = admin.patch(stack.api_url + f"/users/{user['id']}", json={"role": "operator"},
                        timeout=10)
        assert r.status_code == 200
        admin.delete(stack.api_url + f"/users/{second['id']}", timeout=10)
    finally:
        if others:
            stack.sql("UPDATE users SET disabled = 0 WHERE id IN (%s)" % ",".join(others))


def test_api_tokens_are_shown_once_and_stored_hashed(stack, admin):
    r = admin.post(stack.api_url + "/tokens", json={"name": "ci-bot", "role": "operator",
                                                    "expires_days": 30}, timeout=10)
    assert r.status_code == 201, r.text
    created = r.json()
    token = created["token"]
    assert token.startswith("zqt_") and created["prefix"] == token[:12]
    me = session(token).get(stack.api_url + "/auth/me", timeout=10).json()
    assert me["role"] == "operator" and me["token"]["kind"] == "api"
    listed = admin.get(stack.api_url + "/tokens", timeout=10).json()
    row = [t for t in listed["tokens"] if t["id"] == created["id"]][0]
    assert row["name"] == "ci-bot" and row["expires_at"] and token not in str(listed)
    assert stack.sql_value("SELECT LENGTH(token_hash) FROM api_tokens WHERE id = %d"
                           % created["id"]) == "32"
    # operator tokens cannot manage tokens
    assert session(token).get(stack.api_url + "/tokens", timeout=10).status_code == 403
    assert admin.delete(stack.api_url + f"/tokens/{created['id']}", timeout=10).status_code == 200
    assert session(token).get(stack.api_url + "/auth/me", timeout=10).status_code == 401
    assert admin.delete(stack.api_url + f"/tokens/{created['id']}", timeout=10).status_code == 404


def test_token_validation(stack, admin):
    for body in ({"role": "viewer"}, {"name": "x"}, {"name": "x", "role": "god"},
                 {"name": "x", "role": "viewer", "expires_days": 0},
                 {"name": "x", "role": "viewer", "expires_at": "2001-01-01T00:00:00Z"},
                 {"name": "x", "role": "viewer", "token": "mine"}):
        r = admin.post(stack.api_url + "/tokens", json=body, timeout=10)
        assert r.status_code == 400, (body, r.text)


def test_secrets_never_reach_the_logs(stack, admin):
    user, pw = make_user(stack, admin, password="s3cret-Pa55word-xyz")
    token = login(stack, user["username"], pw).json()["access_token"]
    login(stack, user["username"], "wrong-s3cret-guess")
    created = admin.post(stack.api_url + "/tokens", json={"name": "logcheck", "role": "viewer"},
                         timeout=10).json()["token"]
    for name in os.listdir(stack.log_dir):
        with open(os.path.join(stack.log_dir, name), errors="replace") as f:
            text = f.read()
        for secret in (pw, "wrong-s3cret-guess", token, created, stack.token("admin")):
            assert secret not in text, f"secret in {name}"
