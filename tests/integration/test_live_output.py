"""Live output (README "Live output"): a running command's output is written
at most every scheduler.output_flush_ms and read through
GET .../executions/{eid}/output?stream=&after= with offsets: followed while
it runs (no gaps, no duplicates, lines seen before the end), the dropped
flag when the output outruns the cap, ANSI sequences stripped, the number
of writes bounded by duration / flush, and 400s naming the parameter."""
import re
import time

import pytest

from api_util import create, manual_body
from zqstack import Stack

FLUSH_MS = 300
TAIL = 4096


@pytest.fixture(scope="module")
def lstack():
    s = Stack(extra_config=f"log.level = debug\n"
                           f"scheduler.output_flush_ms = {FLUSH_MS}\n"
                           f"scheduler.output_tail = {TAIL}\n").start()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert all(v in (0, None) for v in statuses.values()), statuses


def url(s, tid, eid):
    return f"{s.api_url}/scheduler/tasks/{tid}/executions/{eid}/output"


def trigger(s, command):
    admin = s.session("admin")
    t = create(admin, s, manual_body(config={"command": command, "timeout_seconds": 60}))
    r = admin.post(f"{s.api_url}/scheduler/tasks/{t['id']}/trigger", timeout=10)
    assert r.status_code == 200, r.text
    return t["id"], r.json()["execution_id"]


def follow(s, tid, eid, stream="stdout", deadline_s=60):
    """Poll from offset 0 until the run ends; the chunks and answers seen."""
    viewer = s.session("viewer")
    after, data, answers = 0, "", []
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        r = viewer.get(url(s, tid, eid), params={"stream": stream, "after": after}, timeout=10)
        assert r.status_code == 200, r.text
        b = r.json()
        answers.append(b)
        assert b["stream"] == stream and b["offset_start"] <= b["offset_end"]
        assert b["offset_end"] >= after
        data += b["data"]
        after = b["offset_end"]
        if not b["running"]:
            return data, answers
        time.sleep(0.2)
    raise AssertionError("run did not end")


def flushes(s, eid):
    return len(re.findall(rf"OUTPUT exec={eid} ", s.schedulers[0].output()))


def test_followed_while_running_without_gaps_or_duplicates(lstack):
    s = lstack
    cmd = "for i in $(seq 1 30); do echo line-$i; sleep 0.1; done"
    t0 = time.monotonic()
    tid, eid = trigger(s, cmd)
    data, answers = follow(s, tid, eid)
    took = time.monotonic() - t0
    assert data.splitlines() == [f"line-{i}" for i in range(1, 31)]
    live = [b for b in answers if b["running"] and b["data"]]
    assert live, "no output was seen while the run was live"
    assert not any(b["dropped"] for b in answers)
    # bounded by duration / flush (+ the start and the end)
    n = flushes(s, eid)
    assert 1 <= n <= took * 1000 / FLUSH_MS + 2, (n, took)


def test_dropped_when_output_outruns_the_cap(lstack):
    s = lstack
    # 20 x 1000 bytes a burst: more than the 4 KiB tail between two reads
    cmd = ("for i in $(seq 1 6); do head -c 20000 /dev/zero | tr '\\0' x; echo; "
           "sleep 0.5; done; echo done")
    tid, eid = trigger(s, cmd)
    data, answers = follow(s, tid, eid)
    assert any(b["dropped"] for b in answers)
    last = answers[-1]
    assert last["offset_end"] == 6 * 20001 + 5
    assert last["offset_end"] - last["offset_start"] <= TAIL
    assert data.endswith("done\n")
    # a reader from 0 at the end is told what it missed
    r = s.session("viewer").get(url(s, tid, eid), params={"after": 0}, timeout=10).json()
    assert r["dropped"] and not r["running"] and len(r["data"]) <= TAIL


def test_ansi_stripped_and_stderr(lstack):
    s = lstack
    tid, eid = trigger(s, "printf '\\033[31mred\\033[0m plain\\n'; echo oops >&2")
    data, _ = follow(s, tid, eid)
    assert data == "red plain\n"
    err, _ = follow(s, tid, eid, stream="stderr")
    assert err == "oops\n"


def test_bad_parameters(lstack):
    s = lstack
    tid, eid = trigger(s, "true")
    v = s.session("viewer")
    r = v.get(url(s, tid, eid), params={"stream": "both"}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("stream"), r.text
    r = v.get(url(s, tid, eid), params={"after": "-1"}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("after"), r.text
    r = v.get(url(s, tid, eid), params={"after": "x"}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("after"), r.text
    assert v.get(url(s, tid, 999999999), timeout=10).status_code == 404
