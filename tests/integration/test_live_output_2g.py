"""Live output at scale (README "Live output", "Cost"): a command writing
2 GiB to stdout keeps zq-scheduler's RSS within +32 MiB of its baseline
(VmRSS sampled every 20 ms during the run) and its live output writes
within the flush bound (duration / scheduler.output_flush_ms + 2, counted
by zq_scheduler_output_flushes_total), and the stored byte count is the
whole 2 GiB. About 4-10 s of pipe on the shared 2-core VM (ASan build)."""
import os
import sys
import threading
import time

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sched_util import SchedEnv  # noqa: E402
from zqstack import free_port, wait_for  # noqa: E402

SIZE = 2 << 30
FLUSH_MS = 250
RSS_SLACK_KB = 32 << 10


@pytest.fixture(scope="module")
def env():
    e = SchedEnv(threads=2).start()
    yield e
    e.close()


def flushes(port):
    for line in requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text.splitlines():
        if line.startswith("zq_scheduler_output_flushes_total "):
            return int(float(line.split()[1]))
    raise AssertionError("no zq_scheduler_output_flushes_total")


class Sampler(threading.Thread):
    """The highest VmRSS of pid, every 20 ms until stopped."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples = pid, 0, 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            try:
                self.peak = max(self.peak, SchedEnv.rss_kb(self.pid))
                self.samples += 1
            except OSError:
                return
            time.sleep(0.02)


def test_two_gib_of_stdout_costs_bounded_memory_and_writes(env):
    port = free_port()
    d = env.daemon(scheduler__metrics_listen=f"127.0.0.1:{port}",
                   scheduler__output_flush_ms=str(FLUSH_MS))
    wait_for(lambda: "METRICS listening" in d.output_since_start(), what="the metrics listener")
    cmd = f"yes 'live output: a line of text to fill the pipe' | head -c {SIZE}"
    tid = env.task("live-2g", "manual_task", {"command": cmd, "timeout_seconds": 120})
    time.sleep(1.0)  # settled after start-up (pool, connections)
    base = SchedEnv.rss_kb(d.pid)
    f0 = flushes(port)
    sampler = Sampler(d.pid)
    sampler.start()
    t0 = time.monotonic()
    eid = env.trigger(tid)
    e = env.wait_final(eid, timeout=120)
    wall = time.monotonic() - t0
    sampler.halt.set()
    sampler.join()
    took = (float(e["end_ms"]) - float(e["start_ms"])) / 1000.0
    writes = flushes(port) - f0
    total = int(env.value(f"SELECT stdout_bytes FROM execution_output WHERE execution_id = {eid}"))
    print(f"2 GiB: {took:.1f} s run ({wall:.1f} s wall, {SIZE / took / (1 << 20):.0f} MiB/s), "
          f"live writes {writes} (bound {took * 1000 / FLUSH_MS + 2:.1f}), RSS {base >> 10} -> "
          f"peak {sampler.peak >> 10} MiB over {sampler.samples} samples")
    assert e["status"] == "success", e
    assert total == SIZE
    assert sampler.samples >= 5
    assert sampler.peak - base <= RSS_SLACK_KB, (base, sampler.peak)
    assert 1 <= writes <= took * 1000 / FLUSH_MS + 2, (writes, took)
