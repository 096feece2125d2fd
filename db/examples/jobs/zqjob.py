"""zqjob.py - what the example jobs share: zq's progress protocol, the
business-date environment, strict dates, CSV files with '#' comments, and a
MySQL/MariaDB target reached through the `mariadb` command-line client.
Python 3 standard library only; nothing here touches the network.

zq reads a command's stdout line by line:
    ##progress 2/5 message     step 2 of 5 (percent = 40), message shown with it
    ##progress 40% message     a percent without steps
    ##result {"rows": 10}      the run's result summary (one JSON object)
"""
import csv
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.dirname(HERE)
DATA = os.path.join(EXAMPLES, "data")

TS_CODE = re.compile(r"^[0-9]{6}\.(SZ|SH|BJ)$")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class JobError(Exception):
    """A failure the job reports on stderr before exiting 1."""


def progress(step, total, message):
    print(f"##progress {step}/{total} {message}", flush=True)


def result(obj):
    print("##result " + json.dumps(obj, ensure_ascii=False, sort_keys=True), flush=True)


def say(message):
    print(message, flush=True)


def warn(message):
    print("warning: " + message, file=sys.stderr, flush=True)


def parse_date(text, what="date"):
    """YYYY-MM-DD or YYYYMMDD (the seeds' form: --start-date 20250101)."""
    fmt = ("%Y-%m-%d" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else
           "%Y%m%d" if re.fullmatch(r"\d{8}", text) else None)
    try:
        if fmt:
            return datetime.datetime.strptime(text, fmt).date()
    except ValueError:
        pass
    raise JobError(f"{what}: '{text}' is not a date (YYYY-MM-DD or YYYYMMDD)")


def env_date(name):
    """The date in env `name` (ZQ_BIZ_DATE, ZQ_PREV_BIZ_DATE, ...), or None."""
    v = os.environ.get(name, "").strip()
    return parse_date(v, name) if v else None


def business_date():
    """The run's business date: zq sets ZQ_BIZ_DATE on every run (the slot's
    local date, moved per the calendar rule; a manual run's or a backfill's
    given date). Outside zq: today."""
    return env_date("ZQ_BIZ_DATE") or datetime.date.today()


def read_csv(path, columns):
    """Rows of a CSV file as dicts, skipping '#' comments and blank lines;
    its header must name exactly `columns`."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            lines = [(n, l) for n, l in enumerate(f, 1) if l.strip() and not l.startswith("#")]
    except OSError as e:
        raise JobError(f"{path}: {e.strerror}") from None
    if not lines:
        raise JobError(f"{path}: empty")
    header = next(csv.reader([lines[0][1]]))
    if header != list(columns):
        raise JobError(f"{path}: line {lines[0][0]}: header must be {','.join(columns)}")
    rows = []
    for n, row in zip((n for n, _ in lines[1:]), csv.reader(l for _, l in lines[1:])):
        if len(row) != len(columns):
            raise JobError(f"{path}: line {n}: {len(columns)} columns expected, {len(row)} found")
        rows.append(dict(zip(columns, row), _line=n))
    return rows


def sql_str(s):
    """A SQL string literal. The jobs only pass values they checked (codes,
    dates, numbers, sample names), and this quotes what is left."""
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def add_db_args(p):
    """The target database: flags, else DEMO_DB_* variables (set them in the
    task's `env`). The password only from DEMO_DB_PASSWORD: never a flag,
    where `ps` would show it."""
    e = os.environ.get
    p.add_argument("--database", default=e("DEMO_DB_NAME"),
                   help="database to write to (DEMO_DB_NAME); none: a dry run")
    p.add_argument("--db-host", default=e("DEMO_DB_HOST", "127.0.0.1"), help="(DEMO_DB_HOST)")
    p.add_argument("--db-port", type=int, default=int(e("DEMO_DB_PORT", "3306")), help="(DEMO_DB_PORT)")
    p.add_argument("--db-socket", default=e("DEMO_DB_SOCKET"), help="(DEMO_DB_SOCKET)")
    p.add_argument("--db-user", default=e("DEMO_DB_USER", "zq_demo"), help="(DEMO_DB_USER)")
    p.add_argument("--dry-run", action="store_true", help="read and check, write nothing")


class Database:
    """One `mariadb` client run per call, the password in a private option
    file (never on a command line)."""

    def __init__(self, args):
        if not IDENT.match(args.database):
            raise JobError(f"--database: '{args.database}' is not a database name")
        self.client = shutil.which("mariadb") or shutil.which("mysql")
        if not self.client:
            raise JobError("the mariadb command-line client is not installed (Debian: mariadb-client)")
        self.dir = tempfile.mkdtemp(prefix="zqjob-")
        self.cnf = os.path.join(self.dir, "client.cnf")
        lines = ["[client]", f"user={args.db_user}"]
        if args.db_socket:
            lines.append(f"socket={args.db_socket}")
        else:
            lines += [f"host={args.db_host}", f"port={args.db_port}", "protocol=tcp"]
        pw = os.environ.get("DEMO_DB_PASSWORD")
        if pw:
            lines.append('password="' + pw.replace("\\", "\\\\").replace('"', '\\"') + '"')
        fd = os.open(self.cnf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.name = args.database

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def run(self, sql):
        """Run statements; rows of the last result set as lists of strings."""
        argv = [self.client, "--defaults-file=" + self.cnf, "--batch", "--raw",
                "--skip-column-names", "--default-character-set=utf8mb4", self.name]
        try:
            r = subprocess.run(argv, input=sql.encode(), capture_output=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise JobError(f"database {self.name}: no answer in 300 s") from None
        if r.returncode != 0:
            raise JobError(f"database {self.name}: {r.stderr.decode(errors='replace').strip()}")
        return [line.split("\t") for line in r.stdout.decode().splitlines()]


def main(run):
    """Exit 0 on success, 1 with the reason on stderr on a JobError, 2 on usage."""
    try:
        run()
    except JobError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
