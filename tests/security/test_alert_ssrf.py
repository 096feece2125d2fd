"""SSRF through alert channels: an admin (or someone who can write a
channel row) points a channel at an internal address and waits for zq to
connect there. The stack allows only 127.0.0.3 (alerts.allow =
127.0.0.3/32, deny_private on), where the legitimate receivers listen, so
127.0.0.1 (localhost) is as forbidden as the rest. Where the target can be
listened on (127.0.0.2, 127.0.0.1, ::1) a listener counts connections: the
attacker gets none, and the event shows the refusal (failed at once, not
retried). Literal addresses are refused by the API already; the rows are
then written straight into alert_channels (a channel saved before
alerts.allow changed), so the send-time guard is what is tested."""
import os
import socket
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
from alert_receivers import (ConnListener, HttpReceiver, api_has_channels,  # noqa: E402
                             event_row, insert_events, make_channel, wait_event)
from zqstack import Stack  # noqa: E402

CONFIG = """
alerts.sweep_ms = "200"
alerts.allow = "127.0.0.3/32"
alerts.timeout_s = "3"
alerts.max_attempts = "5"
"""


def _has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def stack():
    s = Stack(scheduler=False, extra_config=CONFIG).start()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert all(v in (0, None) for v in statuses.values()), statuses


@pytest.fixture(scope="module")
def rx():
    r = HttpReceiver(host="127.0.0.3").start()
    yield r
    r.stop()


_n = [0]


def attack(stack, url, kind="webhook", via_api=False):
    """A channel at url and one event for it; returns the event's final row."""
    _n[0] += 1
    config = {"url": url}
    if kind == "email":
        config = {"smtp_url": url, "tls": "none", "from": "a@example.com", "to": ["b@example.com"]}
    cid = make_channel(stack, f"ssrf-{_n[0]}", kind, config, via_api=via_api)
    eid = insert_events(stack, cid)[0]
    return wait_event(stack, eid, lambda r: r["status"] in ("failed", "sent"), timeout=30,
                      what="the attempt's outcome")


def refused(row, text):
    assert row["status"] == "failed", row
    assert row["attempts"] == "1", row           # not retried
    assert row["last_error"].startswith("refused: "), row
    assert text in row["last_error"], row


def test_the_api_refuses_literal_private_addresses(stack):
    if not api_has_channels(stack):
        pytest.skip("the alert-channels API is not in this build")
    s = stack.session("admin")
    for url in ("http://127.0.0.2:8080/x", "http://169.254.169.254/latest/meta-data/",
                "http://10.0.0.1/", "http://[::1]:8080/", "http://[::ffff:127.0.0.2]/"):
        r = s.post(stack.api_url + "/alert-channels", timeout=10, json={
            "name": "lit-" + url[7:20], "kind": "webhook", "config": {"url": url}})
        assert r.status_code == 400, (url, r.text)
        assert "config.url" in r.json()["detail"], r.text


def test_loopback_literal_is_refused_without_a_connection(stack):
    lis = ConnListener("127.0.0.2").start()
    try:
        row = attack(stack, f"{lis.base}/steal")
        refused(row, "127.0.0.2 is a loopback address (alerts.deny_private)")
        row = attack(stack, f"http://[::ffff:127.0.0.2]:{lis.port}/steal")
        refused(row, "loopback")
        time.sleep(0.5)
        assert lis.connections == 0
    finally:
        lis.stop()


def test_metadata_and_private_ranges_are_refused(stack):
    refused(attack(stack, "http://169.254.169.254/latest/meta-data/iam/"), "link-local")
    refused(attack(stack, "http://10.0.0.1:8080/"), "10.0.0.1 is a private address")
    refused(attack(stack, "https://192.168.1.1/", kind="slack"), "192.168.1.1")
    refused(attack(stack, "smtp://10.0.0.1:25", kind="email"), "10.0.0.1")


def test_ipv6_loopback_is_refused(stack):
    if not _has_ipv6_loopback():
        refused(attack(stack, "http://[::1]:9/"), "::1 is a loopback address")
        return
    lis = ConnListener("::1").start()
    try:
        refused(attack(stack, f"{lis.base}/x"), "::1 is a loopback address")
        time.sleep(0.5)
        assert lis.connections == 0
    finally:
        lis.stop()


def test_a_name_resolving_to_loopback_is_refused(stack):
    # 127.0.0.1 is not in alerts.allow here: "localhost" must not reach it
    lis = ConnListener("127.0.0.1").start()
    try:
        via_api = api_has_channels(stack)   # names pass the API: checked at send time
        row = attack(stack, f"http://localhost:{lis.port}/x", via_api=via_api)
        refused(row, "localhost resolves to ")
        assert "a loopback address" in row["last_error"], row
        row = attack(stack, f"smtp://localhost:{lis.port}", kind="email", via_api=via_api)
        refused(row, "localhost resolves to ")
        time.sleep(0.5)
        assert lis.connections == 0
    finally:
        lis.stop()


def test_a_redirect_from_an_allowed_receiver_is_not_followed(stack, rx):
    lis = ConnListener("127.0.0.2").start()
    try:
        rx.expect("/bounce", "webhook")
        rx.redirect("/bounce", f"{lis.base}/steal")
        row = attack(stack, rx.url("/bounce"), via_api=api_has_channels(stack))
        refused(row, "HTTP 302 redirect")
        assert row["last_code"] == "302", row
        assert len(rx.received("/bounce")) == 1    # the allowed receiver was asked, once
        time.sleep(0.5)
        assert lis.connections == 0
    finally:
        lis.stop()


def test_the_allowed_receiver_still_gets_its_alert(stack, rx):
    rx.expect("/ok", "webhook")
    row = attack(stack, rx.url("/ok"), via_api=api_has_channels(stack))
    assert row["status"] == "sent", row
    assert len(rx.received("/ok")) == 1
    assert event_row(stack, int(row["id"]))["last_code"] == "200"
