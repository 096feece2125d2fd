"""The C tree keeps the shape the re-cut gave it (README "Layout"): each
folder includes only the folders below it, db/core never the MariaDB client,
no file or function past the sizes a reader can hold, one copy of each
shared helper, and a README in each folder that names every file in it."""
import os
import re
import subprocess

import pytest

import tree

# who may include whom (besides itself and system headers)
ALLOWED = {
    "db/core": set(),
    "db/store": {"db/core", "mariadb"},
    "db/notify": {"db/core", "db/store"},
    "db/jobs": {"db/core", "db/store"},
    "db/admin": {"db/core", "db/store", "db/jobs", "mariadb"},
    "fcgi": {"db/core", "db/store", "db/notify", "db/jobs"},
    "scheduler": {"db/core", "db/store", "db/notify"},
}
MAX_FILE_LINES = 700
MAX_FUNCTION_LINES = 60


def test_each_folder_includes_only_the_layers_below_it():
    bad = [f"{a} -> {b} ({n})" for (a, b), n in tree.graph().items()
           if b != "system" and b not in ALLOWED[a]]
    assert not bad, "includes across the layers: " + ", ".join(bad)


def test_core_names_no_database_header():
    """db/core is pure: besides no <mysql.h> (the graph above), it names no
    store header or mysql_ call either (test_core_alone links it alone)."""
    hits = [f for f in tree.c_files(("db/core",)) if re.search(r"\bmysql_\w+\s*\(|MYSQL\b", tree.text(f))]
    assert not hits


def test_no_file_is_longer_than_700_lines():
    files, _ = tree.sizes()
    assert [(f, n) for n, f in files if n > MAX_FILE_LINES] == []


def test_no_function_is_longer_than_60_lines():
    _, fns = tree.sizes()
    assert [(f, name, n) for n, f, name in fns if n > MAX_FUNCTION_LINES] == []


def test_the_measure_sees_a_long_function(tmp_path):
    """The size rule can fail: a 61-line body is counted as 61."""
    body = "int f(void)\n{\n" + "\tx++;\n" * 61 + "}\n"
    p = tmp_path / "f.c"
    p.write_text(body)
    old = tree.SRC
    try:
        tree.SRC = str(tmp_path)
        assert tree.functions("f.c") == [(61, "f")]
    finally:
        tree.SRC = old


def test_one_growable_array():
    """Arrays grow through zq_grow (db/core/mem.c) and bytes through zq_buf
    (db/core/buf.c): nothing else calls realloc."""
    hits = [f for f in tree.c_files() if f.endswith(".c")
            and f not in ("db/core/mem.c", "db/core/buf.c")
            and re.search(r"\b(zq_)?realloc\s*\(", tree.text(f))]
    assert hits == []


@pytest.mark.parametrize("pattern, what", [
    (r"^static\s+\w[\w\s\*]*\b(dup_col|copy_col)\s*\(", "a private column copy"),
    (r"^static\s+int\s+exec_batch\s*\(", "a private JSON-batch execute"),
    (r"SELECT id FROM scheduled_tasks WHERE id = \?", "an inline task_exists"),
    (r"^static\s+size_t\s+seq_len\s*\(", "a second UTF-8 decoder"),
    (r"^static\s+\w[\w\s\*]*\butf8_(chars|cut|seq)\s*\(", "a private UTF-8 count or cut"),
])
def test_no_private_copy_of_a_shared_helper(pattern, what):
    hits = [f for f in tree.c_files() if re.search(pattern, tree.text(f), re.M)]
    assert len(hits) <= (1 if what == "an inline task_exists" else 0), f"{what} in {hits}"


def test_utf8_bytes_are_read_in_one_place():
    """Continuation bytes are recognised by db/core/utf8.c, and by
    scheduler/text.c for sequences split across reads, nowhere else."""
    hits = [f for f in tree.c_files() if f not in ("db/core/utf8.c", "scheduler/text.c")
            and re.search(r"0x[Cc]0\)\s*[!=]=\s*0x80", tree.text(f))]
    assert hits == []


def test_no_reference_to_documents_outside_the_repository():
    out = subprocess.run(["git", "grep", "-nE", "(DESIGN|STYLE)( §|\\.md)", "--", ".",
                          ":!README.md"], cwd=tree.SRC, capture_output=True, text=True).stdout
    assert out == ""


@pytest.mark.parametrize("folder", ["db", "fcgi", "scheduler"])
def test_folder_readme_names_every_file(folder):
    readme = os.path.join(tree.SRC, folder, "README.md")
    assert os.path.exists(readme), f"{folder}/README.md is missing"
    text = tree.text(f"{folder}/README.md")
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", folder],
                           cwd=tree.SRC, capture_output=True, text=True, check=True).stdout.split()
    stems = {os.path.splitext(f)[0] for f in files if f.endswith(".c")}
    wanted = {}   # file -> the regex that names it
    for f in files:
        rel = os.path.relpath(f, folder)
        if rel == "README.md" or rel.startswith(("migrations/0", "migrations/1", "package/man/")):
            continue
        base = os.path.basename(rel)
        stem, ext = os.path.splitext(base)
        if ext == ".h" and os.path.splitext(f)[0] in stems:
            continue  # named with its .c
        if ext == ".c":
            wanted[rel] = r"\b" + re.escape(stem) + r"\.(c\b|\[ch\])"
        else:
            wanted[rel] = r"(?<![\w.])" + re.escape(base) + r"(?![\w])"
    missing = sorted(f for f, rx in wanted.items() if not re.search(rx, text))
    assert missing == [], f"{folder}/README.md does not name {missing}"
