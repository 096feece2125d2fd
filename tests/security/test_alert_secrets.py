"""The attack on alert channel secrets: an admin stores channels of every kind
whose secrets (signing secrets, robot URLs with their tokens, an SMTP
password) are unique strings; then a viewer, an operator and the admin read
everything the API offers about alerts (channels, rules, events and their
facts, the audit log), provoke errors with bodies full of secrets, queue
test messages that are delivered (and one that fails), and the test reads
zq-api's log. Not one of the secret strings may appear in any response body
or log line: the only place they may go is the receiver."""
import os
import secrets as pysecrets
import sys
import time

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
from alert_receivers import HttpReceiver, SmtpSink  # noqa: E402
from zqstack import Stack  # noqa: E402

CONFIG = ('alerts.sweep_ms = "200"\nalerts.allow = "127.0.0.1/32"\nalerts.timeout_s = "3"\n'
          'alerts.max_attempts = "2"\n')


def tok(label):
    return f"{label}{pysecrets.token_hex(12)}"


@pytest.fixture(scope="module")
def sstack():
    s = Stack(scheduler=False, extra_config=CONFIG).start()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert all(v in (0, None) for v in statuses.values()), statuses


@pytest.fixture(scope="module")
def world(sstack):
    """The channels, their secrets, and everything read back (raw bodies)."""
    rx = HttpReceiver().start()
    smtp = SmtpSink().start()
    secret = {k: tok(k[:3].upper() + "x") for k in (
        "wh_secret", "dt_token", "dt_secret", "wc_key", "fs_hook", "fs_secret", "sl_token",
        "mail_pw", "dead_token")}
    dead = free_port()
    configs = {
        "webhook": {"url": rx.url("/wh"), "secret": secret["wh_secret"],
                    "headers": {"X-Team": "ops"}},
        "dingtalk": {"url": rx.url(f"/ding?access_token={secret['dt_token']}"),
                     "secret": secret["dt_secret"]},
        "wecom": {"url": rx.url(f"/wecom?key={secret['wc_key']}")},
        "feishu": {"url": rx.url(f"/feishu/{secret['fs_hook']}"), "secret": secret["fs_secret"]},
        "slack": {"url": rx.url(f"/slack/{secret['sl_token']}")},
        "email": {"smtp_url": smtp.url, "tls": "none", "username": "zq",
                  "password": secret["mail_pw"], "from": "zq@example.com",
                  "to": ["ops@example.com"]},
    }
    for path, kind, key in (("/wh", "webhook", "wh_secret"), ("/ding", "dingtalk", "dt_secret"),
                            ("/wecom", "wecom", None),
                            (f"/feishu/{secret['fs_hook']}", "feishu", "fs_secret"),
                            (f"/slack/{secret['sl_token']}", "slack", None)):
        rx.expect(path, kind, secret=secret[key] if key else None)
    adm = sstack.session("admin")
    bodies = []
    ids = {}
    for kind, cfg in configs.items():
        r = adm.post(sstack.api_url + "/alert-channels",
                     json={"name": f"sec-{kind}", "kind": kind, "config": cfg}, timeout=10)
        assert r.status_code == 201, r.text
        bodies.append(r.content)
        ids[kind] = r.json()["id"]
    r = adm.post(sstack.api_url + "/alert-channels", json={
        "name": "sec-dead", "kind": "dingtalk",
        "config": {"url": f"http://127.0.0.1:{dead}/ding?access_token={secret['dead_token']}"}},
        timeout=10)
    assert r.status_code == 201, r.text
    ids["dead"] = r.json()["id"]
    bodies.append(r.content)
    w = {"rx": rx, "smtp": smtp, "secret": secret, "ids": ids, "bodies": bodies,
         "configs": configs}
    yield w
    rx.stop()
    smtp.stop()


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def leaks(world, blob):
    if isinstance(blob, bytes):
        blob = blob.decode("utf-8", "replace")
    return [name for name, value in world["secret"].items() if value in blob]


def test_creating_echoes_no_secret(world):
    for body in world["bodies"]:
        assert leaks(world, body) == [], body


def test_every_role_reads_no_secret(sstack, world):
    adm = sstack.session("admin")
    ids = world["ids"]
    rule = adm.post(sstack.api_url + "/alert-rules",
                    json={"kind": "on_failure", "channels": list(ids.values())}, timeout=10)
    assert rule.status_code == 201
    for role in ("viewer", "operator", "admin"):
        s = sstack.session(role)
        paths = ["/alert-channels", "/alert-rules", "/alerts?state=all", "/alert-events",
                 "/scheduler/audit?limit=200"]
        paths += [f"/alert-channels/{i}" for i in ids.values()]
        for p in paths:
            r = s.get(sstack.api_url + p, timeout=10)
            assert r.status_code in (200, 403), (role, p, r.status_code)
            assert leaks(world, r.content) == [], (role, p)
            if p.startswith("/alert-channels"):
                assert (r.status_code == 200) == (role == "admin"), (role, p)


def test_masked_views_show_stars_not_values(sstack, world):
    adm = sstack.session("admin")
    for kind, cid in world["ids"].items():
        ch = adm.get(sstack.api_url + f"/alert-channels/{cid}", timeout=10).json()
        cfg = ch["config"]
        for key in ("secret", "password"):
            if key in world["configs"].get(kind, {}):
                assert cfg[key] == "***", (kind, key)
        if kind in ("dingtalk", "wecom", "feishu", "slack", "dead"):
            assert cfg["url"] == "***" and cfg["url_host"] == "127.0.0.1", (kind, cfg)


@pytest.mark.parametrize("config_of", [
    # a robot URL that is refused for its scheme, its host, its length, its userinfo
    lambda s: {"url": f"ftp://oapi.dingtalk.com/robot/send?access_token={s['dt_token']}"},
    lambda s: {"url": f"http://oapi.dingtalk.com/robot/send?access_token={s['dt_token']}"},
    lambda s: {"url": f"https://10.9.8.7/robot/send?access_token={s['dt_token']}"},
    lambda s: {"url": f"https://{s['dt_token']}:{s['dt_secret']}@oapi.dingtalk.com/x"},
    lambda s: {"url": f"https://oapi.dingtalk.com/robot/send?access_token={s['dt_token']}"
                      + "a" * 3000},
    lambda s: {"url": f"https://oapi.dingtalk.com/x?t={s['dt_token']} with space"},
    # a secret of the wrong type or size, an unknown key holding one
    lambda s: {"url": "https://oapi.dingtalk.com/robot/send", "secret": [s["dt_secret"]]},
    lambda s: {"url": "https://oapi.dingtalk.com/robot/send", "secret": s["dt_secret"] * 40},
    lambda s: {"url": "https://oapi.dingtalk.com/robot/send", "token": s["dt_secret"]},
])
def test_errors_echo_no_secret(sstack, world, config_of):
    adm = sstack.session("admin")
    cfg = config_of(world["secret"])
    for method, path in (("POST", "/alert-channels"),
                         ("PUT", f"/alert-channels/{world['ids']['dingtalk']}")):
        body = {"config": cfg}
        if method == "POST":
            body.update(name="sec-bad", kind="dingtalk")
        r = adm.request(method, sstack.api_url + path, json=body, timeout=10)
        assert r.status_code == 400, (method, r.text[:200])
        assert leaks(world, r.content) == [], (method, r.text[:300])


def test_email_password_errors_echo_no_secret(sstack, world):
    adm = sstack.session("admin")
    pw = world["secret"]["mail_pw"]
    for cfg in ({"smtp_url": "smtp://mail.example.com:587", "password": pw, "from": "a@b.c"},
                {"smtp_url": f"smtp://zq:{pw}@mail.example.com:587", "from": "a@b.c",
                 "to": ["x@y.z"]},
                {"smtp_url": "smtp://mail.example.com:587", "password": {"v": pw},
                 "from": "a@b.c", "to": ["x@y.z"]}):
        r = adm.put(sstack.api_url + f"/alert-channels/{world['ids']['email']}",
                    json={"config": cfg}, timeout=10)
        assert r.status_code == 400, r.text[:200]
        assert leaks(world, r.content) == [], r.text[:300]


def test_malformed_bodies_echo_no_secret(sstack, world):
    adm = sstack.session("admin")
    t = world["secret"]["dt_token"]
    url = f"https://oapi.dingtalk.com/robot/send?access_token={t}"
    for raw in ('{"name": "x", "kind": "dingtalk", "config": {"url": "%s"' % url,
                '{"name": "x", "kind": "dingtalk", "config": {"url": "%s", "url": "%s"}}' % (url, url),
                '{"name": "x", "kind": "dingtalk", "config": {"url": "%s\\u0000"}}' % url,
                '{"name": "x", "kind": "dingtalk", "config": {"url": "%s"}} trailing' % url,
                '{"name": "%s", "kind": "dingtalk", "config": {"url": 1}}' % ("n" * 200 + t)):
        r = adm.post(sstack.api_url + "/alert-channels", data=raw.encode(),
                     headers={"Content-Type": "application/json"}, timeout=10)
        assert r.status_code == 400, r.text[:200]
        assert leaks(world, r.content) == [], r.text[:300]


def wait_done(sstack, eid, timeout=60.0):
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = sstack.sql_value(f"SELECT status FROM alert_events WHERE id = {eid}")
        if status in ("sent", "failed"):
            return status
        time.sleep(0.2)
    raise TimeoutError(f"event {eid} still {status} after {timeout}s")


def test_delivered_and_failed_tests_leak_nothing_but_to_the_receiver(sstack, world):
    adm = sstack.session("admin")
    events = {}
    for kind, cid in world["ids"].items():
        r = adm.post(sstack.api_url + f"/alert-channels/{cid}/test", timeout=10)
        assert r.status_code == 202, r.text
        assert leaks(world, r.content) == []
        events[kind] = r.json()["event_id"]
    done = {kind: wait_done(sstack, eid) for kind, eid in events.items()}
    assert done["dead"] == "failed", done
    assert [k for k, v in done.items() if v != "sent"] == ["dead"], done
    # the receiver got the secret where it belongs
    assert any(world["secret"]["dt_token"] in r.raw_path for r in world["rx"].received("/ding"))
    for role in ("viewer", "operator", "admin"):
        s = sstack.session(role)
        for eid in events.values():
            r = s.get(sstack.api_url + f"/alert-events/{eid}", timeout=10)
            assert r.status_code == 200
            assert leaks(world, r.content) == [], (role, r.text[:300])
        r = s.get(sstack.api_url + "/alert-events?limit=500", timeout=10)
        assert leaks(world, r.content) == [], role
    facts = sstack.sql("SELECT facts, COALESCE(last_error, '') FROM alert_events")
    assert leaks(world, repr(facts)) == []


def test_logs_carry_no_secret(sstack, world):
    # after everything above (module order): zq-api's log and nginx's
    time.sleep(0.5)
    found = {}
    for name in sorted(os.listdir(sstack.log_dir)):
        if name.startswith("mariadb"):
            continue
        with open(os.path.join(sstack.log_dir, name), "rb") as f:
            hits = leaks(world, f.read())
        if hits:
            found[name] = hits
    assert "zq-api.log" in os.listdir(sstack.log_dir)
    assert found == {}, found

