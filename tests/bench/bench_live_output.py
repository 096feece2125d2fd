"""bench_live_output.py - the cost of live output (README "Live output"): one
command writes SIZE bytes of stdout (200 MiB) as fast as it can while the
daemon keeps the tail and writes it every scheduler.output_flush_ms.

Run by `./zq bench` (ZQ_BUILD_DIR = an optimised build), or directly:
    ZQ_BUILD_DIR=build/bench /usr/bin/python3 tests/bench/bench_live_output.py [--quick]
(--quick or ZQ_BENCH_QUICK=1: 20 MiB; ZQ_BENCH_LIVE_MIB=2048: the issue's 2 GiB)

Figures: the daemon's RSS before the run and at its end (VmRSS, and the
VmHWM delta), the run's duration, and the number of live output writes
(the daemon's debug line `OUTPUT exec=N`, one per write) against the bound
duration / flush + 1; the stored stdout_bytes must equal SIZE.
"""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
from sched_util import SchedEnv  # noqa: E402
import benchlib  # noqa: E402

QUICK = "--quick" in sys.argv or os.environ.get("ZQ_BENCH_QUICK") == "1"
SIZE = int(os.environ.get("ZQ_BENCH_LIVE_MIB") or (20 if QUICK else 200)) << 20
FLUSH_MS = 1000


def main():
    env = SchedEnv(threads=2, mariadb_cnf=benchlib.mariadb_cnf()).start()
    try:
        d = env.daemon(log__level="debug", scheduler__output_flush_ms=str(FLUSH_MS))
        cmd = f"yes 'live output bench: a line of text to fill the pipe' | head -c {SIZE}"
        tid = env.task("live-bench", "manual_task", '{"command": "%s"}' % cmd)
        rss0, hwm0 = SchedEnv.rss_kb(d.pid), SchedEnv.rss_kb(d.pid, "VmHWM")
        eid = env.trigger(tid)
        e = env.wait_final(eid, timeout=600)
        rss1, hwm1 = SchedEnv.rss_kb(d.pid), SchedEnv.rss_kb(d.pid, "VmHWM")
        took = (float(e["end_ms"]) - float(e["start_ms"])) / 1000.0
        total = int(env.value(f"SELECT stdout_bytes FROM execution_output "
                              f"WHERE execution_id = {eid}"))
        writes = len(re.findall(rf"OUTPUT exec={eid} ", d.output()))
        bound = took * 1000 / FLUSH_MS + 1
        print(f"live output: {SIZE >> 20} MiB in {took:.1f} s ({e['status']}), "
              f"stdout_bytes={total}, live writes={writes} (bound {bound:.1f}), "
              f"RSS {rss0 >> 10} -> {rss1 >> 10} MiB, VmHWM {hwm0 >> 10} -> {hwm1 >> 10} MiB",
              flush=True)
        assert e["status"] == "success" and total == SIZE, (e["status"], total)
        benchlib.target("live output RSS delta", (max(rss1, hwm1) - rss0) / 1024.0, "MiB",
                        "<=", 32)
        benchlib.target("live output writes over the flush bound", writes - bound, "writes",
                        "<=", 0)
    finally:
        env.close()


if __name__ == "__main__":
    main()
