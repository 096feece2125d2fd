"""After an upgrade that adds bi_* views, reporting accounts see them only
once `zq-db bi-user grant` has run (README "Reporting (BI)" -> "The reporting
account"). zq-db migrate says so, in one line, when a migration it applied
in this run created or replaced a bi_* view (never on a new database, never
when it applied none, never for migrations without one); zq-db doctor's "bi
grants" check warns while the role zq_bi_<db> lacks SELECT on a bi_* view,
when the zq account may read the grant tables, and says "not checked" (ok,
no warning) when it may not."""
import json
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from zqreplica import admin_args, bi_create, bi_views  # noqa: E402
from zqstack import SRC, Stack  # noqa: E402

NOTICE = "zq-db bi-user grant --admin-user root so reporting accounts see the new views"
ROLE = "zq_bi_zq"


@pytest.fixture(scope="module")
def stack():
    s = Stack(scheduler=False).start()
    try:
        yield s
    finally:
        statuses = s.stop()
        reports = s.sanitizer_reports()
        s.cleanup()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert not {k: v for k, v in statuses.items() if v not in (0, None)}, statuses


def bi_view_migrations():
    """{version: name} of the migration files that create or replace a bi_*
    view, read from the files here (not by zq-db's own scanner)."""
    out = {}
    mdir = os.path.join(SRC, "db", "migrations")
    for f in sorted(os.listdir(mdir)):
        m = re.match(r"(\d{3})_([a-z0-9_]+)\.sql$", f)
        if not m:
            continue
        with open(os.path.join(mdir, f), encoding="utf-8") as fh:
            text = re.sub(r"--[^\n]*|/\*.*?\*/", " ", fh.read(), flags=re.S)
        if re.search(r"\b(CREATE|ALTER)\b[^;]*?\bVIEW\s+(IF\s+NOT\s+EXISTS\s+)?`?bi_", text,
                     flags=re.I):
            out[int(m.group(1))] = f[:-4]
    return out


def versions(stack):
    return [int(r[0]) for r in stack.sql("SELECT version FROM schema_migrations ORDER BY 1")]


def migrate_from(stack, version):
    """Forget the migrations from version on and run zq-db migrate again
    (the migrations are written to run twice: test_upgrade)."""
    stack.sql(f"DELETE FROM schema_migrations WHERE version >= {version}")
    _, out, _ = stack.zq_db("migrate")
    return out


def notice_lines(out):
    return [ln for ln in out.splitlines() if NOTICE in ln]


def test_migrate_names_bi_view_migrations_only_when_it_applied_them(stack):
    bi = bi_view_migrations()
    assert 130 in bi and 1 in bi, bi
    have = versions(stack)
    # nothing to apply: no line
    _, out, _ = stack.zq_db("migrate")
    assert "(0 migrations applied)" in out and not notice_lines(out), out
    # the migrations after the last one with a bi_* view (if any): no line
    after = [v for v in have if v > max(bi)]
    if after:
        out = migrate_from(stack, after[0])
        assert f"({len(after)} migration" in out and not notice_lines(out), out
    # from 130 on: one line, naming each applied migration with a bi_* view
    out = migrate_from(stack, 130)
    print(out)
    lines = notice_lines(out)
    assert len(lines) == 1, out
    named = [bi[v] for v in sorted(bi) if v >= 130]
    assert all(n in lines[0] for n in named), (named, lines)
    assert not any(bi[v] in lines[0] for v in bi if v < 130), lines
    assert lines[0].startswith("reporting: migration"), lines
    assert versions(stack) == have
    # and again: nothing applied, no line
    _, out, _ = stack.zq_db("migrate")
    assert not notice_lines(out), out


def test_migrate_of_a_new_database_prints_no_notice(stack):
    """A new database has no reporting accounts: nothing to grant yet."""
    stack._root_sql("""
        CREATE DATABASE IF NOT EXISTS zqnew CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
        GRANT ALL PRIVILEGES ON zqnew.* TO 'zq'@'localhost';""")
    cfg = stack.write_config(path=os.path.join(stack.tmp, "zqnew.conf"), db__name="zqnew")
    _, out, _ = stack.zq_db("migrate", config=cfg)
    assert "migrations applied" in out and not notice_lines(out), out


def bi_check(stack):
    _, out, _ = stack.zq_db("doctor", "--json", check=False)
    return {c["check"]: c for c in json.loads(out)}["bi grants"]


def zq_may_read_grants(stack, yes):
    verb, prep = ("GRANT", "TO") if yes else ("REVOKE", "FROM")
    stack._root_sql(";".join(f"{verb} SELECT ON mysql.{t} {prep} 'zq'@'{h}'"
                             for t in ("tables_priv", "roles_mapping")
                             for h in ("localhost", "127.0.0.1")))


def test_doctor_warns_while_the_role_lacks_a_bi_view(stack):
    views = bi_views(stack.sql)
    # the zq account as made by ./zq up and the package: it cannot tell
    c = bi_check(stack)
    print("doctor, no access to the grant tables:", c)
    assert c["status"] == "ok" and c["detail"].startswith("not checked: "), c
    assert "cannot tell" in c["detail"] and "lacks" not in c["detail"], c
    zq_may_read_grants(stack, True)
    try:
        c = bi_check(stack)
        assert c["status"] == "ok" and f"no reporting role {ROLE}" in c["detail"], c
        bi_create(stack, "bi_doc")
        c = bi_check(stack)
        assert c["status"] == "ok", c
        assert f"holds SELECT on all {len(views)} bi_* views" in c["detail"], c
        # a view the role does not hold, as after a migration that added it
        stack._root_sql(f"REVOKE SELECT ON zq.{views[-1]} FROM '{ROLE}'")
        c = bi_check(stack)
        print("doctor, one view revoked:", c)
        assert c["status"] == "warn", c
        assert f"lacks SELECT on 1 of the {len(views)} bi_* views ({views[-1]})" in c["detail"], c
        assert "zq-db bi-user grant --admin-user root" in c["fix"], c
        stack.zq_db("bi-user", "grant", *admin_args(stack))
        c = bi_check(stack)
        assert c["status"] == "ok" and "holds SELECT on all" in c["detail"], c
    finally:
        stack.zq_db("bi-user", "drop", "bi_doc", *admin_args(stack), check=False)
        zq_may_read_grants(stack, False)
