"""tests/programs.txt is the one list of external programs: ./zq installs their
packages and checks them before a run. These tests fail when a suite, a
benchmark or ./zq itself calls a program that the list does not name (and that
is not part of Debian's essential set), so a new dependency cannot again work
only on the machine it was written on."""
import glob
import os
import re
import shutil
import subprocess

import pytest

from zqstack import SRC

PROGRAMS = os.path.join(SRC, "tests", "programs.txt")
STAGES = {"up", "test", "bench", "package"}
SBIN_PATH = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"


def listed():
    """{program: (package, {stages})} from tests/programs.txt."""
    out = {}
    with open(PROGRAMS, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cols = line.split()
            assert len(cols) == 3, f"programs.txt:{n}: want 'program package stages', got {line!r}"
            prog, pkg, stages = cols[0], cols[1], set(cols[2].split(","))
            assert stages <= STAGES, f"programs.txt:{n}: unknown stage in {cols[2]!r}"
            assert prog not in out, f"programs.txt:{n}: {prog} listed twice"
            out[prog] = (pkg, stages)
    return out


# argv[0] string literals: run([NAME, ...]), Popen([NAME, ...]), Proc(LABEL, [NAME, ...]),
# shutil.which(NAME), and node's spawn(NAME) / execFile(NAME), NAME a quoted word.
PY_CALL = re.compile(r'\b(?:run|Popen|check_output|check_call|call|Proc)\(\s*(?:"[^"]*"\s*,\s*)?'
                     r'\[\s*"([A-Za-z0-9_.+-]+)"')
WHICH = re.compile(r'\bwhich\(\s*"([A-Za-z0-9_.+-]+)"')
JS_CALL = re.compile(r'\b(?:spawn|spawnSync|execFile|execFileSync)\(\s*["\']([A-Za-z0-9_.+-]+)["\']')


def source_files():
    """(file, stage) for every test and benchmark source we wrote."""
    for path in glob.glob(os.path.join(SRC, "tests", "**", "*"), recursive=True):
        if "node_modules" in path or not path.endswith((".py", ".mjs", ".sh")):
            continue
        yield path, "bench" if os.sep + "bench" + os.sep in path else "test"


def called_by_tests():
    found = {}
    for path, stage in source_files():
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for rx in (PY_CALL, WHICH, JS_CALL):
            for name in rx.findall(text):
                found.setdefault((name, stage), os.path.relpath(path, SRC))
    return found


# Commands in the launcher: the first word of each simple command.
SHELL_WORD = re.compile(r'(?:^|[|;&(]|\$\(|\bthen|\bdo|\belse|&&|\|\|)\s*'
                        r'(?:[A-Z_]+=\S*\s+)*([a-z][a-z0-9.+-]*)(?=\s|$|\))')


def shell_code(text):
    """The script's lines with quoted text, comments and here-documents
    blanked out (quotes may span lines: awk programs do)."""
    out, quote, heredoc = [], None, None
    for line in text.splitlines():
        if heredoc:
            heredoc = None if line.strip() == heredoc else heredoc
            out.append("")
            continue
        code, prev = [], " "
        i = 0
        while i < len(line):
            ch = line[i]
            if quote:
                if ch == "\\" and quote == '"':
                    i += 1
                elif ch == quote:
                    quote = None
                    code.append('""')
            elif ch in "'\"":
                quote = ch
            elif ch == "\\":
                i += 1
            elif ch == "#" and prev in " \t;|&(":
                break
            else:
                code.append(ch)
            prev = ch
            i += 1
        code = re.sub(r"\$\(\([^)]*\)\)", "0", "".join(code))    # $(( arithmetic ))
        m = re.search(r"<<-?\s*\"*([A-Z]+)", code)
        if m:
            heredoc = m.group(1)
        out.append(code)
    return out


def called_by_launcher():
    names = set()
    for rel in ("zq", ".ci/run"):
        with open(os.path.join(SRC, rel), encoding="utf-8") as f:
            text = f.read()
        functions = set(re.findall(r"^([a-z_]+)\(\) \{", text, re.M))
        for code in shell_code(text):
            code = re.sub(r"^\s*[a-z|-]+\)", "", code)    # case labels
            for word in SHELL_WORD.findall(code):
                if word not in functions:
                    names.add((word, rel))
    return names


SHELL_WORDS = set(subprocess.run(["bash", "-c", "compgen -b; compgen -k"], capture_output=True,
                                 text=True).stdout.split())


# POSIX awk: Debian's base system always has one (mawk, priority required), but
# the name may resolve to another package's alternative (gawk) on this machine.
ALWAYS = {"awk"}


def essential(prog):
    """True when prog comes from a package every Debian system has."""
    if prog in ALWAYS:
        return True
    path = shutil.which(prog, path=SBIN_PATH)
    if not path:
        return False
    real = os.path.realpath(path)
    for candidate in (path, real, "/usr" + path if not path.startswith("/usr") else path[4:]):
        r = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if r.returncode == 0:
            pkg = r.stdout.split(":", 1)[0].split(",")[0].strip()
            q = subprocess.run(["dpkg-query", "-W", "-f=${Essential} ${Priority}", pkg],
                               capture_output=True, text=True).stdout
            return q.startswith("yes") or q.endswith("required")
    return False


def test_list_is_well_formed():
    progs = listed()
    assert "spawn-fcgi" in progs and "cgi-fcgi" in progs
    assert progs["cgi-fcgi"][0] == "libfcgi-bin"


def test_every_program_a_suite_calls_is_listed_for_its_stage():
    progs = listed()
    missing = []
    for (name, stage), where in sorted(called_by_tests().items()):
        if name in progs:
            if stage not in progs[name][1]:
                missing.append(f"{name} ({where}) is listed, but not for stage {stage}")
        elif not essential(name):
            missing.append(f"{name} ({where}) is not in tests/programs.txt")
    assert missing == []


def test_every_program_the_launcher_calls_is_listed_or_essential():
    progs = listed()
    missing = sorted(f"{name} ({where})" for name, where in called_by_launcher()
                     if name not in progs and name not in SHELL_WORDS and not essential(name))
    assert missing == []


def test_every_program_for_the_test_stage_is_here():
    """./zq test checked this before the run; a suite run by hand gets told too."""
    absent = [f"{p} (package {pkg})" for p, (pkg, st) in listed().items()
              if "test" in st and not shutil.which(p, path=SBIN_PATH)]
    assert absent == []


@pytest.mark.parametrize("stage", ["up", "test", "bench"])
def test_launcher_installs_the_listed_packages(stage):
    """./zq packages STAGE is what ensure_packages is handed: it must come from the list."""
    out = subprocess.run([os.path.join(SRC, "zq"), "packages", stage], capture_output=True,
                         text=True, check=True).stdout.split()
    want = {pkg for pkg, st in listed().values() if stage in st} - {"nodejs", "npm"}
    assert want and want <= set(out), f"not installed by ./zq for {stage}: {want - set(out)}"


def test_the_check_names_the_package_of_a_missing_program(tmp_path):
    """A program that is gone makes ./zq stop before building, naming its package."""
    fake = tmp_path / "programs.txt"
    fake.write_text("no-such-program-zq  zq-imaginary-pkg  test\n")
    script = (f"source <(sed -n '/^programs_for()/,/^}}/p;/^check_programs()/,/^}}/p;"
              f"/^die()/p' {SRC}/zq); PROGRAMS={fake}; check_programs test")
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert r.returncode != 0
    assert "no-such-program-zq: program not found (Debian package zq-imaginary-pkg)" in r.stderr
