"""benchlib.py - what every benchmark shares: the MariaDB config ./zq bench
hands it, and one line per target for the summary ./zq bench prints last.

    from benchlib import mariadb_cnf, target
    s = Stack(..., mariadb_cnf=mariadb_cnf())
    target("history first page p95", 14.2, "ms", "<=", 20, cmd="...")

ZQ_BENCH_MARIADB_CNF: the server config ./zq up writes for this machine
(`./zq mariadb-conf FILE`; ./zq bench writes build/bench/mariadb.cnf), so the
figures are for the database zq is run with. Unset (a bench run by hand):
the tests' 128 MB server, and the summary says so.
ZQ_BENCH_REPORT: a file the target lines are appended to (tab-separated:
name, value, unit, op, target, PASS/MISS, command); ./zq bench prints it as
the closing table.
"""
import contextlib
import os
import re
import shutil
import signal
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

OPS = {"<=": lambda v, t: v <= t, ">=": lambda v, t: v >= t}


def mariadb_cnf():
    return os.environ.get("ZQ_BENCH_MARIADB_CNF") or None


def have_wrk(bench):
    """The API benches drive wrk; without it they say so and are skipped."""
    if shutil.which("wrk"):
        return True
    print(f"{bench}: wrk is not installed; skipped")
    return False


@contextlib.contextmanager
def api_stack(bench):
    """(stack, build dir, temp dir) for an API bench: a started Release stack
    without a scheduler (8 API threads, warnings only, this machine's MariaDB
    config), torn down however the bench ends (SIGTERM included)."""
    sys.path.insert(0, os.path.join(SRC, "tests"))
    from zqstack import Stack
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    build = os.environ.get("ZQ_BUILD_DIR") or os.path.join(SRC, "build", "bench")
    s = Stack(build_dir=build, scheduler=False, api_threads=8, extra_config="log.level = warn\n",
              mariadb_cnf=mariadb_cnf())
    s.start()
    tmp = tempfile.mkdtemp(prefix=f"zq-{bench.replace('_', '-')}-")
    try:
        yield s, build, tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        s.stop()
        s.cleanup()


def buffer_pool_mb(s):
    return int(s.sql_value("SELECT @@innodb_buffer_pool_size")) >> 20


def api_on(s, build, drop_indexes=()):
    """Restart the stack's zq-api from another build on the same data: the
    (table, index) pairs it predates dropped, the schema version set back to
    the one it expects (before / after in one load)."""
    s.api.stop()
    for table, index in drop_indexes:
        s.sql(f"ALTER TABLE {table} DROP INDEX IF EXISTS {index}")
    s.build = build
    try:
        s.start_api()
    except RuntimeError as e:
        want = re.search(r"this binary expects \((\d+)\)", str(e))
        if not want:
            raise
        s.sql(f"DELETE FROM schema_migrations WHERE version > {want.group(1)}")
        s.start_api()


def command():
    """The command that reproduces this bench's figures."""
    args = " ".join(sys.argv[1:])
    build = os.environ.get("ZQ_BUILD_DIR", "build/bench")
    return (f"ZQ_BUILD_DIR={build} /usr/bin/python3 tests/bench/"
            f"{os.path.basename(sys.argv[0])}{' ' + args if args else ''}")


def target(name, value, unit, op, limit, cmd=None):
    """Print NAME = VALUE next to its target; append it to ZQ_BENCH_REPORT.
    A value of None or NaN (not measured) is a MISS."""
    ok = value is not None and value == value and OPS[op](value, limit)
    shown = "n/a" if value is None or value != value else f"{value:,.1f}"
    verdict = "PASS" if ok else "MISS"
    print(f"  TARGET {name}: {shown} {unit} ({op} {limit:,} {unit}) {verdict}", flush=True)
    path = os.environ.get("ZQ_BENCH_REPORT")
    if path:
        with open(path, "a") as f:
            f.write("\t".join([name, shown, unit, op, f"{limit:,}", verdict,
                               cmd or command()]) + "\n")
    return ok


def summary(path, out=sys.stdout):
    """The closing table of ./zq bench (python3 benchlib.py REPORT)."""
    rows = []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) == 7:
                rows.append(p)
    w = max([len(r[0]) for r in rows] + [10])
    passed = sum(1 for r in rows if r[5] == "PASS")
    print(f"{'target':{w}s} {'measured':>12s}  {'wanted':>14s}", file=out)
    cmds = []
    for name, shown, unit, op, limit, verdict, cmd in rows:
        if cmd not in cmds:
            cmds.append(cmd)
        print(f"{name:{w}s} {shown:>9s} {unit:<3s} {op} {limit:>8s} {unit:<3s} {verdict}"
              f"  [{cmds.index(cmd) + 1}]", file=out)
    print(f"{passed}/{len(rows)} targets met", file=out)
    for i, c in enumerate(cmds, 1):
        print(f"  [{i}] {c}", file=out)
    if not os.environ.get("ZQ_BENCH_MARIADB_CNF"):
        print("  (MariaDB: the tests' 128 MB server, not ./zq up's config)", file=out)


if __name__ == "__main__":
    summary(sys.argv[1])
