"""A whole zq stack for tests: MariaDB, zq-api, zq-scheduler and nginx on free
loopback ports in a temporary directory, torn down afterwards.

    stack = Stack(); stack.start()
    stack.url                      # http://127.0.0.1:PORT
    stack.token("admin")           # bearer token for a role (zq-db token create)
    stack.sql("SELECT ...")        # rows as lists of strings (None for NULL)
    stack.stop()

Binaries come from $ZQ_BUILD_DIR (default build/test). Sanitizer reports land
in <tmp>/sanitizer/; check_sanitizers() fails the run if any exist.
Set ZQ_KEEP_TMP=1 to keep the temporary directory for inspection.
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import requests

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The unprivileged user a root test daemon runs task commands as
# (scheduler.run_as; ./zq up creates and uses the same system user).
RUN_AS = "zq-run"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


class Proc:
    """A child process with its log file."""

    def __init__(self, name, argv, log, env=None):
        self.name, self.argv, self.log_path = name, argv, log
        # a log reused by a restart under the same name keeps what came before
        self.log_start = os.path.getsize(log) if os.path.exists(log) else 0
        self.log = open(log, "ab")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env, start_new_session=True)

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def send(self, sig):
        if self.alive():
            os.kill(self.p.pid, sig)

    def stop(self, timeout=30.0, sig=signal.SIGTERM):
        """Stop and return the exit status (negative: killed by that signal)."""
        if self.alive():
            os.kill(self.p.pid, sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.log.close()
        return self.p.returncode

    def kill9(self):
        if self.alive():
            os.kill(self.p.pid, signal.SIGKILL)
            self.p.wait()
        self.log.close()

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def output_since_start(self):
        """What this process wrote (output() also has a reused log's past)."""
        with open(self.log_path, "rb") as f:
            f.seek(self.log_start)
            return f.read().decode("utf-8", "replace")


# ----- MariaDB time zone tables (README "Reporting (BI)": CONVERT_TZ) ---------
# `mariadb-tzinfo-to-sql /usr/share/zoneinfo` as ./zq up loads it takes ~3.5 s
# per server (7,000 small statements, then ALTER ... ORDER BY): too much for a
# stack per module. Its output is rewritten once per machine and zoneinfo
# version into a cache file of a few large INSERTs with fixed ids, without the
# right/ (leap second) and posix/ copies of the zones (599 zones left), loaded
# into every fresh stack: 0.5-1.6 s per stack on the busy 2-core VM (most of it
# MariaDB writing the 40,000 transitions into its Aria tables).
_TZ_SKIP = ("right/", "posix/")


def _tz_batch(text):
    zones, names, trans, types = [], [], [], []
    zid, keep, cur, leap = 0, False, None, "N"
    for line in text.splitlines():
        if line.startswith("INSERT INTO time_zone (Use_leap_seconds)"):
            leap, cur = line.split("'")[1], None
        elif line.startswith("INSERT INTO time_zone_name"):
            name = line.split("'")[1]
            keep = not name.startswith(_TZ_SKIP)
            if keep:
                zid += 1
                zones.append(f"({zid},'{leap}')")
                names.append(f"('{name}',{zid})")
        elif line.startswith("INSERT INTO time_zone_transition_type"):
            cur = types
        elif line.startswith("INSERT INTO time_zone_transition "):
            cur = trans
        elif cur is not None and keep and line[:2] in (" (", ",("):
            cur.append(line[1:].replace("@time_zone_id", str(zid)))
        elif line.startswith(";"):
            cur = None
    out = [f"TRUNCATE TABLE {t};" for t in ("time_zone", "time_zone_name", "time_zone_transition",
                                             "time_zone_transition_type", "time_zone_leap_second")]
    for head, rows in (("time_zone (Time_zone_id, Use_leap_seconds)", zones),
                       ("time_zone_name (Name, Time_zone_id)", names),
                       ("time_zone_transition (Time_zone_id, Transition_time, Transition_type_id)",
                        trans),
                       ("time_zone_transition_type (Time_zone_id, Transition_type_id, `Offset`, "
                        "Is_DST, Abbreviation)", types)):
        for i in range(0, len(rows), 20000):
            out.append(f"INSERT INTO {head} VALUES " + ",".join(rows[i:i + 20000]) + ";")
    return "\n".join(out) + "\n"


def tz_sql_file():
    """The cached, batched time zone SQL (generated on first use); None when
    mariadb-tzinfo-to-sql or /usr/share/zoneinfo is missing."""
    zi = "/usr/share/zoneinfo"
    if not shutil.which("mariadb-tzinfo-to-sql") or not os.path.isdir(zi):
        return None
    stamp = int(os.stat(os.path.join(zi, "tzdata.zi") if os.path.exists(
        os.path.join(zi, "tzdata.zi")) else zi).st_mtime)
    path = os.path.join(tempfile.gettempdir(), f"zq-tzinfo-{os.geteuid()}-{stamp}.sql")
    if not os.path.exists(path):
        r = subprocess.run(["mariadb-tzinfo-to-sql", zi], capture_output=True, text=True)
        if r.returncode != 0:
            return None
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(_tz_batch(r.stdout))
        os.replace(tmp, path)     # atomic: suites generating it at once agree
    return path


class Stack:
    def __init__(self, build_dir=None, scheduler=True, api_threads=4, sched_threads=4,
                 extra_config="", mariadb_cnf=None, tz_tables=True, binlog=False):
        self.build = build_dir or os.environ.get("ZQ_BUILD_DIR") or os.path.join(SRC, "build", "test")
        self.tmp = tempfile.mkdtemp(prefix="zq-test-")
        self.run_dir = os.path.join(self.tmp, "run")
        self.log_dir = os.path.join(self.tmp, "log")
        self.san_dir = os.path.join(self.tmp, "sanitizer")
        for d in (self.run_dir, self.log_dir, self.san_dir, os.path.join(self.run_dir, "wakeup")):
            os.makedirs(d, exist_ok=True)
        self.db_port = free_port()
        self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.api_url = self.url + "/api/v1"
        self.sock = os.path.join(self.run_dir, "mysql.sock")
        self.api_sock = os.path.join(self.run_dir, "zq-api.sock")
        self.config = os.path.join(self.tmp, "zq.conf")
        self.root_pw = secrets.token_hex(12)
        self.db_pw = secrets.token_hex(12)
        self.want_scheduler = scheduler
        self.api_threads = api_threads
        self.sched_threads = sched_threads
        self.extra_config = extra_config
        # A server config as ./zq up writes it (./zq mariadb-conf FILE): the
        # benchmarks pass it (ZQ_BENCH_MARIADB_CNF, set by ./zq bench) so the
        # figures are for the database zq is run with, not the tests' 128 MB.
        self.mariadb_cnf = mariadb_cnf
        # load MariaDB's time zone tables into a fresh server (tz_sql_file)
        self.tz_tables = tz_tables
        # the binary log a replica follows (tests/zqreplica.py; ./zq up --replica)
        self.binlog = binlog
        self.mariadb = self.api = self.nginx = None
        self.schedulers = []
        self._tokens = {}
        self.passwords = {}

    # ----- environment ---------------------------------------------------------
    def env(self, name="proc"):
        # The daemons read ZQ_* variables over their config file: none of the
        # caller's may reach them (an exported ZQ_DB_PORT would move the stack).
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZQ_")}
        supp = os.path.join(SRC, "tests", "lsan.supp")
        env["ASAN_OPTIONS"] = (f"detect_leaks=1:abort_on_error=0:"
                               f"log_path={self.san_dir}/{name}")
        env["LSAN_OPTIONS"] = f"suppressions={supp}:print_suppressions=0"
        env["UBSAN_OPTIONS"] = f"print_stacktrace=1:halt_on_error=1:log_path={self.san_dir}/{name}"
        env["TSAN_OPTIONS"] = f"log_path={self.san_dir}/{name}"
        return env

    def bin(self, name):
        return os.path.join(self.build, name)

    # ----- MariaDB --------------------------------------------------------------
    def start_mariadb(self):
        datadir = os.path.join(self.tmp, "mysql")
        if not os.path.isdir(os.path.join(datadir, "mysql")):
            subprocess.run(["mariadb-install-db", "--no-defaults", "--user=" + _user(),
                            "--datadir=" + datadir, "--auth-root-authentication-method=normal",
                            "--skip-test-db"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            fresh = True
        else:
            fresh = False
        if self.mariadb_cnf:
            sizing = ["--defaults-file=" + self.mariadb_cnf]
        else:
            sizing = ["--no-defaults", "--innodb-buffer-pool-size=128M", "--max-connections=500"]
        self.mariadb = Proc("mariadb", [
            "mariadbd", sizing[0], "--user=" + _user(), "--datadir=" + datadir,
            "--socket=" + self.sock, "--port=" + str(self.db_port), "--bind-address=127.0.0.1",
            *self._log_bin_args(), *sizing[1:],
            "--pid-file=" + os.path.join(self.run_dir, "mariadbd.pid")],
            os.path.join(self.log_dir, "mariadb.log"))
        wait_for(lambda: self._db_ping(fresh), timeout=60, what="MariaDB")
        if fresh:
            self._root_sql(f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{self.root_pw}'",
                           password=False)
            # as ./zq up: the other root accounts (127.0.0.1, ::1, host) have no password
            for (u,) in self._root_sql("SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM "
                                       "mysql.user WHERE User = 'root' AND Host <> 'localhost'"):
                self._root_sql(f"DROP USER {u}")
            if self.tz_tables:
                self.load_tz_tables()

    def load_tz_tables(self):
        """Fill mysql.time_zone* (what ./zq up does with mariadb-tzinfo-to-sql)."""
        path = tz_sql_file()
        if path:
            with open(path) as f:
                self._root_sql(f.read(), db="mysql")

    def tz_tables_loaded(self):
        """Does CONVERT_TZ know named zones on this server?"""
        return int(self._root_sql("SELECT COUNT(*) FROM mysql.time_zone_name")[0][0]) > 0

    def _log_bin_args(self):
        if not self.binlog:
            return ["--skip-log-bin"]
        from zqreplica import primary_args
        return primary_args(self.tmp)

    def _db_ping(self, fresh):
        if not os.path.exists(self.sock):
            return False
        pw = [] if fresh else ["-p" + self.root_pw]
        r = subprocess.run(["mariadb-admin", "--no-defaults", "-uroot", *pw, "-S", self.sock,
                            "ping"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return r.returncode == 0

    def stop_mariadb(self):
        if self.mariadb:
            self.mariadb.stop(timeout=60)
            self.mariadb = None

    def _root_sql(self, sql, db=None, password=True):
        argv = ["mariadb", "--no-defaults", "-uroot", "-S", self.sock, "--batch", "--raw",
                "--skip-column-names"]
        if password:
            argv.append("-p" + self.root_pw)
        if db:
            argv.append(db)
        r = subprocess.run(argv, input=sql.encode(), capture_output=True)
        if r.returncode != 0:
            raise RuntimeError(f"SQL failed: {sql[:200]}: {r.stderr.decode()}")
        rows = []
        for line in r.stdout.decode("utf-8", "replace").splitlines():
            rows.append([None if c == "NULL" else c for c in line.split("\t")])
        return rows

    def sql(self, sql):
        """Run SQL in the zq database as root; returns rows of strings."""
        return self._root_sql(sql, db="zq")

    def sql_value(self, sql):
        rows = self.sql(sql)
        return rows[0][0] if rows else None

    def create_database(self):
        pw = self.db_pw
        self._root_sql(f"""
            CREATE DATABASE IF NOT EXISTS zq CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE USER IF NOT EXISTS 'zq'@'localhost' IDENTIFIED BY '{pw}';
            CREATE USER IF NOT EXISTS 'zq'@'127.0.0.1' IDENTIFIED BY '{pw}';
            GRANT ALL PRIVILEGES ON zq.* TO 'zq'@'localhost';
            GRANT ALL PRIVILEGES ON zq.* TO 'zq'@'127.0.0.1';""")

    def write_config(self, path=None, **overrides):
        """Write a config file; keyword overrides replace `key = value` lines
        (use dotted keys with '__' for '.', e.g. db__password='x')."""
        values = {
            "timezone": "UTC",
            "log.level": "info",
            "db.socket": self.sock,
            "db.port": str(self.db_port),
            "db.user": "zq",
            "db.password": self.db_pw,
            "db.name": "zq",
            "db.startup_wait": "5",
            "api.listen": "unix:" + self.api_sock,
            "api.threads": str(self.api_threads),
            "scheduler.threads": str(self.sched_threads),
            "scheduler.poll_ms": "500",
            "scheduler.heartbeat_s": "1",
            "scheduler.lease_s": "6",
            "scheduler.wakeup_dir": os.path.join(self.run_dir, "wakeup"),
        }
        if os.geteuid() == 0 and _knows_run_as(self.bin("zq-scheduler")):
            # a root daemon refuses to start without it (README "Running commands")
            values["scheduler.run_as"] = ensure_run_as_user()
        for k, v in overrides.items():
            values[k.replace("__", ".")] = v
        path = path or self.config
        with open(path, "w") as f:
            f.write("# generated by tests/zqstack.py\n")
            for k, v in values.items():
                f.write(f'{k} = "{v}"\n')
            f.write(self.extra_config)
        os.chmod(path, 0o600)
        return path

    def zq_db(self, *args, config=None, input=None, check=True):
        r = subprocess.run([self.bin("zq-db"), "--config", config or self.config, *args],
                           input=input.encode() if input is not None else None,
                           capture_output=True, env=self.env("zq-db"))
        out = r.stdout.decode("utf-8", "replace")
        err = r.stderr.decode("utf-8", "replace")
        if check and r.returncode != 0:
            raise RuntimeError(f"zq-db {' '.join(args)} -> {r.returncode}: {err}")
        return r.returncode, out, err

    # ----- daemons ---------------------------------------------------------------
    def start_api(self):
        self.api = Proc("zq-api", [self.bin("zq-api"), "--config", self.config],
                        os.path.join(self.log_dir, "zq-api.log"), env=self.env("zq-api"))
        wait_for(lambda: os.path.exists(self.api_sock) or not self.api.alive(), what="zq-api socket")
        if not self.api.alive():
            raise RuntimeError("zq-api exited: " + self.api.output())

    def start_scheduler(self, config=None, name=None):
        n = len(self.schedulers)
        name = name or f"zq-scheduler-{n}"
        p = Proc(name, [self.bin("zq-scheduler"), "--config", config or self.config],
                 os.path.join(self.log_dir, name + ".log"), env=self.env(name))
        self.schedulers.append(p)
        return p

    def start_nginx(self):
        user_line = "user root;" if os.geteuid() == 0 else ""
        with open(os.path.join(SRC, "nginx", "zq-local.conf.in")) as f:
            conf = f.read()
        for k, v in {"@USER_LINE@": user_line, "@DAEMON@": "off", "@RUN@": self.run_dir,
                     "@LOG@": self.log_dir, "@SOCK@": self.api_sock, "@PORT@": str(self.http_port),
                     "@WWW@": os.path.join(SRC, "www"), "@SRC@": SRC}.items():
            conf = conf.replace(k, v)
        path = os.path.join(self.tmp, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.nginx = Proc("nginx", ["nginx", "-p", self.run_dir, "-e",
                                    os.path.join(self.log_dir, "nginx-error.log"), "-c", path],
                          os.path.join(self.log_dir, "nginx.log"))
        wait_for(self._http_up, what="nginx")

    def _http_up(self):
        try:
            requests.get(self.url + "/", timeout=1)
            return True
        except requests.RequestException:
            return False

    def start(self):
        try:
            self.start_mariadb()
            self.create_database()
            self.write_config()
            self.zq_db("migrate")
            self.start_api()
            if self.want_scheduler:
                self.start_scheduler()
            self.start_nginx()
            wait_for(lambda: self.health_status() == 200, timeout=30, what="health 200")
        except Exception:
            self.stop()
            raise
        return self

    def health_status(self):
        try:
            return requests.get(self.api_url + "/health", timeout=5).status_code
        except requests.RequestException:
            return None

    # ----- auth helpers ---------------------------------------------------------
    def token(self, role="admin"):
        """A long-lived API token with the given role (created once)."""
        if role not in self._tokens:
            _, out, _ = self.zq_db("token", "create", f"test-{role}", "--role", role)
            self._tokens[role] = out.strip().splitlines()[-1]
        return self._tokens[role]

    def user(self, name, role):
        """Create a user with a random password; returns the password."""
        if name not in self.passwords:
            pw = secrets.token_urlsafe(12)
            self.zq_db("user", "add", name, "--role", role, input=pw + "\n")
            self.passwords[name] = pw
        return self.passwords[name]

    def session(self, role="admin"):
        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + self.token(role)
        return s

    # ----- teardown ---------------------------------------------------------------
    def sanitizer_reports(self):
        reports = []
        for name in sorted(os.listdir(self.san_dir)):
            with open(os.path.join(self.san_dir, name), errors="replace") as f:
                reports.append(f"--- {name}\n{f.read()}")
        return reports

    def stop(self):
        statuses = {}
        if self.nginx:
            self.nginx.stop(timeout=10, sig=signal.SIGQUIT)
            self.nginx = None
        for p in self.schedulers:
            if not p.log.closed:
                statuses[p.name] = p.stop(timeout=60)
        self.schedulers = []
        if self.api:
            statuses["zq-api"] = self.api.stop(timeout=30)
            self.api = None
        self.stop_mariadb()
        self.exit_statuses = statuses
        return statuses

    def cleanup(self):
        if os.environ.get("ZQ_KEEP_TMP"):
            print(f"kept {self.tmp}")
            return
        out = os.environ.get("ZQ_TEST_OUT")
        if out:  # keep the logs of the run next to the test results
            dest = os.path.join(out, "logs", os.path.basename(self.tmp))
            shutil.copytree(self.log_dir, dest, dirs_exist_ok=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


def session_stack(**kwargs):
    """The body of a suite's session fixture (`yield from session_stack()`):
    a started Stack, then its teardown, failing the run on sanitizer reports
    or a daemon that exited badly on SIGTERM."""
    s = Stack(**kwargs).start()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    bad = {k: v for k, v in statuses.items() if v not in (0, None)}
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert not bad, f"daemons exited badly on SIGTERM: {bad}"


def _user():
    import pwd
    return pwd.getpwuid(os.geteuid()).pw_name


def ensure_run_as_user(name=RUN_AS):
    """Create the system user commands run as, once per machine (as ./zq up
    does; idempotent, and safe when two suites race to create it)."""
    import pwd
    try:
        return pwd.getpwnam(name).pw_name
    except KeyError:
        pass
    r = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name],
                       capture_output=True, text=True)
    try:
        return pwd.getpwnam(name).pw_name
    except KeyError:
        raise RuntimeError(f"useradd {name} failed: {r.stderr}") from None


_RUN_AS_BINARIES = {}


def _knows_run_as(binary):
    """Does this zq-scheduler have scheduler.run_as? (A previous release's,
    as test_upgrade runs, rejects the key as unknown.)"""
    if binary not in _RUN_AS_BINARIES:
        try:
            with open(binary, "rb") as f:
                _RUN_AS_BINARIES[binary] = b"scheduler.run_as" in f.read()
        except OSError:
            _RUN_AS_BINARIES[binary] = True
    return _RUN_AS_BINARIES[binary]


def command_dir(prefix="zq-cmd-"):
    """A new directory that task commands may write in: a root daemon runs
    them as RUN_AS, which cannot enter root's private temporary directories.
    Returns a pathlib.Path; the caller removes it."""
    import pathlib
    d = tempfile.mkdtemp(prefix=prefix)
    if os.geteuid() == 0:
        import pwd
        u = pwd.getpwnam(ensure_run_as_user())
        os.chown(d, u.pw_uid, u.pw_gid)
    return pathlib.Path(d)
