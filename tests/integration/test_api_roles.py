"""The route x role matrix, generated from the route table (`zq-api --routes`):
anonymous gets 401 on every non-public route, each role gets 403 below the
route's role and passes the check at or above it. Ids that do not exist keep
the admin's calls harmless (they end 404 / 400 after authorisation)."""
import pytest
import requests

from api_util import routes

ROLES = ["viewer", "operator", "admin"]
RANK = {"public": -1, "viewer": 0, "operator": 1, "admin": 2}


def call(stack, method, path, token=None):
    url = stack.url + path.replace("{id}", "999999999").replace("{eid}", "999999998").replace(
        "{v}", "999999997")
    headers = {"Authorization": "Bearer " + token} if token else {}
    kw = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return requests.request(method, url, headers=headers, timeout=30, **kw)


def test_matrix_covers_every_route(stack):
    table = routes(stack)
    assert len(table) >= 30
    assert {r for _, _, r in table} == {"public", "viewer", "operator", "admin"}


@pytest.mark.parametrize("who", ["anonymous"] + ROLES)
def test_route_role_matrix(stack, who):
    token = None if who == "anonymous" else stack.token(who)
    rank = -1 if who == "anonymous" else RANK[who]
    problems = []
    for method, path, role in routes(stack):
        # (login gets {}: 400 "username: required", no attempt counted)
        r = call(stack, method, path, token)
        if role == "public":
            ok = r.status_code not in (401, 403) and r.status_code < 500
        elif who == "anonymous":
            ok = r.status_code == 401 and r.headers.get("WWW-Authenticate") == "Bearer"
        elif rank < RANK[role]:
            ok = r.status_code == 403 and role in r.json()["detail"]
        else:  # past the check: done, or a 4xx about the request itself
            ok = r.status_code not in (401, 403) and r.status_code < 500
        if not ok:
            problems.append(f"{who} {method} {path} ({role}) -> {r.status_code} {r.text[:120]}")
        assert r.headers.get("Content-Type", "").startswith(("application/json", "text/plain"))
    assert not problems, "\n".join(problems)


def test_bad_tokens_are_401(stack):
    for header in ("Bearer nope", "Bearer zqt_" + "A" * 43, "Basic dXNlcjpwYXNz", "Bearer ",
                   "Bearer zqt_'; DROP TABLE api_tokens; --"):
        r = requests.get(stack.api_url + "/scheduler/tasks", headers={"Authorization": header},
                         timeout=10)
        assert r.status_code == 401, header
        assert r.json()["detail"]


def test_expired_and_revoked_tokens_are_401(stack):
    _, out, _ = stack.zq_db("token", "create", "roles-expiring", "--role", "viewer")
    token = out.strip().splitlines()[-1]
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + token
    assert s.get(stack.api_url + "/auth/me", timeout=10).status_code == 200
    stack.sql("UPDATE api_tokens SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND "
              "WHERE name = 'roles-expiring'")
    r = s.get(stack.api_url + "/auth/me", timeout=10)
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    # the task read that shares the token's statement leaks nothing either
    tid = stack.session("admin").post(stack.api_url + "/scheduler/tasks", json={
        "name": "roles-secret-task", "task_type": "manual_task",
        "config": {"command": "echo secret"}}, timeout=10).json()["id"]
    r = s.get(stack.api_url + f"/scheduler/tasks/{tid}", timeout=10)
    assert r.status_code == 401 and r.json() == {"detail": "token expired; log in again"}
    stack.sql("DELETE FROM api_tokens WHERE name = 'roles-expiring'")
    assert s.get(stack.api_url + "/auth/me", timeout=10).status_code == 401
