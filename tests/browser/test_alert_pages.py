"""The Alerts page and the task form's Alerts section in a real Chromium
against a real stack (conftest: alerts.allow = 127.0.0.1/32, so a webhook
channel may point at a receiver on this machine).

A channel made in the page gets its test message through the alert thread to
a local receiver that checks the signature; the history shows it sent. A
task's rules are added and removed from the task form. A viewer reads, an
operator acknowledges and silences, and everything reads in Chinese."""
import os
import re
import sys

import pytest

from ui_helpers import unique

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
from alert_receivers import HttpReceiver  # noqa: E402


@pytest.fixture(scope="module")
def rx():
    r = HttpReceiver().start()
    yield r
    r.stop()


def api_channel(admin, stack, rx, name=None):
    body = {"name": name or unique("ui-chan"), "kind": "webhook", "enabled": True, "lang": "en",
            "config": {"url": rx.url("/plain")}}
    r = admin.post(stack.api_url + "/alert-channels", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def task(admin, stack, name):
    r = admin.post(stack.api_url + "/scheduler/tasks", json={
        "name": name, "task_type": "example_task", "interval_seconds": 86400, "enabled": False,
        "config": {"duration_seconds": 1, "steps": 1, "success_rate": 1.0}})
    assert r.status_code == 201, r.text
    return r.json()


def test_channel_send_test_and_history(ui, admin, stack, rx):
    secret = "s3cr3t-" + unique("k")
    rx.expect("/hook-ui", "webhook", secret=secret)
    name = unique("ui-hook")
    r = ui("alerts_channel_test", name=name, url=rx.url("/hook-ui"), bad_url="http://10.1.2.3/x", secret=secret)
    assert r["tabs"] == ["open", "history", "channels", "rules"]
    assert "tab=channels" in r["url_tab"]
    # the API refused a private address and said which field
    assert re.match(r"(body\.)?config\.url: ", r["bad_url_error"]), r["bad_url_error"]
    assert "10.1.2.3" in r["bad_url_error"] and r["bad_url_field"] == ["config.url"]
    assert name in r["row"] and "Webhook" in r["row"]
    # the test went out through the alert thread, signed with the secret
    assert r["test"]["status"] == "sent", r["test"]
    assert "200" in r["test"]["text"]
    got = rx.wait_for(1, path="/hook-ui")
    assert got[0].verified, got[0].verify_error
    # the edit form shows the stored secret as ***; saved so, the secret stays
    assert r["edit_secret"] == "***" and r["edit_url"] == rx.url("/hook-ui")
    # a header's value is a secret too: shown ***, kept when saved so
    assert r["edit_headers"] == "X-Team: ***"
    assert r["test2"]["status"] == "sent", r["test2"]
    got = rx.wait_for(2, path="/hook-ui")
    assert all(g.verified for g in got), [g.verify_error for g in got]
    assert [g.headers.get("x-team") for g in got] == ["ops", "ops"]
    saved = admin.get(f"{stack.api_url}/alert-channels/{r['channel_id']}").json()
    assert saved["lang"] == "zh" and saved["config"]["secret"] == "***"
    assert secret not in str(saved)
    # the history row: sent (green), code 200
    h = r["history"]
    assert h["status"] == "sent" and h["event"] == "test" and h["badge"] == "Sent"
    assert "badge-ok" in h["badge_class"] and h["code"] == "200"
    assert name in h["text"] and re.search(r"\d+ ms", h["text"])
    assert f"channel_id={r['channel_id']}" in r["filtered_url"]
    assert {str(r["test"]["event_id"]), str(r["test2"]["event_id"])} <= set(r["filtered_rows"])


def test_task_rules_from_the_task_form(ui, admin, stack, rx):
    ch = api_channel(admin, stack, rx)
    t = task(admin, stack, unique("ui-alerted"))
    glob = [admin.post(stack.api_url + "/alert-rules", json={"task_id": None, "kind": kind, "channels": [ch["id"]]})
            for kind in ("on_failure", "on_skipped")]
    assert all(g.status_code == 201 for g in glob), [g.text for g in glob]
    try:
        r = ui("alerts_task_rule", task_id=t["id"], channel_id=ch["id"])
    finally:   # global rules would alert on every other test's runs
        for g in glob:
            admin.delete(f"{stack.api_url}/alert-rules/{g.json()['id']}")
    # the global rules shown with the section: on_failure replaced by the task's own, on_skipped applies
    shown = {x["id"]: x for x in r["global_applies"]}
    assert shown[glob[0].json()["id"]]["applies"] == "0" and "replaced" in shown[glob[0].json()["id"]]["text"], shown
    assert shown[glob[1].json()["id"]]["applies"] == "1" and "applies" in shown[glob[1].json()["id"]]["text"], shown
    assert "Save the task first" in r["new_task_text"] and r["new_task_add"] is False
    assert "No rules of its own" in r["before"]
    assert "params.days" in r["bad_days_error"] and r["bad_days_field"] == ["params.days"], r
    assert sorted(x["kind"] for x in r["rows"]) == ["deadline", "on_failure"]
    assert r["after"] == ["on_failure"]
    rules = admin.get(stack.api_url + "/alert-rules", params={"task_id": t["id"]}).json()["items"]
    assert [(x["kind"], x["channels"], x["repeat_every"], x["task_id"]) for x in rules] == \
        [("on_failure", [ch["id"]], 600, t["id"])], rules
    assert any(x["id"] == rules[0]["id"] and t["name"] in x["text"] for x in r["rules_tab"]), r["rules_tab"]
    assert admin.get(stack.api_url + "/alert-rules", params={"global": "true"}).json()["items"] == []


def open_alert(admin, stack, rx):
    """An open on_failure alert of a task (written as the detection would)."""
    ch = api_channel(admin, stack, rx)
    t = task(admin, stack, unique("ui-failing"))
    rule = admin.post(stack.api_url + "/alert-rules", json={
        "task_id": t["id"], "kind": "on_failure", "channels": [ch["id"]], "enabled": True, "params": {}})
    assert rule.status_code == 201, rule.text
    rid = rule.json()["id"]
    stack.sql(f"INSERT INTO alerts (rule_id, task_id, slot, kind, summary, last_sent_at) VALUES "
              f"({rid}, {t['id']}, '2026-12-01T10:00:00.000Z', 'on_failure', 'exit status 1', NOW(3))")
    return int(stack.sql_value(f"SELECT id FROM alerts WHERE rule_id = {rid}")), t, ch


def test_viewer_reads_operator_acks_and_silences(ui, admin, stack, rx):
    aid, t, _ = open_alert(admin, stack, rx)
    r = ui("alerts_roles", role="viewer", alert_id=aid)
    assert "alerts" in r["nav"]
    assert r["tabs"] == ["open", "history", "rules"], "channels are for admins"
    assert r["actions"] == [] and t["name"] in r["row"]
    assert r["rule_buttons"] == 0 and r["channels_tab_fallback"] == 0

    r = ui("alerts_roles", role="operator", alert_id=aid)
    assert r["tabs"] == ["open", "history", "rules"]
    assert r["actions"] == ["ack", "silence"], r["actions"]
    assert "acknowledged by ui-operator" in r["after"] and "silenced until" in r["after"]
    assert r["after_actions"] == ["silence", "unsilence"]
    assert str(aid) in r["silence_ended"]
    assert r["rule_buttons"] == 0
    a = [x for x in admin.get(stack.api_url + "/alerts", params={"state": "open"}).json()["items"] if x["id"] == aid][0]
    assert a["acked_by"] == "ui-operator" and a["acked_at"] and a["silenced_until"] is None


def test_alerts_page_in_chinese(ui, admin, stack, rx):
    _, _, ch = open_alert(admin, stack, rx)
    assert admin.post(f"{stack.api_url}/alert-channels/{ch['id']}/test").status_code == 202   # a row in History
    r = ui("alerts_zh")
    assert r["h1"] == "告警" and r["nav"] == ["告警"] and r["title"].startswith("告警")
    assert r["tabs"] == ["未关闭告警", "发送记录", "通知渠道", "告警规则"]
    assert "发生批次" in r["open"]["headers"] and "最近发送" in r["open"]["headers"]
    assert "确认" in r["open"]["buttons"] and "静默" in r["open"]["buttons"]
    assert "返回码" in r["history"]["headers"] and "耗时" in r["history"]["headers"]
    assert "发送测试" in r["channels"]["buttons"] and "添加渠道" in r["channels"]["buttons"]
    assert "全局规则" in r["rules"]["labels"]
    assert "钉钉" in r["channel_form"] and "企业微信" in r["channel_form"] and "飞书" in r["channel_form"]
    assert "截止时间前未成功" in r["rule_form"] and "重复间隔（秒）" in r["rule_form"]
    # no English words left in the chrome (IDs, codes, and the kind "Webhook" aside)
    chrome = [x for tab in ("open", "history", "channels", "rules") for k in ("headers", "buttons", "labels", "badges")
              for x in r[tab][k]] + r["tabs"] + r["rule_form"]
    leftover = [x for x in chrome if re.search(r"[A-Za-z]{3,}", x) and not re.search(r"Webhook|Slack|SMTP|STARTTLS|TLS|URL|HH:MM|cron", x)]
    assert not leftover, leftover


def test_failed_test_message_and_history_pages(ui, admin, stack, rx):
    off = api_channel(admin, stack, rx)
    r = admin.put(f"{stack.api_url}/alert-channels/{off['id']}", json={"enabled": False})
    assert r.status_code == 200, r.text
    many = api_channel(admin, stack, rx)
    stack.sql("INSERT INTO alert_events (channel_id, event, facts, status, attempts, last_code, last_error) "
              f"SELECT {many['id']}, 'test', '{{}}', 'failed', 3, 500, 'HTTP 500' FROM seq_1_to_60")
    r = ui("alerts_fail_and_pages", disabled_id=off["id"], many_id=many["id"])
    assert r["test_status"] == "failed" and "disabled" in r["test_text"], r
    assert off["name"] in r["toast"]
    # 60 events: 50 newest first, then the other 10, then back
    assert len(r["page1"]) == 50 and r["page1"] == sorted(r["page1"], reverse=True)
    assert len(r["page2"]) == 10 and max(r["page2"]) < min(r["page1"])
    assert r["range1"] == "page 1" and r["range2"] == "page 2" and r["older_disabled"] is True
    assert r["back"] == r["page1"]
    assert r["badges"] == ["badge badge-bad"]


def test_channel_forms_per_kind(ui, admin, stack, rx):
    email, ding = unique("ui-mail"), unique("ui-ding")
    r = ui("alerts_channel_kinds", email_name=email, ding_name=ding, smtp_url="smtp://127.0.0.1:2525",
           ding_url=rx.url("/ding?access_token=tok123"))
    assert r["email"]["labels"][:2] == ["SMTP server *", "Encryption"], r["email"]["labels"]
    assert "smtp://127.0.0.1:2525 → a@example.com, b@example.com" in r["email"]["row"]
    e = admin.get(f"{stack.api_url}/alert-channels/{r['email']['id']}").json()
    assert e["config"]["to"] == ["a@example.com", "b@example.com"] and e["config"]["tls"] == "none"
    assert e["config"]["password"] == "***" and e["config"]["username"] == "zq"
    # the robot URL carries its token: never shown, the host is
    assert "tok123" not in r["ding"]["row"] and "127.0.0.1" in r["ding"]["row"]
    assert r["ding_edit"]["url"] == "***" and r["ding_edit"]["secret"] == "***"
    assert any("127.0.0.1" in x for x in r["ding_edit"]["hints"]) and r["ding_edit"]["kind_disabled"] is True
    d = admin.get(f"{stack.api_url}/alert-channels/{r['ding']['id']}").json()
    assert d["config"]["url"] == "***" and "secret" not in d["config"], d   # emptied: removed
    assert "tok123" not in str(d)
    stored = stack.sql_value(f"SELECT secrets FROM alert_channels WHERE id = {r['ding']['id']}")
    assert "tok123" in stored and "SECding" not in stored, "*** kept the URL; the emptied secret is gone"
