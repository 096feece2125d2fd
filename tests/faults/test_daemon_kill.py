"""zq-scheduler killed with -9 (or frozen) while its commands run: nothing of
its runs outlives it for long, and a retry never runs beside its original.

Every command runs under a shim of its own (scheduler/proc.h) that ends the
run's process group as soon as its daemon is gone. One stack, three daemons
on this host (heartbeat_s = 1, lease_s = 6, kill_grace_s = 1):

- A (3 threads) runs three tasks with max_retries = 1, one command shape
  each: `sleep` under `sh -c` with more to do after it, a background job and
  `wait`, and `exec sleep`; each with a marker in the sleep's command line.
  A is killed with -9: within 2 s no process of those runs is alive (their
  process groups, as recorded in the execution rows, and a scan of
  /proc/*/cmdline for the markers).
- C runs a fourth such task and is frozen (SIGSTOP): its commands still run.
- B starts and reaps all four after the lease ("scheduler node lost"); it
  KILLs C's commands on this host before reaping them, so the retries never
  start while an original still runs: a sampler scanning /proc every 20 ms
  (a command's ZQ_TASK_NAME in /proc/PID/environ, its process group in
  /proc/PID/stat) never sees two live process groups of one task at once.
  Every retry runs to completion.

The scenario runs in a thread with a hard bound, like tests/faults/test_db_faults.py."""
import os
import random
import re
import signal
import threading
import time
import traceback

from sched_util import SchedEnv

LEASE_S, KILL_GRACE_S = 6, 1
SCENARIO_TIMEOUT_S = 90
GONE_WITHIN_S = 2.0


def _stat(pid):
    """(state, pgrp) of pid, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return rest[0], int(rest[2])
    except (OSError, IndexError, ValueError):
        return None


def _pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def with_marker(marker):
    """Live processes whose command line holds marker."""
    return [p for p in _pids() if marker in _cmdline(p) and (_stat(p) or ("Z",))[0] != "Z"]


def group_alive(pgid):
    """Any process (zombies included) in process group pgid."""
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def task_groups():
    """{task name: {live process groups of its commands}} from /proc. By name
    (this run's names carry a random marker), not id: other stacks on the
    machine, the other fault tests' among them, have tasks with the same ids."""
    out = {}
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read()
        except OSError:
            continue
        m = re.search(rb"(?:^|\0)ZQ_TASK_NAME=([^\0]*)\0", env)
        st = _stat(pid)
        if m and st and st[0] != "Z":
            out.setdefault(m.group(1).decode("utf-8", "replace"), set()).add(st[1])
    return out


class Sampler(threading.Thread):
    """Scans /proc every 20 ms; remembers the worst moment per task."""

    def __init__(self, tasks):
        super().__init__(daemon=True)
        self.tasks, self.stop_flag, self.samples = set(tasks), False, 0
        self.doubled = {}  # task -> process groups seen at once

    def run(self):
        while not self.stop_flag:
            for t, groups in task_groups().items():
                if t in self.tasks and len(groups) > 1:
                    self.doubled.setdefault(t, groups)
            self.samples += 1
            time.sleep(0.02)


def shapes(m):
    """Commands by shape: the first run sleeps (marked), the retry ends."""
    def first(body):
        return (f'if [ "$ZQ_RETRY_COUNT" = 0 ]; then {body}; fi; sleep 0.3; '
                f'echo "retried $ZQ_RETRY_COUNT"')
    return {
        "sh": (first(f"sleep 60.{m}; echo after"), f"60.{m}", 1),
        "background": (first(f"sleep 61.{m} & sleep 61.{m}; wait"), f"61.{m}", 2),
        "exec": (first(f"exec sleep 62.{m}"), f"62.{m}", 1),
        "frozen": (first(f"sleep 63.{m} & sleep 63.{m}; wait"), f"63.{m}", 2),
    }


def scenario(notes):
    env = SchedEnv(scheduler__lease_s=str(LEASE_S), scheduler__kill_grace_s=str(KILL_GRACE_S))
    env.start()
    sampler = None
    try:
        m = "%06d" % random.randrange(10 ** 6)
        cmds = shapes(m)
        tasks = {k: env.task(f"kill-{k}-{m}", "common_task", {"command": c}, max_retries=1,
                             retry_interval=1)
                 for k, (c, _, _) in cmds.items()}
        a = env.daemon("a", scheduler__threads="3")
        ids = {k: env.trigger(tasks[k]) for k in ("sh", "background", "exec")}
        for k, eid in ids.items():
            env.wait(lambda: len(with_marker(cmds[k][1])) >= cmds[k][2], 20,
                     f"A runs {k}", interval=0.05)
        c = env.daemon("c", scheduler__threads="2")
        ids["frozen"] = env.trigger(tasks["frozen"])
        env.wait(lambda: len(with_marker(cmds["frozen"][1])) >= 2, 20, "C runs frozen",
                 interval=0.05)
        node = {k: int(env.value(f"SELECT node_id FROM task_executions WHERE id = {e}"))
                for k, e in ids.items()}
        a_node = int(env.value("SELECT id FROM scheduler_nodes WHERE pid = %d" % a.pid))
        assert all(node[k] == a_node for k in ("sh", "background", "exec")), node
        # the rows say where the processes are
        env.wait(lambda: env.count(f"id IN ({','.join(map(str, ids.values()))}) AND "
                                   f"proc_pgid IS NOT NULL") == 4, 10, "process identity")
        procs = {r["id"]: r for r in env.rows(
            f"SELECT id, proc_host, proc_pid, proc_pgid, proc_start FROM task_executions "
            f"WHERE id IN ({','.join(map(str, ids.values()))})")}
        pgid = {k: int(procs[str(e)]["proc_pgid"]) for k, e in ids.items()}
        assert all(procs[str(e)]["proc_host"] == os.uname().nodename for e in ids.values())
        assert all(_stat(int(procs[str(e)]["proc_pid"])) for e in ids.values())
        for k in ids:
            assert group_alive(pgid[k]), k
            assert all(_stat(p)[1] == pgid[k] for p in with_marker(cmds[k][1])), k

        # kill -9 of A: its three runs end within 2 s
        t0 = time.monotonic()
        env.kill9(a)
        left = None
        while time.monotonic() - t0 < GONE_WITHIN_S:
            left = {k: (with_marker(cmds[k][1]), group_alive(pgid[k]))
                    for k in ("sh", "background", "exec")}
            if not any(ps or g for ps, g in left.values()):
                break
            time.sleep(0.01)
        took = time.monotonic() - t0
        assert not any(ps or g for ps, g in left.values()), \
            f"alive {GONE_WITHIN_S} s after kill -9 of A: {left}"
        notes.append(f"A's commands (sh -c, background + wait, exec) all gone "
                     f"{took * 1000:.0f} ms after kill -9")

        # C frozen: its command runs on; B (same host) must kill it before the retry
        c.send(signal.SIGSTOP)
        sampler = Sampler(f"kill-{k}-{m}" for k in tasks)
        sampler.start()
        t_b = time.monotonic()
        b = env.daemon("b", scheduler__threads="4")
        idl = ",".join(map(str, ids.values()))
        env.wait(lambda: env.count(f"id IN ({idl}) AND status = 'failed' AND "
                                   f"error_message = 'scheduler node lost'") == 4,
                 3 * LEASE_S + 5, "B reaps the four runs", interval=0.1)
        notes.append(f"B reaped them {time.monotonic() - t_b:.1f} s after it started")
        assert not with_marker(cmds["frozen"][1]), "C's command outlived the reap"
        env.wait(lambda: env.count(f"task_id IN ({','.join(map(str, tasks.values()))}) AND "
                                   f"trigger_type = 'retry' AND status = 'success'") == 4,
                 30, "the four retries succeed", interval=0.1)
        sampler.stop_flag = True
        sampler.join(5)
        assert sampler.samples > 50, sampler.samples
        assert not sampler.doubled, f"two process groups of one task at once: {sampler.doubled}"
        out = b.output()
        assert re.search(rf"REAP exec={ids['frozen']}: \d+ of its processes still alive on "
                         rf"this host .*KILLed before it is reaped", out), out[-3000:]
        for k in ("sh", "background", "exec"):
            assert f"REAP exec={ids[k]}: " not in out.replace(f"REAP exec={ids[k]} task", ""), \
                f"{k}: B found processes of A's run left"
        retries = env.rows(f"SELECT r.task_id, o.stdout_tail FROM task_executions r JOIN "
                           f"execution_output o ON o.execution_id = r.id WHERE "
                           f"r.trigger_type = 'retry' AND r.task_id IN "
                           f"({','.join(map(str, tasks.values()))})")
        assert sorted(r["stdout_tail"] for r in retries) == ["retried 1\n"] * 4, retries
        notes.append(f"sampler: {sampler.samples} scans of /proc, never two process groups "
                     f"of one task")
        c.send(signal.SIGCONT)
        env.wait(lambda: f"REAP exec={ids['frozen']} " in c.output(), 15,
                 "C drops its outcome")
    finally:
        if sampler:
            sampler.stop_flag = True
        for d in env.daemons:
            d.send(signal.SIGCONT)
        env.close()


def test_kill9_of_the_daemon_ends_its_commands_and_retries_never_run_beside_them():
    notes, box = [], {}

    def run():
        try:
            scenario(notes)
            box["ok"] = True
        except BaseException:
            box["err"] = traceback.format_exc()
    t = threading.Thread(target=run, daemon=True)
    t0 = time.monotonic()
    t.start()
    t.join(SCENARIO_TIMEOUT_S)
    print("\n".join(notes))
    assert not t.is_alive(), f"not done after {SCENARIO_TIMEOUT_S} s"
    assert "err" not in box, box["err"]
    print(f"scenario took {time.monotonic() - t0:.1f} s")
