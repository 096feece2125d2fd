"""An upgrade as an operator does it (README "Upgrades"): the previous release's
zq-api and zq-scheduler keep running while this release's `zq-db migrate`
changes the schema under them, then they are restarted on the new binaries.
Nothing is lost or doubled, the old binaries refuse the newer schema when they
restart, and the derived state the old ones could not maintain (task_run_state)
is right once the new scheduler has started.

The previous release is built from this repository's history (git archive of
PREVIOUS into build/upgrade/), once per machine."""
import os
import subprocess
import time

import pytest

from run_state import DIFF_SQL
from zqstack import SRC, Stack, wait_for

# The release before this one: the last commit whose schema was version 30
# (before migration 040_task_run_state). Move it forward when a release ships
# a schema change: it is always the newest release whose schema differs.
PREVIOUS = "39479b77d5a0d3d81a8842b2940e3b2fa21aa752"
PREVIOUS_SCHEMA = 30
# task_stats_daily_all (080) minus task_stats_daily, one read view: constant
# while only this release's schedulers write
STATS_GAP_SQL = ("SELECT (SELECT COALESCE(SUM(runs), 0) FROM task_stats_daily_all) - "
                 "(SELECT COALESCE(SUM(runs), 0) FROM task_stats_daily), "
                 "(SELECT COALESCE(SUM(successes), 0) FROM task_stats_daily_all) - "
                 "(SELECT COALESCE(SUM(successes), 0) FROM task_stats_daily)")


def build_previous():
    root = os.path.join(SRC, "build", "upgrade")
    src, out = os.path.join(root, "src-" + PREVIOUS[:12]), os.path.join(root, PREVIOUS[:12])
    if all(os.access(os.path.join(out, b), os.X_OK) for b in ("zq-api", "zq-scheduler", "zq-db")):
        return out
    if subprocess.run(["git", "-C", SRC, "cat-file", "-e", PREVIOUS + "^{commit}"],
                      capture_output=True).returncode != 0:
        pytest.skip(f"previous release {PREVIOUS[:12]} is not in this checkout's history")
    os.makedirs(src, exist_ok=True)
    archive = subprocess.run(["git", "-C", SRC, "archive", "--format=tar", PREVIOUS],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
    subprocess.run(["cmake", "-S", src, "-B", out, "-DCMAKE_BUILD_TYPE=Release", "-DZQ_TESTS=OFF"],
                   capture_output=True, check=True)
    r = subprocess.run(["cmake", "--build", out, "-j", str(os.cpu_count() or 2), "--target",
                        "zq-api", "zq-scheduler", "zq-db"], capture_output=True, text=True)
    assert r.returncode == 0, "building the previous release failed:\n" + r.stdout[-3000:] + r.stderr[-3000:]
    return out


def executions(s, task_id):
    return int(s.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE task_id = {task_id}"))


def test_upgrade_under_running_previous_release():
    old = build_previous()
    new = os.environ.get("ZQ_BUILD_DIR") or os.path.join(SRC, "build", "test")
    s = Stack(build_dir=old)
    s.start()
    try:
        assert int(s.sql_value("SELECT MAX(version) FROM schema_migrations")) == PREVIOUS_SCHEMA
        admin = s.session("admin")
        api = s.api_url + "/scheduler/tasks"

        def create(body):
            r = admin.post(api, json=body, timeout=10)
            assert r.status_code == 201, r.text
            return r.json()["id"]

        ticker = create({"name": "up-ticker", "task_type": "example_task", "interval_seconds": 1,
                         "config": {"duration_seconds": 0, "success_rate": 1}})
        long_run = create({"name": "up-long", "task_type": "manual_task",
                           "config": {"command": "sleep 6; echo done"}})
        wait_for(lambda: executions(s, ticker) >= 3, timeout=30, what="old scheduler firing")
        r = admin.post(f"{api}/{long_run}/trigger", timeout=10)
        assert r.status_code == 200, r.text
        long_exec = r.json()["execution_id"]
        wait_for(lambda: s.sql_value(f"SELECT status FROM task_executions WHERE id = {long_exec}")
                 == "running", timeout=20, what="the long run to start")

        # this release's zq-db migrates while the old daemons work
        s.build = new
        rc, out, err = s.zq_db("migrate")
        assert "migration" in out and "applied" in out, out + err
        assert int(s.sql_value("SELECT MAX(version) FROM schema_migrations")) > PREVIOUS_SCHEMA
        # the tasks the previous release wrote got their 'baseline' version
        # (written in C, env values masked), once: a second migrate adds none
        base = s.sql("SELECT task_id, version, action, actor, JSON_VALUE(definition, "
                     "'$.name') FROM task_versions ORDER BY task_id")
        assert [tuple(r) for r in base] == [
            (str(ticker), "1", "baseline", "zq-db migrate", "up-ticker"),
            (str(long_run), "1", "baseline", "zq-db migrate", "up-long")], base
        assert "2 tasks got a baseline version" in out, out
        rc, out2, err = s.zq_db("migrate")
        assert "baseline" not in out2, out2
        assert int(s.sql_value("SELECT COUNT(*) FROM task_versions")) == 2
        # 080 backfilled the all-tasks statistics from the per-task rows
        assert int(s.sql_value("SELECT COALESCE(SUM(runs), 0) FROM task_stats_daily_all")) >= 3

        # the old daemons go on: the scheduler fires, the API reads and triggers
        before = executions(s, ticker)
        wait_for(lambda: executions(s, ticker) >= before + 2, timeout=20,
                 what="the old scheduler firing on the migrated schema")
        assert admin.get(api, timeout=10).status_code == 200
        assert admin.get(f"{api}/{ticker}", timeout=10).status_code == 200
        r = admin.post(f"{api}/{long_run}/trigger", timeout=10)
        assert r.status_code == 200, r.text
        queued = r.json()["execution_id"]
        # ...but, not knowing task_run_state, they leave it behind
        assert int(s.sql_value(DIFF_SQL)) > 0

        # an old binary started now refuses the newer schema, and says why
        r = subprocess.run([os.path.join(old, "zq-scheduler"), "--config", s.config],
                           capture_output=True, text=True, timeout=60, env=s.env("old-restart"))
        assert r.returncode != 0
        assert "newer than this binary" in r.stderr and "upgrade" in r.stderr, r.stderr

        # restart on the new binaries: scheduler first, then the API; a root
        # zq-scheduler of this release needs scheduler.run_as (README "Upgrades")
        s.write_config()
        assert s.schedulers[0].stop(timeout=60) == 0
        s.schedulers = []
        s.start_scheduler()
        s.api.stop(timeout=30)
        s.start_api()
        wait_for(lambda: s.health_status() == 200, timeout=30, what="new zq-api healthy")

        # the new scheduler set the derived state right when it started
        wait_for(lambda: int(s.sql_value(DIFF_SQL)) == 0, timeout=20,
                 what="task_run_state to agree with task_executions")
        log = open(os.path.join(s.log_dir, "zq-scheduler-0.log"), errors="replace").read()
        assert "run state:" in log and "refreshed at start" in log

        # nothing lost: the run that spanned the switch and the queued one both end well
        for eid in (long_exec, queued):
            wait_for(lambda: s.sql_value(f"SELECT status FROM task_executions WHERE id = {eid}")
                     in ("success", "failed", "terminated"), timeout=60, what=f"execution {eid}")
        assert s.sql_value(f"SELECT status FROM task_executions WHERE id = {long_exec}") == "success"
        assert s.sql_value(f"SELECT status FROM task_executions WHERE id = {queued}") == "success"
        # ...and nothing doubled: one execution per scheduled slot of the ticker
        assert s.sql("SELECT fire_key, COUNT(*) FROM task_executions WHERE task_id = "
                     f"{ticker} AND fire_key IS NOT NULL GROUP BY fire_key HAVING COUNT(*) > 1") == []
        after = executions(s, ticker)
        # from here on the new scheduler's runs count in both rollups at once
        stats_gap = s.sql(STATS_GAP_SQL)[0]
        wait_for(lambda: executions(s, ticker) >= after + 2, timeout=20,
                 what="the new scheduler firing")
        wait_for(lambda: int(s.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE task_id "
                                         f"= {ticker} AND status = 'success'")) >= after + 1,
                 timeout=20, what="the new scheduler's runs to end")
        assert s.sql(STATS_GAP_SQL)[0] == stats_gap
        # the API's global figures are the all-tasks rollup (the runs the old
        # scheduler ended after 080 are in the tasks' figures only: README
        # "Upgrades")
        g = admin.get(s.api_url + "/scheduler/stats?days=1", timeout=10).json()
        assert g["finished_count"] == int(s.sql_value(
            "SELECT SUM(runs) FROM task_stats_daily_all")) > 0

        # the API shows the state the executions say
        task = admin.get(f"{api}/{long_run}", timeout=10).json()
        assert task["schedule_status"] == "success", task
        time.sleep(0.5)
        assert int(s.sql_value(DIFF_SQL)) == 0
    finally:
        s.stop()
        reports = s.sanitizer_reports()
        s.cleanup()
    assert reports == [], "\n".join(reports)


def previous_hints(index):
    """The previous release's files that name index in an index hint (a
    missing commit counts as one: the drop is then not proven safe)."""
    r = subprocess.run(["git", "-C", SRC, "grep", "-l", "-i", "-E",
                        r"(FORCE|USE|IGNORE) +(INDEX|KEY)[^(]*\([^)]*\b" + index + r"\b",
                        PREVIOUS, "--", "*.c", "*.h", "*.sql"], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        return ["(previous release not in this checkout)"]
    return r.stdout.split()


def test_migrations_since_the_previous_release_are_additive():
    """A migration the previous release's running daemons live through may add
    tables, columns with defaults and indexes; dropping or renaming waits for
    the release after (README "Upgrades"). Dropping a secondary index is the
    exception: no statement's result depends on an index, only its speed, so
    the old binaries live through it unless one of their statements names the
    index in a hint (FORCE/USE/IGNORE INDEX fails on a missing index): the
    previous release's source names it in no hint (git grep of PREVIOUS), and
    it is not a unique key (that one changes what may be written)."""
    import re
    mdir = os.path.join(SRC, "db", "migrations")
    bad = []
    for name in sorted(os.listdir(mdir)):
        m = re.match(r"(\d+)_.*\.sql$", name)
        if not m or int(m.group(1)) <= PREVIOUS_SCHEMA:
            continue
        sql = re.sub(r"--[^\n]*", "", open(os.path.join(mdir, name), encoding="utf-8").read())
        for hit in re.finditer(r"\bDROP\s+(INDEX|KEY)\s+(\w+)", sql, re.I):
            # a unique key's drop changes what may be written (uk_ by convention)
            if hit.group(2).lower().startswith(("primary", "uk_")):
                bad.append(f"{name}: {hit.group(0)} (a unique key)")
            # an index redefined in the same ALTER (DROP INDEX x, ADD INDEX x
            # (...)) keeps its name throughout: a hint naming it still works
            elif previous_hints(hit.group(2)) and not re.match(
                    r"[^;']*\bADD\s+(INDEX|KEY)\s+" + hit.group(2) + r"\s*\(",
                    sql[hit.end():], re.I):
                bad.append(f"{name}: {hit.group(0)} (named by {PREVIOUS[:12]})")
        sql = re.sub(r"\bDROP\s+(INDEX|KEY)\s+\w+", "", sql, flags=re.I)
        for rx in (r"\bDROP\s+(TABLE|COLUMN|VIEW|INDEX|KEY)\b", r"\bRENAME\b",
                   r"\b(CHANGE|MODIFY)\s+(COLUMN\s+)?\w+", r"\bTRUNCATE\b",
                   r"\bADD\s+(COLUMN\s+)?\w+\s+[^,;]*\bNOT\s+NULL\b(?![^,;]*\bDEFAULT\b)"):
            for hit in re.finditer(rx, sql, re.I):
                bad.append(f"{name}: {hit.group(0)}")
    assert bad == []
