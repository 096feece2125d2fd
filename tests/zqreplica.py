"""A read-only GTID replica of a test stack's MariaDB, as `./zq up --replica`
makes one (README "Reporting (BI)"): the stack's server runs with the binary
log (Stack(binlog=True): db/mariadb-primary.cnf.in), the replica with
db/mariadb-replica.cnf.in, both turned into command-line options here.

    stack = Stack(binlog=True).start()
    rep = Replica(stack).start()   # copy (mariadb-dump --gtid), CHANGE MASTER, START SLAVE
    Replica(stack, priority="normal")   # not under chrt --idle / ionice -c 3
    Replica(stack, cpus="1")       # under taskset -c 1 (the bench's CPU placement)
    Replica(stack, extra=["--innodb-flush-log-at-trx-commit=1"])   # after the cnf's
    rep.sql("SELECT ...")          # as root on the replica, database zq
    rep.slave_status()             # SHOW SLAVE STATUS as a dict
    rep.config()                   # a zq.conf pointing at the replica (for zq-db doctor)
    rep.stop()
"""
import os
import secrets
import subprocess

from zqstack import SRC, Proc, _user, free_port, tz_sql_file, wait_for

REPL_USER = "zq_repl"


def cnf_args(name, **subs):
    """The [mariadbd] lines of db/NAME as --key=value options, @KEY@ replaced."""
    args = []
    with open(os.path.join(SRC, "db", name)) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(("#", "[")):
                continue
            key, eq, value = (p.strip() for p in line.partition("="))
            for k, v in subs.items():
                value = value.replace(f"@{k}@", str(v))
            args.append(f"--{key}={value}" if eq else f"--{key}")
    return args


def primary_args(tmp):
    """The binary log options of a stack that a replica can follow."""
    return cnf_args("mariadb-primary.cnf.in", SERVER_ID=1,
                    LOG_BIN=os.path.join(tmp, "mysql-bin"))


# What ./zq up --replica runs the replica's mariadbd under by default
# (ZQ_REPLICA_PRIORITY=idle): SCHED_IDLE, so it only gets the CPU time the
# primary and the daemons leave, and the idle I/O class. Both exec the server,
# so the process's pid is mariadbd's. An unprivileged user may take either.
PRIORITY_PREFIX = {
    "idle": ["chrt", "--idle", "0", "ionice", "-c", "3"],
    "normal": [],
}


class Replica:
    def __init__(self, stack, server_id=2, priority="idle", cpus=None, extra=()):
        if priority not in PRIORITY_PREFIX:
            raise ValueError(f"priority: idle or normal, not {priority!r}")
        self.stack = stack
        self.cpus = cpus        # taskset -c LIST (it execs too: the pid stays mariadbd's)
        self.extra = list(extra)   # mariadbd options after the cnf's (later ones win)
        self.server_id = server_id
        self.priority = priority
        self.dir = os.path.join(stack.tmp, f"replica{server_id}")
        self.datadir = os.path.join(self.dir, "mysql")
        self.sock = os.path.join(self.dir, "mysql.sock")
        self.port = free_port()
        self.repl_pw = secrets.token_hex(12)
        self.proc = None

    # ----- SQL -----------------------------------------------------------------
    def _client(self, sql, db=None, password=True):
        argv = ["mariadb", "--no-defaults", "-uroot", "-S", self.sock, "--batch", "--raw",
                "--skip-column-names"]
        if password:
            argv.append("-p" + self.stack.root_pw)
        if db:
            argv.append(db)
        r = subprocess.run(argv, input=sql.encode(), capture_output=True)
        if r.returncode != 0:
            raise RuntimeError(f"replica SQL failed: {sql[:200]}: {r.stderr.decode()}")
        return [[None if c == "NULL" else c for c in line.split("\t")]
                for line in r.stdout.decode("utf-8", "replace").splitlines()]

    def sql(self, sql):
        return self._client(sql, db="zq")

    def slave_status(self):
        argv = ["mariadb", "--no-defaults", "-uroot", "-p" + self.stack.root_pw, "-S", self.sock,
                "-E", "-e", "SHOW SLAVE STATUS"]
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        st = {}
        for line in out.splitlines():
            k, sep, v = line.partition(":")
            if sep and not k.startswith("*"):
                st[k.strip()] = v.strip()
        return st

    # ----- life ------------------------------------------------------------------
    def _ping(self, password):
        if not os.path.exists(self.sock):
            return False
        pw = ["-p" + self.stack.root_pw] if password else []
        return subprocess.run(["mariadb-admin", "--no-defaults", "-uroot", *pw, "-S", self.sock,
                               "ping"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0

    def _start_server(self):
        fresh = not os.path.isdir(os.path.join(self.datadir, "mysql"))
        if fresh:
            os.makedirs(self.dir, exist_ok=True)
            subprocess.run(["mariadb-install-db", "--no-defaults", "--user=" + _user(),
                            "--datadir=" + self.datadir, "--auth-root-authentication-method=normal",
                            "--skip-test-db"], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        repl = cnf_args("mariadb-replica.cnf.in", SERVER_ID=self.server_id, PORT=self.port,
                        RELAY_LOG=os.path.join(self.dir, "relay-bin"))
        pin = ["taskset", "-c", self.cpus] if self.cpus else []
        self.proc = Proc(f"mariadb-replica{self.server_id}", [
            *pin, *PRIORITY_PREFIX[self.priority],
            "mariadbd", "--no-defaults", "--innodb-buffer-pool-size=64M", "--max-connections=200",
            "--user=" + _user(), "--datadir=" + self.datadir, "--socket=" + self.sock,
            "--port=" + str(self.port), "--bind-address=127.0.0.1", "--skip-log-bin",
            "--skip-name-resolve", *repl, *self.extra,
            "--pid-file=" + os.path.join(self.dir, "mariadbd.pid")],
            os.path.join(self.stack.log_dir, f"mariadb-replica{self.server_id}.log"))
        wait_for(lambda: self._ping(not fresh), timeout=60, what="replica MariaDB")
        return fresh

    def start(self):
        """A new replica: its own server, a copy of the primary at a GTID, then
        replication from there (what ./zq up --replica does)."""
        st = self.stack
        if self._start_server():
            self._client(f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{st.root_pw}'",
                         password=False)
            for (u,) in self._client("SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM mysql.user "
                                     "WHERE (User = 'root' AND Host <> 'localhost') OR User = ''"):
                self._client(f"DROP USER {u}")
            tz = tz_sql_file()
            if tz:
                with open(tz) as f:
                    self._client(f.read(), db="mysql")
            self._copy_primary()
        self._change_master()
        wait_for(lambda: self.slave_status().get("Slave_SQL_Running") == "Yes" and
                 self.slave_status().get("Slave_IO_Running") == "Yes",
                 timeout=30, what="replication running")
        return self

    def _copy_primary(self):
        st = self.stack
        st._root_sql(f"""
            CREATE USER IF NOT EXISTS '{REPL_USER}'@'127.0.0.1' IDENTIFIED BY '{self.repl_pw}';
            ALTER USER '{REPL_USER}'@'127.0.0.1' IDENTIFIED BY '{self.repl_pw}';
            GRANT REPLICATION SLAVE ON *.* TO '{REPL_USER}'@'127.0.0.1';
            GRANT SLAVE MONITOR ON *.* TO 'zq'@'localhost';
            GRANT SLAVE MONITOR ON *.* TO 'zq'@'127.0.0.1';""")
        dump = subprocess.run(
            ["mariadb-dump", "--no-defaults", "-uroot", "-p" + st.root_pw, "-S", st.sock,
             "--single-transaction", "--gtid", "--master-data=1", "--routines", "--triggers",
             "--system=users", "--insert-ignore", "--databases", "zq"],
            capture_output=True, check=True).stdout
        r = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-p" + st.root_pw, "-S",
                            self.sock], input=dump, capture_output=True)
        if r.returncode != 0:
            raise RuntimeError("loading the copy into the replica failed: " + r.stderr.decode())

    def _change_master(self):
        self._client(f"""
            STOP SLAVE;
            CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = {self.stack.db_port},
                MASTER_USER = '{REPL_USER}', MASTER_PASSWORD = '{self.repl_pw}',
                MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;
            START SLAVE;""")

    def config(self, path=None):
        """The stack's zq.conf pointed at the replica (its socket and port)."""
        path = path or os.path.join(self.dir, "zq-replica.conf")
        return self.stack.write_config(path=path, db__socket=self.sock, db__port=str(self.port))

    def stop(self):
        if self.proc:
            self.proc.stop(timeout=60)
            self.proc = None


# ----- reporting (BI) accounts: zq-db bi-user, and a client as the analyst's --
def admin_args(stack):
    """zq-db bi-user's admin connection: root, its password in a 0600 file."""
    path = os.path.join(stack.tmp, "root-password")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(stack.root_pw + "\n")
    return ["--admin-user", "root", "--admin-password-file", path]


def bi_create(stack, name, *opts):
    """zq-db bi-user create NAME ...; returns (password, stdout)."""
    _, out, err = stack.zq_db("bi-user", "create", name, *opts, *admin_args(stack))
    pw = [ln.split(": ", 1)[1] for ln in out.splitlines() if ln.startswith("password")]
    assert len(pw) == 1, out
    assert pw[0] not in err
    return pw[0], out


def bi_sql(port, user, password, sql, db="zq", timeout=60):
    """Run sql as a reporting user over TCP (as Metabase or Grafana would):
    (rows, None) or (None, MariaDB error number), with the message."""
    import re
    argv = ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(port), "-u", user,
            "-p" + password, "--batch", "--raw", "--skip-column-names"]
    if db:
        argv.append(db)
    r = subprocess.run(argv, input=sql.encode(), capture_output=True, timeout=timeout)
    err = r.stderr.decode("utf-8", "replace")
    if r.returncode != 0:
        m = re.search(r"ERROR (\d+)", err)
        return None, (int(m.group(1)) if m else -1), err
    rows = [[None if c == "NULL" else c for c in line.split("\t")]
            for line in r.stdout.decode("utf-8", "replace").splitlines()]
    return rows, None, err


def bi_views(sql):
    """The bi_* views of database zq, by name (sql: a stack's or a replica's)."""
    return [r[0] for r in sql("SELECT TABLE_NAME FROM information_schema.VIEWS "
                              "WHERE TABLE_SCHEMA = 'zq' AND TABLE_NAME LIKE 'bi\\_%' "
                              "ORDER BY TABLE_NAME")]
