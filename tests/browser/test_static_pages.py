"""Checks of www/ that need node but no stack: translations complete in both
languages, the cron expression described in plain words (English and
Chinese), and no code path that turns strings into markup."""
import json
import os
import re
import subprocess

from ui_helpers import HERE, NODE

WWW = os.path.join(os.path.dirname(os.path.dirname(HERE)), "www")


def checks():
    r = subprocess.run([NODE, os.path.join(HERE, "static_checks.mjs")], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return json.loads(r.stdout)


def test_both_languages_have_every_key():
    c = checks()
    assert c["used"] > 200
    assert c["missing"] == {"en": [], "zh": []}
    assert c["onlyEn"] == [] and c["onlyZh"] == []
    assert c["placeholders"] == [], "placeholders differ between en and zh"
    assert c["untranslated"] == [], "Chinese strings still in English"


def test_cron_words():
    c = checks()["cron"]
    expect = {
        "0 18 * * *": ("At 18:00, every day", "每天 18:00"),
        "0 9 * * 1-5": ("At 09:00, Monday through Friday", "周一至周五 09:00"),
        "0 */2 * * *": ("At minute 0, every 2 hours", "每2小时的第0分钟"),
        "*/30 * * * *": ("Every 30 minutes", "每30分钟"),
        "0 0 1 * *": ("At 00:00, on day 1 of the month", "每月1日 00:00"),
        "0 0 * * 1": ("At 00:00, on Monday", "每周一 00:00"),
        "0 0 L * *": ("At 00:00, on the last day of the month", "每月最后一天 00:00"),
        "0 10 * * 5#2": ("At 10:00, on the second Friday of the month", "每月第二个周五 10:00"),
        "30 0 12 * * *": ("At 12:00:30, every day", "每天 12:00:30"),
        "0 0 1,15 * 1": ("At 00:00, on days 1 and 15 of the month or on Monday", "每月1日、15日或每周一 00:00"),
        "5 4 * JAN-MAR SUN": ("At 04:05, on Sunday, January through March", "1月至3月，每周日 04:05"),
    }
    for expr, (en, zh) in expect.items():
        assert c[expr] == {"en": en, "zh": zh}, expr


def test_bad_cron_named_field():
    bad = checks()["bad"]
    for expr, v in bad.items():
        assert v["en"] is None and v["problem"], expr
    assert bad["61 * * * *"]["problem"].startswith("min")
    assert bad["0 0 32 * *"]["problem"].startswith("dom")
    assert bad["0 0 * * 8"]["problem"].startswith("dow")


def test_no_markup_sinks_and_no_inline_code():
    assert checks()["markupSinks"] == []
    for root, _, files in os.walk(WWW):
        for f in files:
            if not f.endswith(".html"):
                continue
            with open(os.path.join(root, f), encoding="utf-8") as fh:
                html = fh.read()
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f
            assert not re.search(r"<style\b", html) and "style=" not in html, f
            assert not re.search(r"\son[a-z]+\s*=", html), f
