"""The alerts REST API on a private stack (no scheduler; the alert thread
off, so a queued event stays `pending` for the test to read): channel CRUD
of every kind with secrets masked, "***" round trips, validation errors that
name the field, the roles, 409 for a channel that rules use, rule defaults
and overrides in the listing, the test endpoint, alerts ack / silence and the
outbox listing on rows written with SQL."""
import pytest
import requests

from api_util import create, manual_body, unique
from zqstack import Stack

CH = "/alert-channels"
RU = "/alert-rules"


@pytest.fixture(scope="module")
def astack():
    s = Stack(scheduler=False, extra_config="alerts.enabled = false\n"
                                            "alerts.allow = 127.0.0.2/32\n").start()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert all(v in (0, None) for v in statuses.values()), statuses


@pytest.fixture()
def adm(astack):
    return astack.session("admin")


def configs():
    """One config per kind, with the secrets each one holds."""
    return {
        "webhook": ({"url": "https://hooks.example.com/zq", "secret": "wh-secret-1",
                     "headers": {"X-Team": "ops"}}, ["wh-secret-1"]),
        "dingtalk": ({"url": "https://oapi.dingtalk.com/robot/send?access_token=dt-token-2",
                      "secret": "SECdt-secret-3"}, ["dt-token-2", "SECdt-secret-3"]),
        "wecom": ({"url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wc-key-4"},
                  ["wc-key-4"]),
        "feishu": ({"url": "https://open.feishu.cn/open-apis/bot/v2/hook/fs-hook-5",
                    "secret": "fs-secret-6"}, ["fs-hook-5", "fs-secret-6"]),
        "slack": ({"url": "https://hooks.slack.com/services/T000/B000/sl-token-7"},
                  ["sl-token-7"]),
        "email": ({"smtp_url": "smtps://smtp.example.com:465", "username": "zq",
                   "password": "mail-pass-8", "from": "zq@example.com",
                   "to": ["ops@example.com"]}, ["mail-pass-8"]),
    }


def new_channel(s, stack, kind="webhook", config=None, status=201, **over):
    body = {"name": unique("ch"), "kind": kind,
            "config": config if config is not None else configs()[kind][0]}
    body.update(over)
    r = s.post(stack.api_url + CH, json=body, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def new_rule(s, stack, channels, kind="on_failure", status=201, **over):
    body = {"kind": kind, "channels": channels}
    body.update(over)
    r = s.post(stack.api_url + RU, json=body, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def stored_secrets(stack, cid):
    return stack.sql_value(f"SELECT secrets FROM alert_channels WHERE id = {cid}") or ""


# ---- channels ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["webhook", "dingtalk", "wecom", "feishu", "slack", "email"])
def test_channel_crud_of_each_kind_masks_its_secrets(astack, adm, kind):
    config, secrets = configs()[kind]
    ch = new_channel(adm, astack, kind, lang="zh")
    assert ch["kind"] == kind and ch["lang"] == "zh" and ch["enabled"] is True
    text = repr(ch)
    for sec in secrets:
        assert sec not in text
        assert sec in stored_secrets(astack, ch["id"])
    if kind in ("dingtalk", "wecom", "feishu", "slack"):
        assert ch["config"]["url"] == "***"
        assert ch["config"]["url_host"] == config["url"].split("/")[2]
    if kind in ("webhook", "dingtalk", "feishu"):
        assert ch["config"]["secret"] == "***"
    if kind == "webhook":
        assert ch["config"]["url"] == config["url"]
        assert ch["config"]["headers"] == {"X-Team": "***"}   # header values are secrets
    if kind == "email":
        assert ch["config"]["password"] == "***"
        assert ch["config"]["tls"] == "tls" and ch["config"]["to"] == ["ops@example.com"]
    # get, list
    got = adm.get(astack.api_url + f"{CH}/{ch['id']}", timeout=10).json()
    assert got == ch
    items = adm.get(astack.api_url + CH, timeout=10).json()["items"]
    assert [i for i in items if i["id"] == ch["id"]] == [ch]
    # a PUT that sends the masked view back keeps every secret
    before = stored_secrets(astack, ch["id"])
    r = adm.put(astack.api_url + f"{CH}/{ch['id']}",
                json={"name": ch["name"] + "-x", "config": ch["config"]}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == ch["name"] + "-x" and r.json()["config"] == ch["config"]
    assert stored_secrets(astack, ch["id"]) == before
    # delete
    r = adm.delete(astack.api_url + f"{CH}/{ch['id']}", timeout=10)
    assert r.status_code == 204 and r.content == b""
    assert adm.get(astack.api_url + f"{CH}/{ch['id']}", timeout=10).status_code == 404


def test_put_replaces_a_secret_and_stays_masked(astack, adm):
    ch = new_channel(adm, astack, "dingtalk")
    cfg = {"url": "https://oapi.dingtalk.com/robot/send?access_token=new-token-9",
           "secret": "***"}
    r = adm.put(astack.api_url + f"{CH}/{ch['id']}", json={"config": cfg}, timeout=10)
    assert r.status_code == 200, r.text
    assert "new-token-9" not in r.text and r.json()["config"]["url"] == "***"
    stored = stored_secrets(astack, ch["id"])
    assert "new-token-9" in stored and "SECdt-secret-3" in stored and "dt-token-2" not in stored
    got = adm.get(astack.api_url + f"{CH}/{ch['id']}", timeout=10)
    assert "new-token-9" not in got.text and got.json()["config"]["secret"] == "***"
    # a PUT without config leaves config and secrets alone
    r = adm.put(astack.api_url + f"{CH}/{ch['id']}", json={"enabled": False}, timeout=10)
    assert r.status_code == 200 and r.json()["enabled"] is False
    assert stored_secrets(astack, ch["id"]) == stored


def test_masked_value_without_a_stored_one_is_refused(astack, adm):
    r = adm.post(astack.api_url + CH, json={"name": unique("ch"), "kind": "slack",
                                            "config": {"url": "***"}}, timeout=10)
    assert r.status_code == 400 and "config.url" in r.json()["detail"], r.text
    ch = new_channel(adm, astack, "webhook", config={"url": "https://hooks.example.com/a"})
    r = adm.put(astack.api_url + f"{CH}/{ch['id']}",
                json={"config": {"url": "https://hooks.example.com/a", "secret": "***"}},
                timeout=10)
    assert r.status_code == 400 and "config.secret" in r.json()["detail"], r.text


@pytest.mark.parametrize("body, field", [
    ({"kind": "webhook", "config": {"url": "https://a.example.com"}}, "body.name"),
    ({"name": "x", "kind": "pager", "config": {}}, "body.kind: must be one of webhook"),
    ({"name": "x", "kind": "webhook"}, "body.config"),
    ({"name": "x", "kind": "webhook", "config": {"url": "ftp://a.example.com"}}, "config.url"),
    ({"name": "x", "kind": "webhook", "config": {"url": "https://a.example.com", "x": 1}},
     "config.x"),
    ({"name": "x", "kind": "webhook", "config": {"url": "http://127.0.0.1:9/x"}},
     "config.url: 127.0.0.1 is a loopback address"),
    ({"name": "x", "kind": "webhook", "config": {"url": "http://10.1.2.3/x"}}, "config.url"),
    ({"name": "x", "kind": "slack", "config": {"url": "http://hooks.slack.com/x"}},
     "config.url"),
    ({"name": "x", "kind": "email", "config": {"smtp_url": "smtp://mail.example.com:587",
                                               "from": "a@example.com"}}, "config.to"),
    ({"name": "x", "kind": "webhook", "lang": "fr", "config": {"url": "https://a.example"}},
     "body.lang"),
    ({"name": "x", "kind": "webhook", "id": 5, "config": {"url": "https://a.example"}},
     "body.id: read-only"),
    ({"name": "x", "kind": "webhook", "colour": 1, "config": {"url": "https://a.example"}},
     "body.colour: unknown field"),
    ({"name": "", "kind": "webhook", "config": {"url": "https://a.example"}}, "body.name"),
])
def test_channel_validation_names_the_field(astack, adm, body, field):
    r = adm.post(astack.api_url + CH, json=body, timeout=10)
    assert r.status_code == 400, r.text
    assert field in r.json()["detail"], r.text


def test_allowed_private_address_and_duplicate_name(astack, adm):
    ch = new_channel(adm, astack, "webhook", config={"url": "http://127.0.0.2:8080/hook"})
    assert ch["config"]["url"] == "http://127.0.0.2:8080/hook"
    r = adm.post(astack.api_url + CH, json={"name": ch["name"], "kind": "webhook",
                                            "config": {"url": "https://b.example.com"}},
                 timeout=10)
    assert r.status_code == 409 and "body.name" in r.json()["detail"], r.text
    other = new_channel(adm, astack)
    r = adm.put(astack.api_url + f"{CH}/{other['id']}", json={"name": ch["name"]}, timeout=10)
    assert r.status_code == 409, r.text


def test_unknown_channel_ids_are_404(astack, adm):
    for method, path, kw in (("GET", f"{CH}/999999", {}), ("DELETE", f"{CH}/999999", {}),
                             ("PUT", f"{CH}/999999", {"json": {"enabled": True}}),
                             ("POST", f"{CH}/999999/test", {})):
        r = adm.request(method, astack.api_url + path, timeout=10, **kw)
        assert r.status_code == 404, (method, path, r.text)


def test_kind_change_needs_a_config(astack, adm):
    ch = new_channel(adm, astack, "webhook")
    r = adm.put(astack.api_url + f"{CH}/{ch['id']}", json={"kind": "slack"}, timeout=10)
    assert r.status_code == 400 and "body.config" in r.json()["detail"]
    r = adm.put(astack.api_url + f"{CH}/{ch['id']}", json={
        "kind": "slack", "config": {"url": "https://hooks.slack.com/services/A/B/c"}}, timeout=10)
    assert r.status_code == 200 and r.json()["kind"] == "slack", r.text
    assert "wh-secret-1" not in stored_secrets(astack, ch["id"])


def test_test_endpoint_queues_a_pending_test_event(astack, adm):
    ch = new_channel(adm, astack, "feishu")
    r = adm.post(astack.api_url + f"{CH}/{ch['id']}/test", timeout=10)
    assert r.status_code == 202, r.text
    eid = r.json()["event_id"]
    ev = adm.get(astack.api_url + f"/alert-events/{eid}", timeout=10).json()
    assert ev["status"] == "pending" and ev["event"] == "test" and ev["channel_id"] == ch["id"]
    assert ev["channel_kind"] == "feishu" and ev["channel_name"] == ch["name"]
    assert ev["alert_id"] is None and ev["attempts"] == 0 and ev["repeat"] is False
    facts = ev["facts"]
    assert facts["event"] == "test" and facts["task"] is None and facts["execution"] is None
    assert facts["detected_at"].endswith("Z") and len(facts["detected_at"]) == 24
    assert "fs-hook-5" not in r.text + repr(ev)
    listed = adm.get(astack.api_url + f"/alert-events?channel_id={ch['id']}", timeout=10).json()
    assert [e["id"] for e in listed["items"]] == [eid] and listed["next_before_id"] is None


# ---- roles ------------------------------------------------------------------------------

def test_roles(astack, adm):
    ch = new_channel(adm, astack)
    rule = new_rule(adm, astack, [ch["id"]])
    viewer, oper = astack.session("viewer"), astack.session("operator")
    for s in (viewer, oper):
        assert s.get(astack.api_url + CH, timeout=10).status_code == 403
        assert s.get(astack.api_url + f"{CH}/{ch['id']}", timeout=10).status_code == 403
        assert s.post(astack.api_url + f"{CH}/{ch['id']}/test", timeout=10).status_code == 403
        assert s.get(astack.api_url + RU, timeout=10).status_code == 200
        assert s.get(astack.api_url + f"{RU}/{rule['id']}", timeout=10).json() == rule
        assert s.put(astack.api_url + f"{RU}/{rule['id']}", json={"enabled": False},
                     timeout=10).status_code == 403
        assert s.post(astack.api_url + RU, json={"kind": "on_failure", "channels": [ch["id"]]},
                      timeout=10).status_code == 403
        assert s.delete(astack.api_url + f"{RU}/{rule['id']}", timeout=10).status_code == 403
        assert s.get(astack.api_url + "/alerts", timeout=10).status_code == 200
        assert s.get(astack.api_url + "/alert-events", timeout=10).status_code == 200
    aid = insert_alert(astack, rule["id"])
    assert viewer.post(astack.api_url + f"/alerts/{aid}/ack", timeout=10).status_code == 403
    r = oper.post(astack.api_url + f"/alerts/{aid}/ack", timeout=10)
    assert r.status_code == 200 and r.json()["acked_by"] == "token:test-operator", r.text


# ---- rules ------------------------------------------------------------------------------

def test_rule_crud_and_normalised_params(astack, adm):
    ch = new_channel(adm, astack)
    task = create(adm, astack, manual_body())
    rule = new_rule(adm, astack, [ch["id"]], kind="deadline", task_id=task["id"],
                    params={"time": "08:45"}, repeat_every=600)
    assert rule["task_id"] == task["id"] and rule["task_name"] == task["name"]
    assert rule["params"]["time"] == "08:45" and rule["channels"] == [ch["id"]]
    assert rule["repeat_every"] == 600 and rule["enabled"] is True
    assert rule["silenced_until"] is None
    ch2 = new_channel(adm, astack, "slack")
    r = adm.put(astack.api_url + f"{RU}/{rule['id']}",
                json={"channels": [ch2["id"], ch["id"]],
                      "silenced_until": "2099-01-01T00:00:00Z"}, timeout=10)
    assert r.status_code == 200, r.text
    up = r.json()
    assert up["channels"] == sorted([ch["id"], ch2["id"]]) and up["params"] == rule["params"]
    assert up["silenced_until"] == "2099-01-01T00:00:00.000Z"
    r = adm.put(astack.api_url + f"{RU}/{rule['id']}", json={"kind": "not_started"}, timeout=10)
    assert r.status_code == 200 and r.json()["params"] == {"after": 300}, r.text
    assert adm.delete(astack.api_url + f"{RU}/{rule['id']}", timeout=10).status_code == 204
    assert adm.get(astack.api_url + f"{RU}/{rule['id']}", timeout=10).status_code == 404
    assert astack.sql_value(f"SELECT COUNT(*) FROM alert_rule_channels WHERE rule_id = "
                            f"{rule['id']}") == "0"


@pytest.mark.parametrize("body, field", [
    ({"kind": "on_fail", "channels": [1]}, "body.kind: must be one of on_failure"),
    ({"channels": [1]}, "body.kind"),
    ({"kind": "on_failure"}, "body.channels"),
    ({"kind": "on_failure", "channels": []}, "body.channels"),
    ({"kind": "on_failure", "channels": ["a"]}, "body.channels[0]"),
    ({"kind": "on_failure", "channels": "1"}, "body.channels"),
    ({"kind": "on_failure", "channels": [1], "params": {"bogus": 1}}, "params.bogus"),
    ({"kind": "deadline", "channels": [1], "params": {"time": "25:00"}}, "params.time"),
    ({"kind": "on_failure", "channels": [1], "repeat_every": -1}, "body.repeat_every"),
    ({"kind": "on_failure", "channels": [1], "silenced_until": "soon"}, "body.silenced_until"),
    ({"kind": "scheduler_down", "channels": [1], "task_id": 1}, "body.task_id"),
    ({"kind": "on_failure", "channels": [1], "task_id": 987654}, "body.task_id: task 987654 "
                                                                 "does not exist"),
    ({"kind": "on_failure", "channels": [1], "id": 3}, "body.id: read-only"),
])
def test_rule_validation_names_the_field(astack, adm, body, field):
    ch = new_channel(adm, astack)
    body = dict(body)
    if isinstance(body.get("channels"), list) and body["channels"] == [1]:
        body["channels"] = [ch["id"]]
    r = adm.post(astack.api_url + RU, json=body, timeout=10)
    assert r.status_code == 400, r.text
    assert field in r.json()["detail"], r.text


def test_rule_with_a_missing_channel_names_its_index(astack, adm):
    ch = new_channel(adm, astack)
    r = adm.post(astack.api_url + RU, json={"kind": "on_failure",
                                            "channels": [ch["id"], 99999999]}, timeout=10)
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == "body.channels[1]: channel 99999999 does not exist"
    r = adm.post(astack.api_url + RU, json={"kind": "on_failure",
                                            "channels": [ch["id"], ch["id"]]}, timeout=10)
    assert r.status_code == 400 and "body.channels[1]" in r.json()["detail"]
    # nothing half-written
    assert astack.sql_value("SELECT COUNT(*) FROM alert_rules r LEFT JOIN alert_rule_channels c "
                            "ON c.rule_id = r.id WHERE c.rule_id IS NULL") == "0"
    r = adm.put(astack.api_url + f"{RU}/99999999", json={"enabled": False}, timeout=10)
    assert r.status_code == 404


def test_global_default_and_task_override_in_the_listing(astack, adm):
    ch = new_channel(adm, astack)
    task = create(adm, astack, manual_body())
    other = create(adm, astack, manual_body())
    g_fail = new_rule(adm, astack, [ch["id"]], kind="on_failure")
    g_skip = new_rule(adm, astack, [ch["id"]], kind="on_skipped")
    own_fail = new_rule(adm, astack, [ch["id"]], kind="on_failure", task_id=task["id"],
                        params={"each_attempt": True})
    own_skip_off = new_rule(adm, astack, [ch["id"]], kind="on_skipped", task_id=task["id"],
                            enabled=False)
    own = adm.get(astack.api_url + f"{RU}?task_id={task['id']}", timeout=10).json()["items"]
    assert [r["id"] for r in own] == [own_fail["id"], own_skip_off["id"]]
    glob = adm.get(astack.api_url + f"{RU}?global=true", timeout=10).json()["items"]
    ids = [r["id"] for r in glob]
    assert g_fail["id"] in ids and g_skip["id"] in ids and own_fail["id"] not in ids
    assert all(r["task_id"] is None for r in glob)
    # what applies to the task: its own enabled rules; a global rule only for
    # kinds the task has no rule of (its disabled own rule switches it off)
    eff = adm.get(astack.api_url + f"{RU}?applies_to={task['id']}", timeout=10).json()["items"]
    applies = {r["id"]: r["applies"] for r in eff}
    assert applies[own_fail["id"]] is True and applies[own_skip_off["id"]] is False
    assert applies[g_fail["id"]] is False and applies[g_skip["id"]] is False
    eff = adm.get(astack.api_url + f"{RU}?applies_to={other['id']}", timeout=10).json()["items"]
    applies = {r["id"]: r["applies"] for r in eff}
    assert applies[g_fail["id"]] is True and applies[g_skip["id"]] is True
    assert own_fail["id"] not in applies
    r = adm.get(astack.api_url + f"{RU}?applies_to=1&global=true", timeout=10)
    assert r.status_code == 400 and "applies_to" in r.json()["detail"]


def test_deleting_a_used_channel_is_409_unless_forced(astack, adm):
    ch, keep = new_channel(adm, astack), new_channel(adm, astack)
    r1 = new_rule(adm, astack, [ch["id"], keep["id"]])
    r2 = new_rule(adm, astack, [ch["id"]], kind="on_timeout")
    r = adm.delete(astack.api_url + f"{CH}/{ch['id']}", timeout=10)
    assert r.status_code == 409, r.text
    assert r.json()["rules"] == [r1["id"], r2["id"]]
    assert f"used by 2 rules ({r1['id']}, {r2['id']})" in r.json()["detail"]
    assert adm.get(astack.api_url + f"{CH}/{ch['id']}", timeout=10).status_code == 200
    r = adm.delete(astack.api_url + f"{CH}/{ch['id']}?force=true", timeout=10)
    assert r.status_code == 204, r.text
    assert adm.get(astack.api_url + f"{RU}/{r1['id']}", timeout=10).json()["channels"] == \
        [keep["id"]]
    assert adm.get(astack.api_url + f"{RU}/{r2['id']}", timeout=10).json()["channels"] == []


def test_channel_and_rule_writes_are_audited_without_values(astack, adm):
    ch = new_channel(adm, astack, "dingtalk")
    rule = new_rule(adm, astack, [ch["id"]])
    adm.put(astack.api_url + f"{CH}/{ch['id']}", json={"config": configs()["dingtalk"][0]},
            timeout=10)
    adm.delete(astack.api_url + f"{RU}/{rule['id']}", timeout=10)
    entries = adm.get(astack.api_url + "/scheduler/audit?limit=50", timeout=10).json()["entries"]
    mine = {(e["action"], e["target_id"]): e for e in entries}
    assert ("alert_channel_create", ch["id"]) in mine
    assert mine[("alert_channel_update", ch["id"])]["detail"] == "config"
    assert ("alert_rule_create", rule["id"]) in mine and ("alert_rule_delete", rule["id"]) in mine
    assert mine[("alert_channel_create", ch["id"])]["target_type"] == "alert_channel"
    text = repr(entries)
    assert "dt-token-2" not in text and "SECdt-secret-3" not in text


# ---- alerts and events ---------------------------------------------------------------------

def insert_alert(stack, rule_id, task_id=None, state="open", slot=None):
    slot = slot or unique("slot")
    tid = "NULL" if task_id is None else str(task_id)
    return int(stack.sql_value(
        f"INSERT INTO alerts (rule_id, task_id, slot, kind, state, summary) VALUES "
        f"({rule_id}, {tid}, '{slot}', 'on_failure', '{state}', 'it failed'); "
        f"SELECT LAST_INSERT_ID()"))


def insert_event(stack, channel_id, alert_id=None, status="sent", task_id=None):
    aid = "NULL" if alert_id is None else str(alert_id)
    tid = "NULL" if task_id is None else str(task_id)
    return int(stack.sql_value(
        f"INSERT INTO alert_events (alert_id, channel_id, task_id, event, facts, status, "
        f"attempts, last_code, latency_ms) VALUES ({aid}, {channel_id}, {tid}, 'failure', "
        f"'{{\"event\": \"failure\"}}', '{status}', 1, 200, 12); SELECT LAST_INSERT_ID()"))


def test_alerts_list_ack_and_silence(astack, adm):
    ch = new_channel(adm, astack)
    task = create(adm, astack, manual_body())
    rule = new_rule(adm, astack, [ch["id"]], task_id=task["id"])
    a1 = insert_alert(astack, rule["id"], task["id"])
    a2 = insert_alert(astack, rule["id"], task["id"], state="closed")
    a3 = insert_alert(astack, rule["id"], task["id"])
    url = astack.api_url + f"/alerts?task_id={task['id']}"
    items = adm.get(url, timeout=10).json()["items"]
    assert [a["id"] for a in items] == [a3, a2, a1]
    assert items[0]["task_name"] == task["name"] and items[0]["summary"] == "it failed"
    assert items[0]["acked_at"] is None and items[0]["opened_at"].endswith("Z")
    opened = adm.get(url + "&state=open", timeout=10).json()["items"]
    assert [a["id"] for a in opened] == [a3, a1]
    closed = adm.get(url + "&state=closed", timeout=10).json()["items"]
    assert [a["id"] for a in closed] == [a2]
    page = adm.get(url + "&limit=2", timeout=10).json()
    assert [a["id"] for a in page["items"]] == [a3, a2] and page["next_before_id"] == a2
    page = adm.get(url + f"&limit=2&before_id={a2}", timeout=10).json()
    assert [a["id"] for a in page["items"]] == [a1] and page["next_before_id"] is None
    assert adm.get(astack.api_url + "/alerts?state=bad", timeout=10).status_code == 400
    assert adm.get(astack.api_url + "/alerts?limit=501", timeout=10).status_code == 400
    oper = astack.session("operator")
    r = oper.post(astack.api_url + f"/alerts/{a1}/ack", timeout=10)
    assert r.status_code == 200 and r.json()["acked_at"], r.text
    first = r.json()["acked_at"]
    r = adm.post(astack.api_url + f"/alerts/{a1}/ack", timeout=10)
    assert r.json()["acked_at"] == first and r.json()["acked_by"] == "token:test-operator"
    r = oper.post(astack.api_url + f"/alerts/{a3}/silence",
                  json={"until": "2099-12-02T00:00:00Z"}, timeout=10)
    assert r.status_code == 200 and r.json()["silenced_until"] == "2099-12-02T00:00:00.000Z"
    r = oper.post(astack.api_url + f"/alerts/{a3}/silence", json={"until": None}, timeout=10)
    assert r.status_code == 200 and r.json()["silenced_until"] is None
    for body, field in (({}, "body.until"), ({"until": "x"}, "body.until"),
                        ({"until": None, "why": 1}, "body.why")):
        r = oper.post(astack.api_url + f"/alerts/{a3}/silence", json=body, timeout=10)
        assert r.status_code == 400 and field in r.json()["detail"], (body, r.text)
    assert oper.post(astack.api_url + "/alerts/99999999/ack", timeout=10).status_code == 404
    r = oper.post(astack.api_url + "/alerts/99999999/silence", json={"until": None}, timeout=10)
    assert r.status_code == 404


def test_events_list_filters_and_pages(astack, adm):
    ch, ch2 = new_channel(adm, astack), new_channel(adm, astack, "wecom")
    task = create(adm, astack, manual_body())
    rule = new_rule(adm, astack, [ch["id"]], task_id=task["id"])
    aid = insert_alert(astack, rule["id"], task["id"])
    e1 = insert_event(astack, ch["id"], aid, "sent", task["id"])
    e2 = insert_event(astack, ch2["id"], aid, "failed", task["id"])
    e3 = insert_event(astack, ch["id"], aid, "silenced", task["id"])
    base = astack.api_url + "/alert-events"
    got = adm.get(base + f"?alert_id={aid}", timeout=10).json()["items"]
    assert [e["id"] for e in got] == [e3, e2, e1]
    assert got[1]["channel_kind"] == "wecom" and got[1]["last_code"] == 200
    assert got[1]["latency_ms"] == 12 and got[1]["facts"] == {"event": "failure"}
    assert [e["id"] for e in adm.get(base + f"?task_id={task['id']}&status=failed",
                                     timeout=10).json()["items"]] == [e2]
    assert [e["id"] for e in adm.get(base + f"?channel_id={ch['id']}",
                                     timeout=10).json()["items"]] == [e3, e1]
    page = adm.get(base + f"?alert_id={aid}&limit=1&before_id={e3}", timeout=10).json()
    assert [e["id"] for e in page["items"]] == [e2] and page["next_before_id"] == e2
    assert adm.get(base + "?status=weird", timeout=10).status_code == 400
    assert adm.get(base + "/99999999", timeout=10).status_code == 404
    # an event whose channel is gone still lists, without a name
    adm.delete(astack.api_url + f"{CH}/{ch2['id']}?force=true", timeout=10)
    ev = adm.get(base + f"/{e2}", timeout=10).json()
    assert ev["channel_id"] == ch2["id"] and ev["channel_name"] is None


def test_empty_and_wrong_bodies(astack, adm):
    for path in (CH, RU):
        r = adm.post(astack.api_url + path, data="[1]",
                     headers={"Content-Type": "application/json"}, timeout=10)
        assert r.status_code == 400 and r.json()["detail"].startswith("body"), r.text
        r = adm.post(astack.api_url + path, timeout=10)
        assert r.status_code == 400 and r.json()["detail"].startswith("body"), r.text
    ch = new_channel(adm, astack)
    r = adm.put(astack.api_url + f"{CH}/{ch['id']}", json={}, timeout=10)
    assert r.status_code == 400
    r = requests.get(astack.api_url + CH, timeout=10)
    assert r.status_code == 401


def metric(text, name):
    """{labels: value} of one metric family's samples."""
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, val = line.rpartition(" ")
            out[key[len(name):]] = float(val)
    return out


def test_metrics_show_the_outbox_from_the_database(astack, adm):
    """GET /metrics gives the outbox by event and status, the send latency,
    the due backlog and its age, and the open alerts: figures from the
    database, the same whichever zq-api process answers."""
    before = requests.get(astack.api_url + "/metrics", timeout=10).text
    sent0 = metric(before, "zq_alert_events").get('{event="failure",status="sent"}', 0)
    open0 = metric(before, "zq_alerts_open")[""]
    ch = new_channel(adm, astack)
    rule = new_rule(adm, astack, [ch["id"]])
    for _ in range(3):
        insert_event(astack, ch["id"], status="sent")
    due = insert_event(astack, ch["id"], status="pending")
    astack.sql(f"UPDATE alert_events SET next_at = UTC_TIMESTAMP(3) - INTERVAL 30 SECOND "
               f"WHERE id = {due}")
    insert_alert(astack, rule["id"])
    text = requests.get(astack.api_url + "/metrics", timeout=10).text
    ev = metric(text, "zq_alert_events")
    assert ev['{event="failure",status="sent"}'] == sent0 + 3
    assert ev['{event="failure",status="pending"}'] >= 1
    lat = metric(text, "zq_alert_send_latency_ms_count")
    assert lat['{event="failure",status="sent"}'] >= 3
    assert metric(text, "zq_alert_backlog")[""] >= 1
    assert metric(text, "zq_alert_backlog_oldest_seconds")[""] >= 29
    assert metric(text, "zq_alerts_open")[""] == open0 + 1
    astack.sql(f"DELETE FROM alert_events WHERE id = {due}")
