"""The Debian package (db/package/, `./zq package`): its contents, lint, and a
real install, remove and purge in a throwaway root.

The .deb is $ZQ_DEB when set (so a caller can build it once), else built here
with `./zq package`. The install tests need root and overlayfs: in a private
mount namespace, an overlay whose lower layer is a bind mount of / and whose
upper layer is a tmpfs becomes the root dpkg installs into; everything written
vanishes with the namespace, and the host is checked to be untouched. Without
root or overlayfs they are skipped, saying why.

Run: /usr/bin/python3 -m pytest -q tests/package
"""
import gzip
import json
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time

import pytest

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests"))

PKG = os.path.join(SRC, "db", "package")
UNITS = {"zq-api.socket": "fcgi/systemd/zq-api.socket",
         "zq-api.service": "fcgi/systemd/zq-api.service",
         "zq-scheduler.service": "scheduler/systemd/zq-scheduler.service"}
CONFFILES = ["/etc/zq/zq.conf", "/etc/nginx/snippets/zq.conf", "/etc/nginx/sites-available/zq",
             "/etc/nginx/sites-available/zq-plain"]
RUNTIME_LIBS = {"libc6", "libcjson1", "libcurl4", "libfcgi0ldbl", "libmariadb3", "libsodium23",
                "libyaml-0-2"}
CLEAN_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
             "DEBIAN_FRONTEND": "noninteractive", "TERM": "dumb"}


def version():
    with open(os.path.join(SRC, "CMakeLists.txt")) as f:
        return re.search(r"project\(zq VERSION ([0-9.]+)", f.read()).group(1)


def arch():
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()


# --- the package ------------------------------------------------------------------
@pytest.fixture(scope="session")
def deb():
    path = os.environ.get("ZQ_DEB")
    if not path:
        r = subprocess.run([os.path.join(SRC, "zq"), "package"], capture_output=True, text=True)
        assert r.returncode == 0, f"./zq package failed:\n{r.stdout}\n{r.stderr}"
        path = r.stdout.strip().splitlines()[-1]
    assert os.path.isfile(path), path
    return path


@pytest.fixture(scope="session")
def contents(deb):
    """{path: (mode string, owner/group)} from dpkg-deb -c."""
    out = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True,
                         check=True).stdout
    entries = {}
    for line in out.splitlines():
        mode, owner, _size, _date, _time, name = line.split(None, 5)
        entries[name.removeprefix(".").rstrip("/") or "/"] = (mode, owner)
    return entries


@pytest.fixture(scope="session")
def unpacked(deb, tmp_path_factory):
    """The data tree (dpkg-deb -x) and the control files (dpkg-deb -e)."""
    d = tmp_path_factory.mktemp("deb")
    subprocess.run(["dpkg-deb", "-x", deb, str(d / "data")], check=True)
    subprocess.run(["dpkg-deb", "-e", deb, str(d / "control")], check=True)
    return d


def field(deb, name):
    return subprocess.run(["dpkg-deb", "-f", deb, name], capture_output=True, text=True,
                          check=True).stdout.strip()


def expected_contents():
    """{path: mode string}: what the package must hold, nothing more."""
    dirs = ["/etc", "/etc/nginx", "/etc/nginx/sites-available", "/etc/nginx/snippets", "/etc/zq",
            "/lib", "/lib/systemd", "/lib/systemd/system", "/usr", "/usr/bin", "/usr/lib",
            "/usr/lib/tmpfiles.d", "/usr/share", "/usr/share/doc", "/usr/share/doc/zq",
            "/usr/share/doc/zq/examples", "/usr/share/man", "/usr/share/man/man8",
            "/usr/share/zq", "/usr/share/zq/www"]
    files = CONFFILES + ["/lib/systemd/system/" + u for u in UNITS] + [
        "/usr/lib/tmpfiles.d/zq.conf", "/usr/share/doc/zq/copyright",
        "/usr/share/doc/zq/changelog.gz", "/usr/share/doc/zq/README.md.gz",
        "/usr/share/doc/zq/examples/nginx-site.conf",
        "/usr/share/doc/zq/examples/nginx-site-plain.conf",
        "/usr/share/man/man8/zq-api.8.gz", "/usr/share/man/man8/zq-scheduler.8.gz",
        "/usr/share/man/man8/zq-db.8.gz"]
    www = os.path.join(SRC, "www")
    for top, subdirs, names in os.walk(www):
        subdirs[:] = [s for s in subdirs if not s.startswith(".")]
        rel = os.path.relpath(top, www)
        base = "/usr/share/zq/www" + ("" if rel == "." else "/" + rel)
        if rel != ".":
            dirs.append(base)
        files += [base + "/" + n for n in names
                  if not n.startswith(".") and not n.endswith("~") and n != "README.md"]
    # the example jobs and the SSE calendar (db/package/package.cmake: not the
    # npm project that derives the calendar, nor the build's embedding script)
    ex = os.path.join(SRC, "db", "examples")
    skip = {"package.json", "package-lock.json", "embed.cmake"}
    for top, subdirs, names in os.walk(ex):
        subdirs[:] = [d for d in subdirs if d not in ("node_modules", "__pycache__")]
        rel = os.path.relpath(top, ex)
        base = "/usr/share/zq/examples" + ("" if rel == "." else "/" + rel)
        dirs.append(base)
        files += [base + "/" + n for n in names if n not in skip and not n.endswith(".pyc")]
    want = {d: "drwxr-xr-x" for d in dirs}
    want.update({f: "-rw-r--r--" for f in files})
    want.update({"/usr/bin/" + b: "-rwxr-xr-x" for b in ("zq-api", "zq-scheduler", "zq-db", "zqctl")})
    return want


def test_file_name_version_and_arch(deb):
    name = os.path.basename(deb)
    if re.fullmatch(r"zq_.*\.deb", name):   # (a ZQ_DEB copy may be named otherwise)
        assert name == f"zq_{version()}_{arch()}.deb"
    assert field(deb, "Package") == "zq"
    assert field(deb, "Version") == version()
    assert field(deb, "Architecture") == arch()


def test_file_list_is_exactly_the_expected_one(contents):
    want = expected_contents()
    got = {p: m for p, (m, _) in contents.items() if p != "/"}
    assert sorted(set(got) - set(want)) == [], "unexpected files in the package"
    assert sorted(set(want) - set(got)) == [], "files missing from the package"
    assert {p: m for p, m in got.items() if want[p] != m} == {}, "wrong modes"
    assert {o for _, o in contents.values()} == {"root/root"}


def test_depends_names_runtime_libraries_only(deb):
    depends = field(deb, "Depends")
    names = {re.sub(r"\s*\(.*\)", "", d).strip() for d in depends.split(",")}
    assert RUNTIME_LIBS <= names, depends
    # adduser: postinst creates the users; nothing from a build or -dev package
    assert names - RUNTIME_LIBS == {"adduser"}, depends
    assert "-dev" not in depends and "build-essential" not in depends
    recommends = field(deb, "Recommends")
    assert "nginx" in recommends and "mariadb" in recommends


def test_conffiles(unpacked):
    lines = (unpacked / "control" / "conffiles").read_text().split()
    assert sorted(lines) == sorted(CONFFILES)


def test_installed_files_are_the_sources(unpacked):
    data = unpacked / "data"

    def same(installed, source):
        with open(data / installed.lstrip("/"), "rb") as a, open(os.path.join(SRC, source), "rb") as b:
            return a.read() == b.read()

    assert same("/etc/nginx/snippets/zq.conf", "nginx/zq-locations.conf")
    assert same("/etc/nginx/sites-available/zq", "nginx/zq.conf")
    assert same("/usr/share/doc/zq/examples/nginx-site.conf", "nginx/zq.conf")
    assert same("/etc/nginx/sites-available/zq-plain", "nginx/zq-plain.conf")
    assert same("/usr/share/doc/zq/examples/nginx-site-plain.conf", "nginx/zq-plain.conf")
    assert same("/etc/zq/zq.conf", "db/package/zq.conf")
    assert same("/usr/lib/tmpfiles.d/zq.conf", "db/package/tmpfiles.conf")
    for unit, source in UNITS.items():
        assert same("/lib/systemd/system/" + unit, source)
    for script in ("postinst", "prerm", "postrm"):
        with open(unpacked / "control" / script, "rb") as a, open(os.path.join(PKG, script), "rb") as b:
            assert a.read() == b.read(), script
        assert os.stat(unpacked / "control" / script).st_mode & 0o777 == 0o755
    # the site example uses the snippet, the snippet the upstream the site names
    for name in ("zq", "zq-plain"):
        site = (data / "etc/nginx/sites-available" / name).read_text()
        assert "include /etc/nginx/snippets/zq.conf;" in site
        assert "upstream zq_api" in site and "unix:/run/zq/zq-api.sock" in site
        assert "root /usr/share/zq/www;" in site
    tls = (data / "etc/nginx/sites-available/zq").read_text()
    assert "listen 443 ssl" in tls and "return 301 https://" in tls
    assert 'set $zq_hsts "max-age=' in tls and "ssl_protocols TLSv1.2 TLSv1.3;" in tls


def test_docs_are_gzip_9n(unpacked):
    doc = unpacked / "data" / "usr/share/doc/zq"
    for name, source in (("changelog.gz", "db/package/changelog"), ("README.md.gz", "README.md")):
        raw = (doc / name).read_bytes()
        flags, mtime = raw[3], struct.unpack("<I", raw[4:8])[0]
        assert flags & 0x08 == 0 and mtime == 0, f"{name}: not gzip -n (name or time stored)"
        assert raw[8] == 2, f"{name}: not gzip -9"
        with open(os.path.join(SRC, source), "rb") as f:
            # README.md may be edited while this runs: the changelog must match
            if name == "changelog.gz":
                assert gzip.decompress(raw) == f.read()
    assert "Files: *" in (doc / "copyright").read_text()
    first = gzip.decompress((doc / "changelog.gz").read_bytes()).decode().splitlines()[0]
    assert first.startswith(f"zq ({version()}) ")


def conf_values(text):
    """{dotted key: value} of a zq.conf text (the format of db/core/config.c)."""
    values, section = {}, ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]").strip()
            continue
        k, _, v = line.partition("=")
        values[(section + "." if section else "") + k.strip()] = v.strip().strip('"')
    return values


def test_packaged_config_has_no_password_and_is_valid(unpacked):
    data = unpacked / "data"
    text = (data / "etc/zq/zq.conf").read_text()
    values = conf_values(text)
    assert "db.password" not in values
    assert not re.search(r"^\s*(db\.)?password\s*=", text, re.M)
    assert values["api.listen"] == "inherit"
    assert values["scheduler.wakeup_dir"] == "/run/zq/wakeup"
    # commands are not the daemon's user (which reads this file, db.password)
    assert values["scheduler.run_as"] == "zq-run"
    assert "scheduler.run_as_allowed" not in values
    assert "scheduler.allow_root_commands" not in values
    # the binaries accept it: zq-db reads the config before its usage message
    env = dict(CLEAN_ENV)
    r = subprocess.run([str(data / "usr/bin/zq-db"), "--config", str(data / "etc/zq/zq.conf"),
                        "--help"], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "usage: zq-db" in r.stderr and "config:" not in r.stderr, r.stderr


def test_units_say_what_the_issue_asks(unpacked):
    units = unpacked / "data" / "lib/systemd/system"

    def keys(name):
        out = {}
        for line in (units / name).read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                k, _, v = line.partition("=")
                out.setdefault(k.strip(), []).append(v.strip())
        return out

    sock, api, sched = (keys(u) for u in UNITS)
    assert sock["ListenStream"] == ["/run/zq/zq-api.sock"]
    assert (sock["SocketUser"], sock["SocketGroup"], sock["SocketMode"]) == \
        (["zq"], ["www-data"], ["0660"])
    assert api["StandardInput"] == ["socket"]
    assert api["StandardOutput"] == ["journal"] and api["StandardError"] == ["journal"]
    assert api["ExecStart"] == ["/usr/bin/zq-api --config /etc/zq/zq.conf"]
    assert sched["ExecStart"] == ["/usr/bin/zq-scheduler --config /etc/zq/zq.conf"]
    assert sched["KillMode"] == ["control-group"] and sched["Restart"] == ["on-failure"]
    for u in (api, sched):
        assert u["User"] == ["zq"]
        assert "mariadb.service" in " ".join(u["After"])
        assert u["Wants"] == ["mariadb.service"]
        assert "mariadb" not in " ".join(u.get("Requires", []))   # the DB may be remote
        for k, v in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                     ("PrivateTmp", "yes"), ("ProtectHome", "yes")):
            assert u[k] == [v], k
        assert "/run/zq/wakeup" in " ".join(u["ReadWritePaths"])
    # the scheduler switches to zq-run with these three and holds nothing else;
    # zq-api needs none
    caps = ["CAP_SETUID CAP_SETGID CAP_KILL"]
    assert sched["AmbientCapabilities"] == caps and sched["CapabilityBoundingSet"] == caps
    assert "AmbientCapabilities" not in api
    assert sched["WorkingDirectory"] == ["/var/lib/zq/work"]
    assert "/var/lib/zq" in sched["ReadWritePaths"][0].split()


def test_binaries_are_stripped(unpacked):
    for b in ("zq-api", "zq-scheduler", "zq-db", "zqctl"):
        out = subprocess.run(["file", "-b", str(unpacked / "data" / "usr/bin" / b)],
                             capture_output=True, text=True, check=True).stdout
        assert ", stripped" in out and "debug_info" not in out, out


# --- lint ----------------------------------------------------------------------------
def test_maintainer_scripts_pass_shellcheck(unpacked):
    scripts = [str(unpacked / "control" / s) for s in ("postinst", "prerm", "postrm")]
    for s in scripts:
        with open(s) as f:
            assert f.readline().strip() == "#!/bin/sh"
    r = subprocess.run(["shellcheck", "--shell=sh", *scripts], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_lintian_reports_no_errors(deb):
    r = subprocess.run(["lintian", "--no-cfg", deb], capture_output=True, text=True)
    tags = [line for line in r.stdout.splitlines() if re.match(r"^[EWIPX]: ", line)]
    errors = [t for t in tags if t.startswith("E: ")]
    assert errors == [], "\n".join(tags)
    assert r.returncode == 0, r.stdout + r.stderr


# --- a throwaway root ----------------------------------------------------------------
ROOT_SETUP = r"""
set -eu
base=$1
mount -t tmpfs -o mode=0700 zq-pkg-test "$base"
mkdir "$base/lower" "$base/upper" "$base/work" "$base/root"
mount --bind / "$base/lower"
mount -t overlay zq-pkg-test \
    -o "lowerdir=$base/lower,upperdir=$base/upper,workdir=$base/work" "$base/root"
for d in proc dev sys; do mount --bind "/$d" "$base/root/$d"; done
[ "$(stat -f -c %T "$base/root")" = overlayfs ] || { echo "not an overlay" >&2; exit 1; }
[ -x "$base/root/usr/bin/dpkg" ] && [ -x "$base/root/bin/sh" ] || {
    echo "/ spans several mounts: the overlay misses /usr" >&2; exit 1; }
echo ready
exec sleep 3600
"""


class Root:
    """An overlay of / in a private mount namespace, held open by a sleeping
    process; commands enter it with nsenter + chroot."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="zq-pkg-root-")
        self.procs = []
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--fork", "--kill-child",
             "sh", "-c", ROOT_SETUP, "sh", self.base],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.holder.stdout.readline().strip()
        if line != "ready":
            try:
                self.holder.wait(10)
                err = self.holder.stderr.read().strip()
            except subprocess.TimeoutExpired:
                err = ""
            self.close()
            raise RuntimeError(err or "could not set up the overlay root")
        self.root = os.path.join(self.base, "root")

    def argv(self, *cmd, user=None, caps=None):
        """caps: capability names ("setuid", ...) user holds as systemd's
        AmbientCapabilities= gives them, with NoNewPrivileges=yes."""
        wrap = ["setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups"] if user else []
        if caps:
            c = ",".join("+" + x for x in caps)
            wrap += ["--inh-caps=" + c, "--ambient-caps=" + c, "--no-new-privs"]
        return ["nsenter", f"--target={self.holder.pid}", "--mount", "--", "chroot", self.root,
                *wrap, *cmd]

    def run(self, *cmd, user=None, caps=None, input=None, check=True, timeout=60):
        r = subprocess.run(self.argv(*cmd, user=user, caps=caps), input=input, capture_output=True,
                           text=True, env=CLEAN_ENV, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r

    def start(self, *cmd, user=None, caps=None, stdin=None, log=None):
        p = subprocess.Popen(self.argv(*cmd, user=user, caps=caps), stdin=stdin, stdout=log,
                             stderr=subprocess.STDOUT, env=CLEAN_ENV)
        self.procs.append(p)
        return p

    def path(self, p):
        """A path inside the root as the host sees it (through the holder's /proc)."""
        return f"/proc/{self.holder.pid}/root{self.root}{p}"

    def stat(self, p):
        out = self.run("stat", "-c", "%U %G %a %F", p).stdout.split(None, 3)
        return out[0], out[1], out[2], out[3].strip()

    def exists(self, p):
        return self.run("test", "-e", p, check=False).returncode == 0

    def getent(self, db, key):
        r = self.run("getent", db, key, check=False)
        return r.stdout.strip().split(":") if r.returncode == 0 else None

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if self.holder.poll() is None:
            # unshare --fork ignores SIGTERM while it waits; SIGKILL takes the
            # sleeping child along (--kill-child)
            self.holder.kill()
            self.holder.wait()
        # the namespace is gone, and with it its mounts: only the empty mountpoint is left
        try:
            os.rmdir(self.base)
        except OSError:
            pass


def host_state():
    """What an install on the host would change (zq's own paths only: another
    engineer may apt-get install something meanwhile)."""
    def getent(db, key):
        return subprocess.run(["getent", db, key], capture_output=True, text=True).stdout

    paths = ["/etc/zq", "/var/lib/zq", "/usr/bin/zq-api", "/usr/bin/zq-db", "/run/zq",
             "/etc/nginx/snippets/zq.conf", "/etc/nginx/sites-available/zq",
             "/lib/systemd/system/zq-api.socket", "/lib/systemd/system/zq-scheduler.service",
             "/etc/systemd/system/sockets.target.wants/zq-api.socket",
             "/etc/systemd/system/multi-user.target.wants/zq-scheduler.service",
             "/usr/lib/tmpfiles.d/zq.conf"]
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "zq"], capture_output=True,
                            text=True).stdout
    return {"users": [getent("passwd", u) for u in ("zq", "zq-run")],
            "groups": [getent("group", g) for g in ("zq", "zq-run")],
            "paths": {p: os.path.lexists(p) for p in paths},
            "dpkg": status,
            "statoverride": subprocess.run(["dpkg-statoverride", "--list", "/etc/zq/zq.conf"],
                                           capture_output=True, text=True).stdout}


@pytest.fixture(scope="module")
def root(deb):
    if os.geteuid() != 0:
        pytest.skip("the install test needs root (mount namespaces, overlayfs, chroot)")
    for prog in ("unshare", "nsenter", "setpriv"):
        if not shutil.which(prog):
            pytest.skip(f"{prog} (util-linux) is missing")
    before = host_state()
    try:
        r = Root()
    except RuntimeError as e:
        pytest.skip(f"cannot build a throwaway root (overlayfs over /): {e}")
    r.host_before = before
    subprocess.run(r.argv("cp", "/dev/stdin", "/zq.deb"), stdin=open(deb, "rb"), check=True,
                   env=CLEAN_ENV)
    r.install = r.run("dpkg", "-i", "/zq.deb")
    yield r
    r.close()
    assert host_state() == before, "the install test changed the host"


def test_install_creates_users(root):
    zq = root.getent("passwd", "zq")
    assert zq and int(zq[2]) < 1000, zq
    assert zq[5] == "/var/lib/zq" and zq[6] == "/usr/sbin/nologin", zq
    assert root.getent("group", "zq")
    run = root.getent("passwd", "zq-run")
    assert run and int(run[2]) < 1000 and run[6] == "/usr/sbin/nologin", run
    assert run[2] != zq[2]
    # commands' user is in no group that reads /etc/zq/zq.conf
    assert root.run("id", "-Gn", "zq-run").stdout.split() == ["zq-run"]
    # idempotent: configuring again neither fails nor makes new users
    again = root.run("/var/lib/dpkg/info/zq.postinst", "configure", version())
    assert root.getent("passwd", "zq") == zq and root.getent("passwd", "zq-run") == run
    assert "sets no run_as" not in again.stdout + again.stderr


def test_postinst_says_when_a_kept_config_has_no_run_as(root):
    """An upgrade keeps the admin's edited zq.conf (dpkg), which may predate
    run_as: postinst must not edit it, so it says what to add."""
    conf = root.run("cat", "/etc/zq/zq.conf").stdout
    old = "\n".join(line for line in conf.splitlines() if not line.startswith("run_as")) + "\n"
    try:
        root.run("sh", "-c", "cat > /etc/zq/zq.conf", input=old)
        r = root.run("/var/lib/dpkg/info/zq.postinst", "configure", version())
        assert "sets no run_as in [scheduler]" in r.stdout, r.stdout
        assert "run_as = zq-run" in r.stdout, r.stdout
        assert root.run("cat", "/etc/zq/zq.conf").stdout == old   # not edited
    finally:
        root.run("sh", "-c", "cat > /etc/zq/zq.conf", input=conf)


def test_install_sets_owners_and_modes(root):
    assert root.stat("/etc/zq/zq.conf")[:3] == ("root", "zq", "640")
    # zq-run may pass through /var/lib/zq (not list it) to the commands' work dir,
    # which it owns; group zq lets the daemon (WorkingDirectory=) enter it
    assert root.stat("/var/lib/zq")[:3] == ("zq", "zq", "751")
    assert root.stat("/var/lib/zq/work")[:3] == ("zq-run", "zq", "770")
    root.run("test", "-w", "/var/lib/zq/work", user="zq-run")
    root.run("test", "-x", "/var/lib/zq/work", user="zq")
    assert root.run("ls", "/var/lib/zq", user="zq-run", check=False).returncode != 0
    assert root.stat("/run/zq/wakeup")[:3] == ("zq", "zq", "750")
    assert "root zq 640 /etc/zq/zq.conf" in root.run("dpkg-statoverride", "--list").stdout
    # the daemons' user reads the config, the command user does not
    root.run("cat", "/etc/zq/zq.conf", user="zq")
    r = root.run("cat", "/etc/zq/zq.conf", user="zq-run", check=False)
    assert r.returncode != 0 and "Permission denied" in r.stderr


def test_install_enables_but_does_not_start(root):
    wants = "/etc/systemd/system/sockets.target.wants/zq-api.socket"
    assert root.exists(wants) and root.exists(
        "/etc/systemd/system/multi-user.target.wants/zq-scheduler.service")
    assert root.run("readlink", wants).stdout.strip() == "/lib/systemd/system/zq-api.socket"
    out = root.install.stdout + root.install.stderr
    assert "NOT" in out and "started" in out and "password" in out, out


def test_installed_binaries_run(root):
    r = root.run("zq-db", "--help", check=False)
    assert r.returncode == 2 and "usage: zq-db" in r.stderr, r.stderr
    r = root.run("zq-api", "--version")
    assert r.stdout.strip() == f"zq-api {version()}"
    r = root.run("zq-db", "--config", "/etc/zq/zq.conf", "--help", check=False, user="zq")
    assert r.returncode == 2 and "usage: zq-db" in r.stderr, r.stderr
    if root.exists("/usr/bin/man"):
        assert root.run("man", "-w", "zq-scheduler").stdout.strip() == \
            "/usr/share/man/man8/zq-scheduler.8.gz"


def test_units_verify(root):
    """systemd-analyze verify in the installed root: ExecStart binaries, users,
    man pages (Documentation=) and every directive are checked."""
    man = "--man=yes" if root.exists("/usr/bin/man") else "--man=no"
    r = root.run("systemd-analyze", "verify", man, *UNITS, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "", \
        r.stdout + r.stderr


@pytest.mark.parametrize("site", ["zq", "zq-plain"])
def test_nginx_accepts_site_and_snippet(root, site):
    if not root.exists("/usr/sbin/nginx"):
        pytest.skip("nginx is not installed")
    if site == "zq" and not root.exists("/etc/ssl/certs/ssl-cert-snakeoil.pem"):
        # the TLS site names Debian's self-signed pair (package ssl-cert,
        # Recommended); make it in the throwaway root as ssl-cert's postinst would
        root.run("make-ssl-cert", "generate-default-snakeoil", "--force-overwrite")
    conf = ("pid /tmp/nginx-t.pid; error_log stderr; events {}\n"
            "http { include /etc/nginx/mime.types; access_log off;\n"
            f"       include /etc/nginx/sites-available/{site}; }}\n")
    root.run("sh", "-c", "cat > /tmp/nginx-t.conf", input=conf)
    r = root.run("nginx", "-t", "-q", "-c", "/tmp/nginx-t.conf", check=False)
    assert r.returncode == 0, r.stderr


# --- the installed services against a real database (optional) ----------------------
def fcgi_get(sock_path, uri, timeout=5.0):
    """One FastCGI GET (what nginx sends): returns (status, headers+body text)."""
    def record(kind, content):
        return struct.pack("!BBHHBx", 1, kind, 1, len(content), 0) + content

    def pair(k, v):
        k, v = k.encode(), v.encode()
        return bytes([len(k), len(v)]) + k + v

    params = b"".join(pair(k, v) for k, v in (("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", uri),
                                               ("QUERY_STRING", ""), ("REMOTE_ADDR", "127.0.0.1")))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.settimeout(timeout)
        c.connect(sock_path)
        c.sendall(record(1, struct.pack("!HB5x", 1, 0)) + record(4, params) + record(4, b"")
                  + record(5, b""))
        out = b""
        while True:
            head = c.recv(8, socket.MSG_WAITALL)
            if len(head) < 8:
                break
            _v, kind, _id, clen, plen = struct.unpack("!BBHHBx", head)
            body = c.recv(clen + plen, socket.MSG_WAITALL)[:clen] if clen + plen else b""
            if kind == 6:
                out += body
            elif kind == 3:
                break
    text = out.decode("utf-8", "replace")
    m = re.match(r"Status: (\d+)", text)
    return (int(m.group(1)) if m else 200), text


@pytest.fixture(scope="module")
def served(root, tmp_path_factory):
    """MariaDB on the host (loopback TCP, the namespace shares the network),
    the installed zq.conf given host, port and password as an admin would,
    the schema migrated with the installed zq-db, and a FastCGI socket for
    zq-api to inherit as fd 0, the way zq-api.socket hands it over."""
    if not shutil.which("mariadbd") or not shutil.which("mariadb-install-db"):
        pytest.skip("MariaDB is not installed")
    from zqstack import Stack
    stack = Stack(scheduler=False)
    tmp = tmp_path_factory.mktemp("served")
    try:
        stack.start_mariadb()
        stack.create_database()
        conf = root.run("cat", "/etc/zq/zq.conf").stdout
        conf = conf.replace("[db]\n", f'[db]\nhost = 127.0.0.1\nport = {stack.db_port}\n'
                                      f'password = "{stack.db_pw}"\nstartup_wait = 5\n', 1)
        root.run("sh", "-c", "cat > /etc/zq/zq.conf", input=conf)   # keeps root:zq 0640
        assert root.stat("/etc/zq/zq.conf")[:3] == ("root", "zq", "640")
        root.run("zq-db", "--config", "/etc/zq/zq.conf", "migrate")
        yield {"stack": stack, "tmp": tmp}
    finally:
        stack.stop()
        stack.cleanup()


def listen(served, name):
    """A listening FastCGI socket, as systemd makes it for zq-api.socket."""
    path = str(served["tmp"] / f"{name}.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(64)
    return s, path


def start_api(root, served, name, listener):
    """zq-api as zq with the listening socket as fd 0; (process, status, answer)
    of a health request once it says it listens."""
    sock, path = listener
    log_path = served["tmp"] / f"{name}.log"
    p = root.start("zq-api", "--config", "/etc/zq/zq.conf", user="zq", stdin=sock.fileno(),
                   log=open(log_path, "wb"))
    deadline = time.monotonic() + 15
    while "listening on inherit" not in log_path.read_text():
        assert p.poll() is None and time.monotonic() < deadline, \
            "zq-api did not start: " + log_path.read_text()[-2000:]
        time.sleep(0.05)
    try:
        status, text = fcgi_get(path, "/api/v1/health")
    except OSError as e:
        status, text = 0, f"{e!r}; log: {log_path.read_text()[-2000:]}"
    return p, status, text


def stop(p, timeout=20):
    p.send_signal(signal.SIGTERM)
    return p.wait(timeout)


def test_installed_api_serves_on_an_inherited_socket(root, served):
    sock = listen(served, "api-1")
    try:
        p, status, text = start_api(root, served, "zq-api-1", sock)
        assert status == 200, text
        body = json.loads(text.split("\r\n\r\n", 1)[1])
        assert body == {"status": "ok", "db": "ok", "version": version()}
        assert stop(p) == 0
    finally:
        sock[0].close()


UNIT_CAPS = ("setuid", "setgid", "kill")   # AmbientCapabilities= of zq-scheduler.service


def test_installed_scheduler_needs_its_capabilities(root, served):
    """The packaged config names run_as = zq-run: as plain zq the daemon
    refuses to start, and without CAP_KILL too (it could not stop commands)."""
    r = root.run("zq-scheduler", "--config", "/etc/zq/zq.conf", user="zq", check=False, timeout=20)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "zq-scheduler runs as zq (uid" in r.stderr and "not root, and cannot run" in r.stderr
    r = root.run("zq-scheduler", "--config", "/etc/zq/zq.conf", user="zq",
                 caps=("setuid", "setgid"), check=False, timeout=20)
    assert r.returncode == 2 and "but not CAP_KILL" in r.stderr, r.stdout + r.stderr


def trigger_command(stack, command):
    """A manual task and its pending execution, as zq-api writes them."""
    from integration.run_state import refresh_sql, transaction
    name = "pkg-%d" % time.monotonic_ns()
    cfg = json.dumps({"command": command}).replace("\\", "\\\\").replace("'", "\\'")
    stack.sql(f"INSERT INTO scheduled_tasks (name, job_id, task_type, config, max_retries) "
              f"VALUES ('{name}', '{name}', 'manual_task', '{cfg}', 0)")
    tid = stack.sql_value(f"SELECT id FROM scheduled_tasks WHERE name = '{name}'")
    return stack.sql(transaction(
        f"INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, not_before, "
        f"created_by) VALUES ({tid}, 'manual', 'pending', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), "
        f"'test'); SELECT LAST_INSERT_ID(); " + refresh_sql(f"t.id = {tid}")))[0][0]


def test_installed_scheduler_runs_commands_as_zq_run_without_capabilities(root, served):
    """zq-scheduler as the unit starts it (User=zq, the three ambient
    capabilities, no_new_privs, WorkingDirectory=/var/lib/zq/work): it holds
    the capabilities, and a command it runs is zq-run with none of them,
    cannot read /etc/zq/zq.conf and starts in the work directory."""
    stack = served["stack"]
    log_path = served["tmp"] / "zq-scheduler.log"
    p = root.start("sh", "-c", "cd /var/lib/zq/work && exec \"$0\" \"$@\"", "zq-scheduler",
                   "--config", "/etc/zq/zq.conf", user="zq", caps=UNIT_CAPS,
                   log=open(log_path, "wb"))
    try:
        deadline = time.monotonic() + 15
        while "START node=" not in log_path.read_text():
            assert p.poll() is None and time.monotonic() < deadline, log_path.read_text()[-2000:]
            time.sleep(0.1)
        with open(f"/proc/{p.pid}/status") as f:   # the daemon itself (setpriv and sh exec it)
            status = dict(line.split(":\t", 1) for line in f.read().splitlines())
        assert status["Name"] == "zq-scheduler" and status["CapEff"].strip() == "00000000000000e0"
        run = root.getent("passwd", "zq-run")
        eid = trigger_command(stack, "id -u; id -G; pwd; grep -E "
                                     "'^(Cap(Inh|Prm|Eff|Amb)|NoNewPrivs):' /proc/self/status; "
                                     "touch made-here; cat /etc/zq/zq.conf")
        q = (f"SELECT e.status, HEX(o.stdout_tail), HEX(o.stderr_tail) FROM task_executions e "
             f"LEFT JOIN execution_output o ON o.execution_id = e.id WHERE e.id = {eid}")
        deadline = time.monotonic() + 20
        while (row := stack.sql(q)[0])[0] not in ("success", "failed"):
            assert time.monotonic() < deadline and p.poll() is None, log_path.read_text()[-2000:]
            time.sleep(0.1)
        out, err = (bytes.fromhex(c or "").decode() for c in row[1:])
        lines = out.splitlines()
        assert row[0] == "failed", (out, err)     # cat's exit status
        assert lines[0] == run[2] and lines[1].split() == [run[3]], out
        assert lines[2] == "/var/lib/zq/work", out
        for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
            assert f"{cap}:\t0000000000000000" in lines, out
        assert "NoNewPrivs:\t1" in lines, out
        assert "cat: /etc/zq/zq.conf: Permission denied" in err, err
        assert stack.db_pw not in out + err
        assert root.stat("/var/lib/zq/work/made-here")[:2] == ("zq-run", "zq-run")
    finally:
        rc = stop(p, timeout=45)
    assert rc == 0, log_path.read_text()[-2000:]
    text = log_path.read_text()
    assert "START node=" in text and "wakeup=/run/zq/wakeup" in text, text[-2000:]
    assert "RUN_AS commands run as zq-run (uid" in text and "switched to by zq" in text, text


def test_api_restart_keeps_the_systemd_socket(root, served):
    sock = listen(served, "api-2")
    try:
        p, status, text = start_api(root, served, "zq-api-2", sock)
        assert status == 200, text
        assert stop(p) == 0
        # what systemd does on the next connection: start zq-api again on the same socket
        p, status, text = start_api(root, served, "zq-api-3", sock)
        stop(p)
        assert status == 200, text
    finally:
        sock[0].close()


# --- remove and purge (last: they change the root for good) ---------------------------
def test_remove_keeps_config_data_and_users(root):
    root.run("dpkg", "-r", "zq")
    assert not root.exists("/usr/bin/zq-api") and not root.exists("/lib/systemd/system/zq-api.socket")
    assert root.stat("/etc/zq/zq.conf")[:3] == ("root", "zq", "640")
    assert root.exists("/etc/nginx/snippets/zq.conf")
    assert root.stat("/var/lib/zq")[:2] == ("zq", "zq")
    assert root.getent("passwd", "zq") and root.getent("passwd", "zq-run")
    status = root.run("dpkg-query", "-W", "-f=${Status}", "zq").stdout
    assert status == "deinstall ok config-files"


def test_purge_removes_conffiles_only(root):
    root.run("touch", "/var/lib/zq/kept")
    root.run("dpkg", "-P", "zq")
    for f in CONFFILES:
        assert not root.exists(f), f
    assert not root.exists("/etc/zq")        # dpkg's own directory, empty now
    assert root.exists("/var/lib/zq/kept") and root.stat("/var/lib/zq")[:2] == ("zq", "zq")
    assert root.getent("passwd", "zq") and root.getent("passwd", "zq-run")
    assert root.getent("group", "zq")
    assert "/etc/zq/zq.conf" not in root.run("dpkg-statoverride", "--list").stdout
    assert root.run("dpkg-query", "-W", "zq", check=False).returncode != 0
    assert not root.exists("/etc/systemd/system/sockets.target.wants/zq-api.socket")
    for unit in UNITS:   # the masks of the removed-not-purged state are gone too
        assert root.run("test", "-L", "/etc/systemd/system/" + unit, check=False).returncode != 0
