"""zq-api as a process, on a private stack: failed-login lockout (429 with
Retry-After, then recovery; an address past its limit only slowed down), graceful SIGTERM finishing an in-flight
request, nginx answering JSON while zq-api is down, the socket inherited
from spawn-fcgi, a TCP listener, and API calls during a database outage."""
import os
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

from api_util import login, unique
from zqstack import Proc, Stack, free_port, wait_for

LOCKOUT_S = 3


@pytest.fixture(scope="module")
def pstack():
    s = Stack(scheduler=False, extra_config=f"api.login_max_failures = 3\n"
                                           f"api.login_lockout = {LOCKOUT_S}\n").start()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert all(v in (0, None) for v in statuses.values()), statuses


def add_user(s, password="right password 1"):
    name = unique("lock")
    r = s.session("admin").post(s.api_url + "/users", json={"username": name,
                                                            "password": password}, timeout=30)
    assert r.status_code == 201, r.text
    return name, password, r.json()["id"]


def test_repeated_failures_lock_a_user_for_a_while(pstack):
    name, pw, uid = add_user(pstack)
    for _ in range(3):
        assert login(pstack, name, "wrong password").status_code == 401
    r = login(pstack, name, pw)  # even the right password, while locked
    assert r.status_code == 429
    assert "too many failed logins" in r.json()["detail"]
    assert 1 <= int(r.headers["Retry-After"]) <= LOCKOUT_S
    # counted per user id (every attempt, before its password check)
    row = pstack.sql(f"SELECT failures, locked_until IS NOT NULL FROM login_attempts "
                     f"WHERE subject = 'user:{uid}'")
    assert row == [["4", "1"]]
    time.sleep(LOCKOUT_S + 0.5)
    assert login(pstack, name, pw).status_code == 200
    assert pstack.sql_value(f"SELECT COUNT(*) FROM login_attempts WHERE subject = 'user:{uid}'") \
        == "0"


def test_an_address_past_its_limit_is_slowed_not_locked(pstack):
    time.sleep(LOCKOUT_S + 0.5)  # start from a clean window
    pstack.sql("DELETE FROM login_attempts")
    name, pw, _ = add_user(pstack)
    # 4 x login_max_failures from this address, spread over users never locked
    # alone (written directly: twelve password checks outlast the 3 s window)
    pstack.sql("INSERT INTO login_attempts (subject, failures, window_start) "
               "VALUES ('addr:127.0.0.1', 12, UTC_TIMESTAMP(3))")
    t0 = time.monotonic()
    for i in range(3):  # 100 + 200 + 400 ms of delay
        assert login(pstack, f"nobody-more-{i}", "nope nope").status_code == 401
    assert time.monotonic() - t0 >= 0.7
    # the address's other users still get in (after the delay)
    r = login(pstack, name, pw)
    assert r.status_code == 200, r.text


def test_sigterm_finishes_the_request_in_flight(pstack):
    s = pstack
    admin = s.session("admin")
    t = admin.post(s.api_url + "/scheduler/tasks", timeout=10, json={
        "name": unique(), "task_type": "manual_task", "config": {"command": "true"}}).json()
    # hold the task's row lock so the PUT below waits inside zq-api
    holder = subprocess.Popen(
        ["mariadb", "--no-defaults", "-uroot", "-p" + s.root_pw, "-S", s.sock, "zq", "-e",
         f"BEGIN; SELECT id FROM scheduled_tasks WHERE id = {t['id']} FOR UPDATE; "
         "SELECT SLEEP(3); COMMIT;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    result = {}

    def put():
        result["r"] = admin.put(s.api_url + f"/scheduler/tasks/{t['id']}",
                                json={"description": "finished during shutdown"}, timeout=30)

    th = threading.Thread(target=put)
    th.start()
    time.sleep(0.7)
    s.api.send(signal.SIGTERM)
    th.join(30)
    holder.wait(30)
    assert result["r"].status_code == 200, result["r"].text
    assert result["r"].json()["description"] == "finished during shutdown"
    assert s.api.p.wait(30) == 0
    s.api.log.close()
    assert "stopping on signal 15" in s.api.output()
    # nginx answers JSON while zq-api is down
    r = requests.get(s.api_url + "/scheduler/tasks", timeout=10)
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith("application/json")
    assert "not reachable" in r.json()["detail"]
    s.start_api()
    wait_for(lambda: s.health_status() == 200, what="zq-api back")


def test_socket_inherited_from_spawn_fcgi(pstack):
    s = pstack
    s.api.stop()
    conf = s.write_config(os.path.join(s.tmp, "inherit.conf"), api__listen="inherit")
    os.path.exists(s.api_sock) and os.unlink(s.api_sock)
    p = Proc("zq-api-inherit", ["spawn-fcgi", "-n", "-s", s.api_sock, "-M", "0660", "--",
                                s.bin("zq-api"), "--config", conf],
             os.path.join(s.log_dir, "zq-api-inherit.log"), env=s.env("zq-api-inherit"))
    try:
        wait_for(lambda: s.health_status() == 200, what="zq-api under spawn-fcgi")
        r = s.session("viewer").get(s.api_url + "/scheduler/tasks", timeout=10)
        assert r.status_code == 200
        assert oct(os.stat(s.api_sock).st_mode & 0o777) == "0o660"
    finally:
        assert p.stop() == 0
        s.start_api()
        wait_for(lambda: s.health_status() == 200, what="zq-api back")


def fcgi_get(port, path):
    env = dict(os.environ, REQUEST_METHOD="GET", DOCUMENT_URI=path, QUERY_STRING="",
               REMOTE_ADDR="127.0.0.1")
    r = subprocess.run(["cgi-fcgi", "-bind", "-connect", f"127.0.0.1:{port}"], env=env,
                       capture_output=True, timeout=30)
    return r.stdout.decode()


def test_tcp_listener(pstack):
    s = pstack
    port = free_port()
    conf = s.write_config(os.path.join(s.tmp, "tcp.conf"), api__listen=f"127.0.0.1:{port}")
    p = Proc("zq-api-tcp", [s.bin("zq-api"), "--config", conf],
             os.path.join(s.log_dir, "zq-api-tcp.log"), env=s.env("zq-api-tcp"))
    try:
        def up():
            with socket.socket() as c:
                return c.connect_ex(("127.0.0.1", port)) == 0
        wait_for(up, what="zq-api on TCP")
        out = fcgi_get(port, "/api/v1/health")
        assert "Status: 200 OK" in out and '"db":"ok"' in out
        out = fcgi_get(port, "/api/v1/scheduler/tasks")
        assert "Status: 401" in out and "WWW-Authenticate: Bearer" in out
    finally:
        assert p.stop() == 0


def test_database_outage_is_503_json_then_recovers(pstack):
    s = pstack
    viewer = s.session("viewer")
    assert viewer.get(s.api_url + "/scheduler/tasks", timeout=10).status_code == 200
    s.stop_mariadb()
    try:
        r = viewer.get(s.api_url + "/scheduler/tasks", timeout=30)
        assert r.status_code == 503
        assert r.json()["detail"].startswith("database unavailable")
        assert r.headers.get("Retry-After")
        h = requests.get(s.api_url + "/health", timeout=30)
        assert h.status_code == 503 and h.json()["db"] == "down"
    finally:
        s.start_mariadb()
    wait_for(lambda: viewer.get(s.api_url + "/scheduler/tasks", timeout=10).status_code == 200,
             timeout=60, what="API after the database came back")
    metrics = requests.get(s.api_url + "/metrics", timeout=10).text
    line = [l for l in metrics.splitlines() if l.startswith("zq_api_db_errors_total")][0]
    assert int(line.split()[1]) >= 1
