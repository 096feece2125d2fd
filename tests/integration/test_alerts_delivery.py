"""Alert delivery (db/notify: the alert thread, deliver.c; db/store/alert_outbox.c):
each channel kind delivered to local receivers that check the vendors'
signatures, retries with backoff while a receiver is down, failed after
alerts.max_attempts, exactly once with three senders (zq-api and two
schedulers), and at least once when the sender is killed mid-delivery.
Events are written straight into alert_events, as the settle transaction
and the sweep write them."""
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import datetime

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from alert_receivers import (ALERT_CONFIG, HttpReceiver, SmtpSink, event_row,  # noqa: E402
                             insert_events, make_channel, self_signed, wait_event)
from zqstack import Stack  # noqa: E402

MAX_ATTEMPTS = 3
CONFIG = ALERT_CONFIG + f'alerts.max_attempts = "{MAX_ATTEMPTS}"\n'


@pytest.fixture(scope="module")
def certs():
    d = tempfile.mkdtemp(prefix="zq-alert-certs-")
    os.chmod(d, 0o755)
    yield {"good": self_signed(d, "good"), "rogue": self_signed(d, "rogue")}
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def stack(certs):
    s = Stack(extra_config=CONFIG + f'alerts.ca_file = "{certs["good"][0]}"\n').start()
    s.killed = set()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    bad = {k: v for k, v in statuses.items() if v not in (0, None) and k not in s.killed}
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert not bad, f"daemons exited badly on SIGTERM: {bad}"


@pytest.fixture(scope="module")
def rx():
    r = HttpReceiver().start()
    yield r
    r.stop()


def ts(v):
    return datetime.strptime(v[:23], "%Y-%m-%d %H:%M:%S.%f").timestamp()


def sent(row):
    return row["status"] == "sent"


def test_each_kind_is_delivered_signed_as_the_vendor_documents(stack, rx):
    smtp = SmtpSink(auth=("alerts", "pw-9f3")).start()
    try:
        rx.expect("/hook", "webhook", "whsec-1")
        rx.expect("/ding", "dingtalk", "SECding")
        rx.expect("/wecom", "wecom")
        rx.expect("/feishu", "feishu", "fs-sec")
        rx.expect("/slack", "slack")
        chans = {
            "webhook": make_channel(stack, "k-webhook", "webhook", {
                "url": rx.url("/hook"), "secret": "whsec-1", "headers": {"X-Team": "ops"}}),
            "dingtalk": make_channel(stack, "k-ding", "dingtalk", {
                "url": rx.url("/ding?access_token=tok-ding"), "secret": "SECding"}, lang="zh"),
            "wecom": make_channel(stack, "k-wecom", "wecom", {"url": rx.url("/wecom?key=tok-wc")}),
            "feishu": make_channel(stack, "k-feishu", "feishu", {
                "url": rx.url("/feishu"), "secret": "fs-sec"}),
            "slack": make_channel(stack, "k-slack", "slack", {"url": rx.url("/slack")}),
            "email": make_channel(stack, "k-email", "email", {
                "smtp_url": smtp.url, "tls": "none", "username": "alerts",
                "password": "pw-9f3", "from": "zq@example.com", "to": ["ops@example.com"]}),
        }
        eids = {k: insert_events(stack, c)[0] for k, c in chans.items()}
        for kind, path in (("webhook", "/hook"), ("dingtalk", "/ding"), ("wecom", "/wecom"),
                           ("feishu", "/feishu"), ("slack", "/slack")):
            r = rx.wait_for(1, path=path)[0]
            assert r.method == "POST" and r.verified, (kind, r.verify_error)
            assert r.json is not None, (kind, r.body[:200])
            row = wait_event(stack, eids[kind], sent, what=f"{kind} sent")
            assert row["attempts"] == "1" and row["last_code"] == "200", row
            assert row["last_error"] is None and int(row["latency_ms"]) >= 0, row
        hook = rx.received("/hook")[0]
        assert hook.headers["x-zq-event-id"] == str(eids["webhook"])
        assert hook.headers["x-team"] == "ops"
        assert hook.headers["content-type"].startswith("application/json")
        assert hook.json["event_id"] == eids["webhook"] and hook.json["version"] == 1
        assert rx.received("/ding")[0].query["access_token"] == "tok-ding"
        assert rx.received("/wecom")[0].query["key"] == "tok-wc"
        mail = smtp.wait_for(1)[0]
        assert mail.auth == "alerts"
        assert mail.rcpt_tos == ["ops@example.com"] and "zq@example.com" in mail.mail_from
        assert mail.message["Subject"]
        row = wait_event(stack, eids["email"], sent, what="email sent")
        assert row["attempts"] == "1" and row["last_code"] == "250", row
        # one log line per delivery, naming the channel and never a secret
        logs = stack.api.output() + "".join(p.output() for p in stack.schedulers)
        assert re.search(rf"alert: event {eids['dingtalk']} \(failure, dingtalk 'k-ding'\) "
                         r"sent in \d+ ms", logs), logs[-3000:]
        for secret in ("whsec-1", "SECding", "tok-ding", "tok-wc", "fs-sec", "pw-9f3"):
            assert secret not in logs
    finally:
        smtp.stop()


def test_receiver_down_is_retried_with_backoff_then_delivered_once(stack, rx):
    rx.expect("/down", "webhook")
    cid = make_channel(stack, "down-hook", "webhook", {"url": rx.url("/down")})
    rx.stop()
    try:
        eid = insert_events(stack, cid)[0]
        one = wait_event(stack, eid, lambda r: r["attempts"] == "1" and r["status"] == "pending",
                         what="first attempt failed")
        assert one["last_error"] and one["last_code"] is None, one
        # attempt 1 failed: due again 2 s later (database clock)
        gap = ts(one["next_at"]) - ts(one["created_at"])
        assert 2.0 <= gap < 2.0 + 3.0, one
        two = wait_event(stack, eid, lambda r: r["attempts"] == "2" and r["status"] == "pending",
                         what="second attempt failed")
        gap = ts(two["next_at"]) - ts(one["next_at"])
        assert 4.0 <= gap < 4.0 + 3.0, (one, two)
    finally:
        rx.start()   # the same port
    row = wait_event(stack, eid, sent, timeout=20, what="sent once back")
    assert row["attempts"] == "3", row
    got = [r for r in rx.received("/down") if r.event_id == eid]
    assert len(got) == 1


def test_max_attempts_then_failed_and_vendor_errors_recorded(stack, rx):
    rx.expect("/err", "webhook")
    rx.fail("/err", "500")
    cid = make_channel(stack, "err-hook", "webhook", {"url": rx.url("/err")})
    eid = insert_events(stack, cid)[0]
    row = wait_event(stack, eid, lambda r: r["status"] == "failed", timeout=30, what="failed")
    assert row["attempts"] == str(MAX_ATTEMPTS) and row["last_code"] == "500", row
    assert "500" in row["last_error"], row
    assert len([r for r in rx.received("/err") if r.event_id == eid]) == MAX_ATTEMPTS
    time.sleep(1)
    assert event_row(stack, eid)["status"] == "failed"   # never claimed again

    # a DingTalk error reply (HTTP 200, errcode != 0) is a failed attempt
    rx.expect("/ding-err", "dingtalk")
    rx.fail("/ding-err", "vendor")
    did = make_channel(stack, "err-ding", "dingtalk", {"url": rx.url("/ding-err?access_token=t")})
    eid = insert_events(stack, did)[0]
    row = wait_event(stack, eid, lambda r: r["attempts"] == "1" and r["status"] != "sending",
                     what="vendor error")
    assert row["status"] == "pending" and row["last_code"] == "200", row
    assert "310000" in row["last_error"], row


def test_disabled_channel_fails_its_events(stack, rx):
    rx.expect("/off", "webhook")
    cid = make_channel(stack, "off-hook", "webhook", {"url": rx.url("/off")})
    stack.sql(f"UPDATE alert_channels SET enabled = 0 WHERE id = {cid}")
    eid = insert_events(stack, cid)[0]
    row = wait_event(stack, eid, lambda r: r["status"] == "failed", what="failed")
    assert row["last_error"] == "channel disabled", row
    assert rx.received("/off") == []


def test_tls_is_verified_against_alerts_ca_file(stack, certs):
    good = HttpReceiver(tls=certs["good"]).start()
    rogue = HttpReceiver(tls=certs["rogue"]).start()
    smtp = SmtpSink(starttls=certs["good"]).start()
    try:
        good.expect("/tls", "webhook")
        rogue.expect("/tls", "webhook")
        ok = insert_events(stack, make_channel(stack, "tls-good", "webhook",
                                               {"url": good.url("/tls")}))[0]
        bad = insert_events(stack, make_channel(stack, "tls-rogue", "webhook",
                                                {"url": rogue.url("/tls")}))[0]
        mail = insert_events(stack, make_channel(stack, "tls-mail", "email", {
            "smtp_url": smtp.url, "from": "zq@example.com", "to": ["ops@example.com"]}))[0]
        wait_event(stack, ok, sent, what="https sent")
        row = wait_event(stack, bad, lambda r: r["attempts"] == "1" and r["status"] == "pending",
                         what="rogue certificate refused")
        assert "certificate" in row["last_error"].lower(), row
        assert rogue.received() == []
        wait_event(stack, mail, sent, what="STARTTLS mail sent")
        assert smtp.wait_for(1)[0].rcpt_tos == ["ops@example.com"]
    finally:
        good.stop()
        rogue.stop()
        smtp.stop()


def test_three_senders_deliver_each_event_exactly_once(stack, rx):
    while len([p for p in stack.schedulers if p.alive()]) < 2:
        stack.start_scheduler()
    rx.expect("/many", "webhook", "many-sec")
    rx.stall("/many", 0.05)
    cid = make_channel(stack, "many-hook", "webhook", {"url": rx.url("/many"),
                                                       "secret": "many-sec"})
    eids = insert_events(stack, cid, n=50)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        n = int(stack.sql_value(f"SELECT COUNT(*) FROM alert_events WHERE channel_id = {cid} "
                                "AND status = 'sent'"))
        if n == 50:
            break
        time.sleep(0.2)
    assert n == 50
    got = rx.received("/many")
    ids = sorted(r.event_id for r in got)
    assert ids == sorted(eids), "each event exactly once"
    assert all(r.verified for r in got)
    rows = stack.sql(f"SELECT attempts, COUNT(*) FROM alert_events WHERE channel_id = {cid} "
                     "GROUP BY attempts")
    assert rows == [["1", "50"]]
    senders = stack.sql(f"SELECT DISTINCT sender FROM alert_events WHERE channel_id = {cid}")
    print("senders:", senders)
    rx.stall("/many", 0)


def _proc_of(stack, sender):
    pid = int(sender.rsplit(":", 1)[1])
    if stack.api and stack.api.pid == pid:
        return "api", stack.api
    for p in stack.schedulers:
        if p.pid == pid:
            return "sched", p
    raise AssertionError(f"sender {sender} is none of this stack's processes")


def test_kill9_mid_delivery_is_delivered_again_after_the_lease(stack, rx):
    rx.expect("/slow", "webhook")
    rx.stall("/slow", 5.0)
    cid = make_channel(stack, "slow-hook", "webhook", {"url": rx.url("/slow")})
    eid = insert_events(stack, cid)[0]
    first = rx.wait_for(1, path="/slow", timeout=20)[0]
    assert first.event_id == eid
    row = event_row(stack, eid)
    assert row["status"] == "sending", row
    kind, proc = _proc_of(stack, row["sender"])
    proc.kill9()
    stack.killed.add(proc.name)
    rx.stall("/slow", 0)
    if kind == "api":
        stack.start_api()
    # the lease is timeout_s * 2 + 5 = 11 s; another sender claims it then
    row = wait_event(stack, eid, sent, timeout=40, what="delivered again after the lease")
    got = [r for r in rx.received("/slow") if r.event_id == eid]
    assert len(got) >= 2, "at least once: the same event id again"
    assert row["attempts"] == "2", row



def test_a_huge_reply_is_cut_at_64_kib_and_still_judged(stack, rx):
    rx.expect("/huge", "webhook")
    rx.fail("/huge", (200, "text/plain", b"x" * (1 << 20)))
    cid = make_channel(stack, "huge-hook", "webhook", {"url": rx.url("/huge")})
    eid = insert_events(stack, cid)[0]
    row = wait_event(stack, eid, lambda r: r["status"] in ("sent", "failed"), what="judged")
    assert row["status"] == "sent" and row["last_code"] == "200", row


def test_the_claim_reads_the_due_index_only(stack):
    # many finished rows: the claim must not scan them (ix_alert_events_due ranges)
    cid = int(stack.sql_value("SELECT MIN(id) FROM alert_channels"))
    stack.sql("INSERT INTO alert_events (channel_id, event, facts, status, attempts, sent_at) "
              f"SELECT {cid}, 'failure', '{{}}', ELT(1 + seq MOD 2, 'sent', 'failed'), 1, "
              "NOW(3) FROM seq_1_to_5000; ANALYZE TABLE alert_events")
    rows = stack.sql(
        "EXPLAIN SELECT id, channel_id, event, attempts, facts FROM alert_events "
        "WHERE (status = 'pending' AND next_at <= NOW(3)) OR "
        "(status = 'sending' AND lease_until < NOW(3)) LIMIT 20 FOR UPDATE SKIP LOCKED")
    cols = stack.sql("SELECT 'id','select_type','table','type','possible_keys','key','key_len',"
                     "'ref','rows','Extra'")[0]
    plan = dict(zip(cols, rows[0]))
    assert plan["key"] == "ix_alert_events_due" and plan["type"] == "range", plan
    assert int(plan["rows"]) < 100, plan
