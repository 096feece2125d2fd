#!/usr/bin/env python3
"""sync_stock_list.py - the seed's sync_stock_list job: the current list of
listed stocks into a table of its own (no date parameters: the list is the
latest one). The source is the shipped SYNTHETIC sample
db/examples/data/stock_list.csv, not a market-data feed: no network.

    DEMO_DB_NAME=zq_demo DEMO_DB_USER=zq_demo DEMO_DB_PASSWORD=... \\
        python3 sync_stock_list.py [--file CSV] [--table demo_stock_basic] [--dry-run]

Rows are upserted by ts_code (a re-run or a retry writes the same table).
Without a database (no DEMO_DB_NAME, no --database) it is a dry run: it reads
and checks the file, writes nothing and says so in its ##result.
"""
import argparse
import os

from zqjob import (DATA, IDENT, TS_CODE, Database, JobError, add_db_args, main, parse_date,
                   progress, read_csv, result, say, sql_str)

COLUMNS = ("ts_code", "symbol", "name", "exchange", "list_date")
STEPS = 3


def check(rows, path):
    for r in rows:
        where = f"{path}: line {r['_line']}"
        if not TS_CODE.match(r["ts_code"]):
            raise JobError(f"{where}: ts_code '{r['ts_code']}' is not like 000001.SZ")
        if r["symbol"] != r["ts_code"][:6]:
            raise JobError(f"{where}: symbol must be the code's digits")
        if r["exchange"] not in ("SSE", "SZSE", "BSE"):
            raise JobError(f"{where}: exchange must be SSE, SZSE or BSE")
        if not r["name"] or len(r["name"]) > 64:
            raise JobError(f"{where}: name must be 1-64 characters")
        r["list_date"] = parse_date(r["list_date"], where).isoformat()
    return rows


def create_sql(table):
    return (f"CREATE TABLE IF NOT EXISTS `{table}` ("
            "ts_code VARCHAR(12) NOT NULL, symbol CHAR(6) NOT NULL, name VARCHAR(64) NOT NULL, "
            "exchange VARCHAR(8) NOT NULL, list_date DATE NOT NULL, "
            "execution_id BIGINT NULL COMMENT 'the zq run that wrote the row', "
            "synced_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), "
            "PRIMARY KEY (ts_code)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n")


def upsert_sql(table, rows):
    exe = os.environ.get("ZQ_EXECUTION_ID", "")
    exe = exe if exe.isdigit() else "NULL"
    values = ",\n".join(
        f"({sql_str(r['ts_code'])}, {sql_str(r['symbol'])}, {sql_str(r['name'])}, "
        f"{sql_str(r['exchange'])}, {sql_str(r['list_date'])}, {exe})" for r in rows)
    return (f"INSERT INTO `{table}` (ts_code, symbol, name, exchange, list_date, execution_id) "
            f"VALUES\n{values}\nON DUPLICATE KEY UPDATE symbol = VALUES(symbol), "
            "name = VALUES(name), exchange = VALUES(exchange), list_date = VALUES(list_date), "
            "execution_id = VALUES(execution_id);\n")


def count_sql(table, rows):
    codes = ", ".join(sql_str(r["ts_code"]) for r in rows)
    return f"SELECT COUNT(*) FROM `{table}` WHERE ts_code IN ({codes});\n"


def run():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--file", default=os.path.join(DATA, "stock_list.csv"))
    p.add_argument("--table", default="demo_stock_basic")
    add_db_args(p)
    args = p.parse_args()
    if not IDENT.match(args.table):
        raise JobError(f"--table: '{args.table}' is not a table name")

    progress(1, STEPS, f"reading {os.path.basename(args.file)}")
    rows = check(read_csv(args.file, COLUMNS), args.file)
    say(f"{len(rows)} stocks in {args.file}")
    if args.dry_run or not args.database:
        why = "--dry-run" if args.dry_run else "no database (set DEMO_DB_NAME in the task's env)"
        progress(STEPS, STEPS, f"dry run: {why}")
        result({"dry_run": True, "reason": why, "rows": len(rows), "written": 0})
        return
    with Database(args) as db:
        progress(2, STEPS, f"table {args.database}.{args.table}")
        db.run(create_sql(args.table))
        progress(3, STEPS, f"upserting {len(rows)} stocks")
        known = int(db.run(count_sql(args.table, rows) + upsert_sql(args.table, rows))[0][0])
    say(f"{len(rows)} stocks in {args.database}.{args.table}, {len(rows) - known} new")
    result({"table": args.table, "rows": len(rows), "new": len(rows) - known, "dry_run": False})


if __name__ == "__main__":
    main(run)
