"""zq-api throughput and latency through nginx, against a bare libfcgi
baseline behind the same nginx (./zq bench runs this; not a timed test).

    ZQ_BUILD_DIR=build/api-bench /usr/bin/python3 tests/bench/bench_api.py [--runs 3]
        [--duration 10] [--connections 32] [--threads 8] [--keepconn]

A Release stack (tests/zqstack.py, no scheduler so nothing else competes for
the CPU) gets 60 tasks with some history. Then, alternating so drift hits
both sides alike, each run measures with wrk:
  * zq-api  GET /api/v1/scheduler/tasks/{id}   (bearer token: auth + task query)
  * zq-api  GET /api/v1/scheduler/tasks?limit=50
  * bare    tests/bench/fcgi_bare.c on the same socket (zq-api stopped meanwhile):
            one point SELECT per request, same thread count, same nginx
and prints the medians, the ratio and the targets (GET one task >= 0.6x the
bare program's req/s with p99 <= 20 ms; list >= 3000 req/s).

--keepconn instead compares nginx's fastcgi_keep_conn off with keep_conn on
plus an upstream keepalive pool (the numbers behind nginx/zq-locations.conf).
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests"))
from zqstack import Proc, Stack, wait_for  # noqa: E402
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
from run_state import refresh_sql, transaction  # noqa: E402


def build_bare(build_dir):
    src = os.path.join(HERE, "fcgi_bare.c")
    out = os.path.join(build_dir, "fcgi_bare")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libmariadb"],
                               capture_output=True, text=True, check=True).stdout.split()
        subprocess.run(["cc", "-O2", "-o", out, src, *flags, "-lfcgi", "-lpthread"], check=True)
    return out


def seconds(v):
    n, unit = float(re.match(r"[\d.]+", v).group()), re.sub(r"[\d.]+", "", v)
    return n * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def wrk(url, token, connections, duration, threads=2):
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
            "--timeout", "10s"]
    if token:
        argv += ["-H", "Authorization: Bearer " + token]
    out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {p: seconds(v) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": lat["50"], "p99": lat["99"],
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": errors.group(1) if errors else ""}


def seed(s, n=60):
    admin = s.session("admin")
    ids = []
    for i in range(n):
        body = {"name": f"bench-{i:03d}", "task_type": "example_task",
                "cron_expression": "0 0 1 1 *", "description": "benchmark task " * 4,
                "config": {"duration_seconds": 1, "steps": 5, "message": "done"}}
        r = admin.post(s.api_url + "/scheduler/tasks", json=body, timeout=30)
        r.raise_for_status()
        ids.append(r.json()["id"])
    # some history (and the tasks' run state, as the scheduler keeps it)
    s.sql(transaction(
        "INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, not_before,"
        " start_time, end_time, duration_ms) SELECT t.id, 'schedule', 'success', "
        "UTC_TIMESTAMP(3) - INTERVAL s.n MINUTE, UTC_TIMESTAMP(3) - INTERVAL s.n MINUTE, "
        "UTC_TIMESTAMP(3) - INTERVAL s.n MINUTE, UTC_TIMESTAMP(3) - INTERVAL s.n MINUTE + "
        "INTERVAL 1 SECOND, 1000 FROM scheduled_tasks t JOIN (SELECT seq AS n FROM seq_1_to_20) s; "
        + refresh_sql("1 = 1")))
    return ids


def bare_proc(s, binary, threads, task_id):
    p = Proc("fcgi_bare", [binary, s.api_sock, str(threads), s.sock, "zq", s.db_pw, "zq",
                           str(task_id)], os.path.join(s.log_dir, "fcgi_bare.log"))
    wait_for(lambda: os.path.exists(s.api_sock), what="fcgi_bare socket")
    return p


def warm(url, token, c):
    wrk(url, token, c, 2)


def main_bench(args, s, ids, bare_bin):
    token = s.token("viewer")
    one = s.url + f"/api/v1/scheduler/tasks/{ids[len(ids) // 2]}"
    lst = s.url + "/api/v1/scheduler/tasks?limit=50"
    res = {"one": [], "list": [], "bare": []}
    for run in range(args.runs):
        warm(one, token, args.connections)
        res["one"].append(wrk(one, token, args.connections, args.duration))
        warm(lst, token, args.connections)
        res["list"].append(wrk(lst, token, args.connections, args.duration))
        s.api.stop()
        bare = bare_proc(s, bare_bin, args.threads, ids[len(ids) // 2])
        try:
            warm(one, None, args.connections)
            res["bare"].append(wrk(one, None, args.connections, args.duration))
        finally:
            bare.stop()
            s.start_api()
            wait_for(lambda: s.health_status() == 200, what="zq-api back")
        print(f"run {run + 1}: " + ", ".join(
            f"{k} {v[-1]['rps']:.0f} req/s p99 {v[-1]['p99'] * 1000:.1f} ms" for k, v in res.items()),
            flush=True)
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("rps", "p50", "p99")}
           for k, v in res.items()}
    bad = {k: sum(r["non2xx"] for r in v) for k, v in res.items()}
    ratio = med["one"]["rps"] / med["bare"]["rps"]
    print(f"\nmedians over {args.runs} runs ({args.connections} connections, {args.duration} s, "
          f"api.threads={args.threads}):")
    for k, label in (("one", "zq-api GET /scheduler/tasks/{id}"),
                     ("list", "zq-api GET /scheduler/tasks?limit=50"),
                     ("bare", "bare libfcgi point SELECT")):
        print(f"  {label:38s} {med[k]['rps']:8.0f} req/s  p50 {med[k]['p50'] * 1000:6.2f} ms  "
              f"p99 {med[k]['p99'] * 1000:6.2f} ms  non-2xx {bad[k]}")
    ok_one = ratio >= 0.6 and med["one"]["p99"] <= 0.020
    ok_list = med["list"]["rps"] >= 3000
    print(f"  ratio GET one task / bare: {ratio:.2f} (target >= 0.60, p99 <= 20 ms): "
          f"{'PASS' if ok_one else 'MISS'}")
    print(f"  list >= 3000 req/s: {'PASS' if ok_list else 'MISS'}")
    return ok_one and ok_list


def nginx_variant(s, keep_conn, keepalive):
    """Restart nginx with fastcgi_keep_conn on/off and an upstream keepalive pool."""
    with open(os.path.join(SRC, "nginx", "zq-locations.conf")) as f:
        loc = f.read()
    loc = loc.replace("fastcgi_keep_conn off;", f"fastcgi_keep_conn {'on' if keep_conn else 'off'};")
    loc_path = os.path.join(s.tmp, "bench-locations.conf")
    with open(loc_path, "w") as f:
        f.write(loc)
    with open(os.path.join(SRC, "nginx", "zq-local.conf.in")) as f:
        conf = f.read()
    for k, v in {"@USER_LINE@": "user root;" if os.geteuid() == 0 else "", "@DAEMON@": "off",
                 "@RUN@": s.run_dir, "@LOG@": s.log_dir, "@SOCK@": s.api_sock,
                 "@PORT@": str(s.http_port), "@WWW@": os.path.join(SRC, "www"),
                 "@SRC@": SRC}.items():
        conf = conf.replace(k, v)
    conf = conf.replace(os.path.join(SRC, "nginx", "zq-locations.conf"), loc_path)
    if keepalive:
        conf = re.sub(r"(upstream zq_api \{\s*server [^;]+;)", rf"\1\n        keepalive {keepalive};",
                      conf)
    path = os.path.join(s.tmp, "bench-nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    s.nginx.stop(timeout=10)
    s.nginx = Proc("nginx", ["nginx", "-p", s.run_dir, "-e",
                             os.path.join(s.log_dir, "nginx-error.log"), "-c", path],
                   os.path.join(s.log_dir, "nginx.log"))
    wait_for(s._http_up, what="nginx")


def keepconn_bench(args, s, ids):
    token = s.token("viewer")
    one = s.url + f"/api/v1/scheduler/tasks/{ids[0]}"
    print(f"\nfastcgi_keep_conn, api.threads={args.threads}, GET one task, {args.duration} s per "
          f"cell (median of {args.runs}):")
    for keep, pool in ((False, 0), (True, args.threads), (True, 64)):
        nginx_variant(s, keep, pool)
        for c in (args.threads, 32, 64):
            rows = []
            for _ in range(args.runs):
                # restart zq-api so no connection kept by the previous cell lingers
                s.api.stop()
                s.start_api()
                wait_for(lambda: s.health_status() == 200, what="zq-api")
                warm(one, token, c)
                rows.append(wrk(one, token, c, args.duration))
            med = {m: statistics.median(r[m] for r in rows) for m in ("rps", "p50", "p99")}
            print(f"  keep_conn {'on ' if keep else 'off'} keepalive {pool:3d}  c={c:3d}: "
                  f"{med['rps']:7.0f} req/s  p50 {med['p50'] * 1000:7.2f} ms  "
                  f"p99 {med['p99'] * 1000:8.2f} ms  non-2xx {sum(r['non2xx'] for r in rows)}  "
                  f"{rows[-1]['errors']}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--keepconn", action="store_true")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        print("bench_api: wrk is not installed; skipped")
        return 0
    build = os.environ.get("ZQ_BUILD_DIR") or os.path.join(SRC, "build", "bench")
    bare_bin = build_bare(build)
    s = Stack(build_dir=build, scheduler=False, api_threads=args.threads,
              extra_config="log.level = warn\n")
    s.start()
    try:
        ids = seed(s)
        if args.keepconn:
            keepconn_bench(args, s, ids)
            return 0
        main_bench(args, s, ids, bare_bin)  # figures, not a pass/fail test
        return 0
    finally:
        s.stop()
        s.cleanup()


if __name__ == "__main__":
    sys.exit(main())
