#!/usr/bin/env python3
"""make_sample.py - write the SYNTHETIC sample data the example jobs read:
stock_list.csv (four made-up listings) and daily_bars.csv (a seeded random
walk for each of them on every SSE business day of November and December
2026, the business days taken from ../calendars/sse-2024-2026.csv).

The prices are invented: not market data, not to be used as such. The file
is committed; re-running this script writes the same bytes.

    python3 db/examples/data/make_sample.py
"""
import datetime
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
CAL = os.path.join(HERE, "..", "calendars", "sse-2024-2026.csv")
FIRST, LAST = datetime.date(2026, 11, 2), datetime.date(2026, 12, 31)

# ts_code, symbol, name, exchange, list_date, first close: all made up (the codes only
# have the exchanges' format)
STOCKS = [
    ("000001.SZ", "000001", "Synthetic Bank A", "SZSE", "2010-01-04", 11.20),
    ("000002.SZ", "000002", "Synthetic Property B", "SZSE", "2011-03-01", 7.45),
    ("600000.SH", "600000", "Synthetic Bank C", "SSE", "2012-05-02", 9.80),
    ("600519.SH", "600519", "Synthetic Spirits D", "SSE", "2013-07-01", 1480.00),
]
BANNER = ("# SYNTHETIC sample data for zq's example jobs (db/examples/README.md), written by\n"
          "# db/examples/data/make_sample.py: invented names and prices, NOT market data.\n")


def holidays():
    with open(CAL, encoding="utf-8") as f:
        return {line.split(",")[0] for line in f if line.strip().endswith(",holiday")}


def business_days():
    off, d = holidays(), FIRST
    while d <= LAST:
        if d.weekday() < 5 and d.isoformat() not in off:
            yield d
        d += datetime.timedelta(days=1)


def write_stock_list():
    with open(os.path.join(HERE, "stock_list.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write(BANNER + "ts_code,symbol,name,exchange,list_date\n")
        for code, sym, name, exch, listed, _ in STOCKS:
            f.write(f"{code},{sym},{name},{exch},{listed}\n")


def write_daily_bars():
    rng = random.Random(20261101)
    days = list(business_days())
    with open(os.path.join(HERE, "daily_bars.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write(BANNER + "ts_code,trade_date,open,high,low,close,vol,amount\n")
        for code, _, _, _, _, close in STOCKS:
            for d in days:
                open_ = round(close * (1 + rng.uniform(-0.01, 0.01)), 2)
                close = round(open_ * (1 + rng.uniform(-0.03, 0.03)), 2)
                high = round(max(open_, close) * (1 + rng.uniform(0, 0.01)), 2)
                low = round(min(open_, close) * (1 - rng.uniform(0, 0.01)), 2)
                vol = rng.randint(20_000, 900_000)             # lots of 100 shares
                amount = round(vol * 100 * (high + low) / 2 / 1000, 1)  # thousand yuan
                f.write(f"{code},{d.isoformat()},{open_:.2f},{high:.2f},{low:.2f},{close:.2f},"
                        f"{vol},{amount:.1f}\n")


if __name__ == "__main__":
    write_stock_list()
    write_daily_bars()
