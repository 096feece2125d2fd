"""How www/ is cut: no JavaScript file over 300 lines unless listed here with
its reason, imports that follow the layers www/README.md describes (and all
resolve), a README that names every file, and the task form's section
modules each rendering and reading on their own (in Chromium)."""
import os
import re

from ui_helpers import HERE

WWW = os.path.join(os.path.dirname(os.path.dirname(HERE)), "www")
JS = os.path.join(WWW, "js")
MAX_LINES = 300
# path under www/js -> why it may be longer
LONG = {
    "locales/en.js": "data: one translated string per line, every key of the pages",
    "locales/zh.js": "data: one translated string per line, every key of the pages",
}
# Modules that say "pure" in their header: no DOM helpers, no i18n, no API.
PURE = ["cron.js", "cron-words.js", "params-rows.js", "tz.js", "cal-days.js", "pages/task-form/config-types.js"]
IMPORT = re.compile(r"^\s*import\s[^'\"]*?from\s+['\"]([^'\"]+)['\"]|^\s*import\s+['\"]([^'\"]+)['\"]", re.M)


def js_files():
    out = []
    for top, _, names in os.walk(JS):
        out += [os.path.relpath(os.path.join(top, n), JS) for n in names if n.endswith(".js")]
    return sorted(out)


def imports_of(rel):
    with open(os.path.join(JS, rel), encoding="utf-8") as f:
        src = f.read()
    base = os.path.dirname(rel)
    return [os.path.normpath(os.path.join(base, a or b)) for a, b in IMPORT.findall(src)]


def test_no_js_file_over_300_lines_unless_listed():
    over = {}
    for rel in js_files():
        with open(os.path.join(JS, rel), encoding="utf-8") as f:
            n = sum(1 for _ in f)
        if n > MAX_LINES:
            over[rel] = n
    unlisted = {k: v for k, v in over.items() if k not in LONG}
    assert not unlisted, f"over {MAX_LINES} lines (split it, or list it in LONG with a reason): {unlisted}"
    stale = [k for k in LONG if k not in over]
    assert not stale, f"listed as long but no longer over {MAX_LINES} lines (or gone): {stale}"


def test_imports_resolve_and_follow_the_layers():
    files = set(js_files())
    graph = {rel: imports_of(rel) for rel in files}
    assert sum(len(v) for v in graph.values()) > 80, "the import pattern no longer matches"
    broken = [(f, i) for f, deps in graph.items() for i in deps if i not in files]
    assert not broken, f"imports of files that are not there: {broken}"
    bad = []
    for f, deps in graph.items():
        for d in deps:
            if d == "main.js":
                bad.append((f, d, "nothing imports main.js"))
            elif d.startswith("pages/") and not f.startswith("pages/") and f != "main.js":
                bad.append((f, d, "shared modules know no page"))
            elif d.startswith("pages/task-form/") and not (f == "pages/task-form.js" or f.startswith("pages/task-form/")):
                bad.append((f, d, "the task form's sections belong to the task form"))
            elif f.startswith("pages/") and d.startswith("pages/") and "/" not in f[len("pages/"):] \
                    and "/" not in d[len("pages/"):]:
                bad.append((f, d, "a page imports no other page"))
    for f in PURE:
        for d in graph[f]:
            if d in ("dom.js", "i18n.js", "api.js", "ui.js"):
                bad.append((f, d, "a pure module"))
    assert not bad, bad


def test_readme_names_every_file():
    with open(os.path.join(WWW, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    lines = len(readme.splitlines())
    assert 10 <= lines <= 30, lines
    missing = []
    for top, _, names in os.walk(WWW):
        for n in names:
            rel = os.path.relpath(os.path.join(top, n), WWW)
            if n.startswith(".") or rel == "README.md":
                continue
            # a file is named by its path under js/ (or www/), or by its folder's pattern
            short = os.path.relpath(rel, "js") if rel.startswith("js" + os.sep) else rel
            if f"`{short}`" not in readme and f"`{os.path.basename(short)}`" not in readme:
                missing.append(rel)
    assert not missing, f"www/README.md does not name: {missing}"


def test_each_task_form_section_renders_and_reads(ui):
    modules = sorted(n[:-3] for n in os.listdir(os.path.join(JS, "pages", "task-form")) if n.endswith(".js"))
    helpers = {"form", "config-types"}   # shared by the sections, not sections themselves
    r = ui("form_sections")
    # every section module is in the page's list (and nothing else is)
    assert sorted(r["names"]) == sorted(set(modules) - helpers), (r["names"], modules)
    body = set()
    for name, s in r["sections"].items():
        assert s["element"] and s["fill"] == "function" and s["read"] == "function", (name, s)
        assert not s["connected_before"], f"{name}: create() must not put itself in the page"
        assert not body & set(s["fields"]), f"{name}: fields owned by two sections: {body & set(s['fields'])}"
        body |= set(s["fields"])
    # the request body is the union of what the sections read
    assert body == {"name", "task_type", "description", "enabled", "cron_expression", "interval_seconds",
                    "start_at", "run_at", "timezone", "config", "max_retries", "retry_interval",
                    "timeout_seconds", "max_instances", "misfire_grace_seconds", "coalesce",
                    "calendar", "calendar_rule"}, body
    # a new task's defaults are valid but for the empty name
    assert [e for s in r["sections"].values() for e in s["errors"]] == ["name"], r["sections"]
    for name in ("basics", "schedule", "config", "limits"):
        assert r["sections"][name]["text"], f"{name} rendered nothing visible"
    t = r["types"]
    assert [k for k, v in t.items() if v["builder"]] == ["workflow"]
    assert [k for k, v in t.items() if v["params"]] == ["example_task", "common_task", "manual_task"]
    assert t["manual_task"]["kinds"] == ["none"]
    assert all(t[k]["kinds"] == ["cron", "interval", "once"] for k in ("example_task", "common_task", "workflow"))
    assert t["example_task"]["config_keys"] == ["duration_seconds", "message", "steps", "success_rate"]
    assert t["common_task"]["config_keys"] == ["command", "env", "work_dir"]
    assert t["workflow"]["config_keys"] == ["on_failure", "tasks", "workflow_type"]
    assert len({v["hint"] for v in t.values()}) == 4, "each type has its own config hint"
