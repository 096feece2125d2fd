#!/usr/bin/env python3
"""sync_daily_data.py - the seed's sync_daily_data job: daily bars of one
stock, a list of stocks or all of them, over a date range, into a table of
its own. The source is the shipped SYNTHETIC sample
db/examples/data/daily_bars.csv, not a market-data feed: no network.

    python3 sync_daily_data.py --ts-code 000001.SZ --start-date 20261102 --end-date 20261130
    python3 sync_daily_data.py --codelist 000001,600000,000002 --start-date 20261102
    python3 sync_daily_data.py                      # all stocks, the run's business date

Business-date aware: without --start-date/--end-date the range is the run's
business date, ZQ_BIZ_DATE (zq sets it on every run: the slot's date on the
calendar, a manual run's `business_date`, a backfill's date), today outside
zq; --start-date alone runs to that date. After an incremental run (one day)
it checks that the previous business day, ZQ_PREV_BIZ_DATE, is in the table
too and warns about the stocks that miss it (backfill them).

Rows are upserted by (ts_code, trade_date): re-runs, retries and backfills
rewrite the same rows. The database: DEMO_DB_* in the task's env or the
flags; without one it is a dry run (reads, checks, writes nothing).
"""
import argparse
import math
import os

from zqjob import (DATA, IDENT, TS_CODE, Database, JobError, add_db_args, business_date,
                   env_date, main, parse_date, progress, read_csv, result, say, sql_str, warn)

COLUMNS = ("ts_code", "trade_date", "open", "high", "low", "close", "vol", "amount")


def number(text, where, integer=False):
    try:
        v = int(text) if integer else float(text)
    except ValueError:
        v = None
    if v is None or not math.isfinite(v) or v < 0:
        raise JobError(f"{where}: '{text}' is not a non-negative number")
    return v


def load(path):
    """Every bar of the file, checked, by ts_code in date order, with
    pre_close (the previous bar's close) and pct_chg."""
    bars = {}
    for r in read_csv(path, COLUMNS):
        where = f"{path}: line {r['_line']}"
        if not TS_CODE.match(r["ts_code"]):
            raise JobError(f"{where}: ts_code '{r['ts_code']}' is not like 000001.SZ")
        b = {"ts_code": r["ts_code"], "trade_date": parse_date(r["trade_date"], where),
             "vol": number(r["vol"], where, integer=True)}
        for k in ("open", "high", "low", "close", "amount"):
            b[k] = number(r[k], where)
        if not b["low"] <= min(b["open"], b["close"]) <= max(b["open"], b["close"]) <= b["high"]:
            raise JobError(f"{where}: needs low <= open, close <= high")
        bars.setdefault(b["ts_code"], []).append(b)
    for lst in bars.values():
        lst.sort(key=lambda b: b["trade_date"])
        prev = None
        for b in lst:
            b["pre_close"] = prev
            b["pct_chg"] = round((b["close"] / prev - 1) * 100, 4) if prev else None
            prev = b["close"]
    return bars


def wanted_codes(args, bars):
    if args.ts_code and args.codelist:
        raise JobError("--ts-code and --codelist exclude each other")
    if args.ts_code:
        if not TS_CODE.match(args.ts_code):
            raise JobError(f"--ts-code: '{args.ts_code}' is not like 000001.SZ")
        return [args.ts_code]
    if not args.codelist:
        return sorted(bars)
    codes = []
    for c in (c.strip() for c in args.codelist.split(",") if c.strip()):
        if not TS_CODE.match(c) and not (len(c) == 6 and c.isdigit()):
            raise JobError(f"--codelist: '{c}' is neither 000001 nor 000001.SZ")
        codes += [t for t in sorted(bars) if t == c or t[:6] == c] or [c]
    return codes


def date_range(args):
    biz = business_date()
    start = parse_date(args.start_date, "--start-date") if args.start_date else None
    end = parse_date(args.end_date, "--end-date") if args.end_date else None
    start, end = start or (end or biz), end or biz
    if end < start:
        raise JobError(f"--end-date {end} is before --start-date {start}")
    return start, end


def create_sql(table):
    return (f"CREATE TABLE IF NOT EXISTS `{table}` ("
            "ts_code VARCHAR(12) NOT NULL, trade_date DATE NOT NULL, "
            "open DECIMAL(12,2) NOT NULL, high DECIMAL(12,2) NOT NULL, "
            "low DECIMAL(12,2) NOT NULL, close DECIMAL(12,2) NOT NULL, "
            "pre_close DECIMAL(12,2) NULL, pct_chg DECIMAL(10,4) NULL, "
            "vol BIGINT NOT NULL COMMENT 'lots of 100 shares', "
            "amount DECIMAL(20,1) NOT NULL COMMENT 'thousand yuan', "
            "business_date DATE NULL COMMENT 'ZQ_BIZ_DATE of the run that wrote the row', "
            "execution_id BIGINT NULL COMMENT 'the zq run that wrote the row', "
            "synced_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), "
            "PRIMARY KEY (ts_code, trade_date), KEY ix_trade_date (trade_date)"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n")


def num_sql(v):
    return "NULL" if v is None else repr(v)


def upsert_sql(table, rows):
    exe = os.environ.get("ZQ_EXECUTION_ID", "")
    exe = exe if exe.isdigit() else "NULL"
    biz = env_date("ZQ_BIZ_DATE")
    biz = sql_str(biz.isoformat()) if biz else "NULL"
    values = ",\n".join(
        f"({sql_str(b['ts_code'])}, {sql_str(b['trade_date'].isoformat())}, "
        + ", ".join(num_sql(b[k]) for k in ("open", "high", "low", "close", "pre_close",
                                             "pct_chg", "vol", "amount"))
        + f", {biz}, {exe})" for b in rows)
    cols = "open, high, low, close, pre_close, pct_chg, vol, amount, business_date, execution_id"
    updates = ", ".join(f"{c} = VALUES({c})" for c in cols.split(", "))
    return (f"INSERT INTO `{table}` (ts_code, trade_date, {cols}) VALUES\n{values}\n"
            f"ON DUPLICATE KEY UPDATE {updates};\n")


def missing_prev_day(db, table, codes, start, end):
    """Stocks with no row on ZQ_PREV_BIZ_DATE after a one-day run."""
    prev = env_date("ZQ_PREV_BIZ_DATE")
    if not prev or start != end or not codes:
        return prev, []
    have = {r[0] for r in db.run(f"SELECT ts_code FROM `{table}` WHERE trade_date = "
                                 f"{sql_str(prev.isoformat())};\n")}
    return prev, [c for c in codes if c not in have]


def sync(args, bars, codes, start, end):
    """Write each stock's bars in [start, end]; progress per stock."""
    total = len(codes) + 2
    stats = {"rows": 0, "stocks": 0, "no_data": []}
    with Database(args) as db:
        progress(2, total, f"table {args.database}.{args.table}")
        db.run(create_sql(args.table))
        for i, code in enumerate(codes, 3):
            rows = [b for b in bars.get(code, []) if start <= b["trade_date"] <= end]
            if rows:
                db.run(upsert_sql(args.table, rows))
                stats["rows"] += len(rows)
                stats["stocks"] += 1
            else:
                stats["no_data"].append(code)
            progress(i, total, f"{code}: {len(rows)} bars {start} .. {end}")
        prev, missing = missing_prev_day(db, args.table, [c for c in codes if c in bars],
                                         start, end)
    if missing:
        warn(f"previous business day {prev} is not in {args.table} for {', '.join(missing)}: "
             "backfill it")
        stats.update(prev_biz_date=prev.isoformat(), missing_prev_day=missing)
    return stats


def run():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ts-code", help="one stock, e.g. 000001.SZ")
    p.add_argument("--codelist", help="stocks, e.g. 000001,600000,000002 (default: all)")
    p.add_argument("--start-date", help="first trade date (YYYYMMDD or YYYY-MM-DD; "
                                        "default: ZQ_BIZ_DATE, else today)")
    p.add_argument("--end-date", help="last trade date (default: ZQ_BIZ_DATE, else today)")
    p.add_argument("--file", default=os.path.join(DATA, "daily_bars.csv"))
    p.add_argument("--table", default="demo_daily_bars")
    add_db_args(p)
    args = p.parse_args()
    if not IDENT.match(args.table):
        raise JobError(f"--table: '{args.table}' is not a table name")
    start, end = date_range(args)
    cal = os.environ.get("ZQ_CALENDAR") or "none"
    say(f"business date {os.environ.get('ZQ_BIZ_DATE') or '(not set)'}, calendar {cal}: "
        f"syncing {start} .. {end}")

    progress(1, 2, f"reading {os.path.basename(args.file)}")
    bars = load(args.file)
    codes = wanted_codes(args, bars)
    if args.dry_run or not args.database:
        why = "--dry-run" if args.dry_run else "no database (set DEMO_DB_NAME in the task's env)"
        n = sum(1 for c in codes for b in bars.get(c, []) if start <= b["trade_date"] <= end)
        progress(2, 2, f"dry run: {why}")
        result({"dry_run": True, "reason": why, "rows": n, "written": 0, "stocks": len(codes),
                "start_date": start.isoformat(), "end_date": end.isoformat()})
        return
    stats = sync(args, bars, codes, start, end)
    say(f"{stats['rows']} bars of {stats['stocks']} stocks in {args.database}.{args.table}")
    result(dict(stats, table=args.table, dry_run=False, start_date=start.isoformat(),
                end_date=end.isoformat()))


if __name__ == "__main__":
    main(run)
