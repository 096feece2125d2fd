#!/usr/bin/python3
"""tree.py - the shape of the C tree, measured: which folder includes which,
file and function sizes. `tests/lint/tree.py` prints the include graph
between folders (with how many #include lines make each edge);
`tests/lint/tree.py sizes` the largest files and functions. test_tree.py
asserts the rules on the same figures."""
import os
import re
import subprocess
import sys
from collections import Counter

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the folders that hold product C code, most specific first
FOLDERS = ("db/core", "db/store", "db/notify", "db/jobs", "db/admin", "fcgi", "scheduler")
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)


def c_files(folders=FOLDERS):
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                          "*.c", "*.h"], cwd=SRC, capture_output=True, text=True,
                         check=True).stdout.split()
    return sorted(f for f in out if folder_of(f) in folders and os.path.exists(os.path.join(SRC, f)))


def folder_of(path):
    for f in FOLDERS:
        if path.startswith(f + "/"):
            return f
    return None


def text(path):
    with open(os.path.join(SRC, path), encoding="utf-8", errors="replace") as fh:
        return fh.read()


def header_homes():
    """{header name: folder}, for every product header."""
    return {os.path.basename(f): folder_of(f) for f in c_files() if f.endswith(".h")}


def includes(path):
    """[(kind, name)] of a file's #include lines; kind '<' or '"'."""
    return INCLUDE.findall(text(path))


def graph():
    """Counter {(from folder, to folder): #include lines}; system headers
    are 'system', the MariaDB client 'mariadb'."""
    homes = header_homes()
    edges = Counter()
    for f in c_files():
        src = folder_of(f)
        for kind, name in includes(f):
            if kind == '"' and name in homes:
                dst = homes[name]
            elif name in ("mysql.h", "mysqld_error.h", "errmsg.h") or name.startswith(("mysql/", "mariadb/")):
                dst = "mariadb"
            else:
                dst = "system"
            if dst != src:
                edges[(src, dst)] += 1
    return edges


def functions(path):
    """[(body lines, name)] of the functions in a C file: a `{` at column 0
    up to the next `}` at column 0 (the tree's kernel style)."""
    lines = text(path).split("\n")
    out, start = [], None
    for i, line in enumerate(lines):
        if line.startswith("{") and start is None:
            j = i - 1
            while j >= 0 and "(" not in lines[j]:
                j -= 1
            m = re.search(r"(\w+)\s*\(", lines[j]) if j >= 0 else None
            start = (i, m.group(1) if m else "?")
        elif line.startswith("}") and start is not None:
            out.append((i - start[0] - 1, start[1]))
            start = None
    return out


def sizes():
    files = sorted(((text(f).count("\n"), f) for f in c_files()), reverse=True)
    fns = sorted(((n, f, name) for f in c_files() if f.endswith(".c")
                  for n, name in functions(f)), reverse=True)
    return files, fns


def main(argv):
    if argv[1:] == ["sizes"]:
        files, fns = sizes()
        print("largest files:")
        for n, f in files[:8]:
            print(f"  {n:5d}  {f}")
        print("longest functions (body lines):")
        for n, f, name in fns[:8]:
            print(f"  {n:5d}  {f}: {name}")
        return 0
    for (a, b), n in sorted(graph().items()):
        if b != "system":
            print(f"{a:10s} -> {b:10s} {n:4d} #include lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
