"""Browser end-to-end fixtures: one real stack (MariaDB, zq-api, zq-scheduler,
nginx serving www/) for the whole suite, users of each role, and `ui`, which
runs a scenario of scenarios.mjs in Debian's Chromium (playwright-core, no
downloaded browser) and returns what the user saw.

Screenshots go to $ZQ_TEST_OUT/screenshots (./zq test) or, when that is not
set, to <stack tmp>/screenshots (kept with ZQ_KEEP_TMP=1)."""
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from ui_helpers import CHROMIUM, HERE, NODE  # noqa: E402
from zqstack import session_stack  # noqa: E402


ALERTS_CONFIG = 'alerts.allow = "127.0.0.1/32"\nalerts.sweep_ms = "200"\n'


def _check_tools():
    missing = []
    if not os.path.exists(NODE):
        missing.append("node (apt install nodejs)")
    if not os.path.exists(CHROMIUM):
        missing.append(f"{CHROMIUM} (apt install chromium)")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        missing.append("tests/browser/node_modules/playwright-core (cd tests/browser && npm install)")
    return missing


@pytest.fixture(scope="session")
def stack():
    missing = _check_tools()
    if missing:
        pytest.fail("browser tests need: " + ", ".join(missing), pytrace=False)
    # alerts.allow: the alert tests' receivers listen on 127.0.0.1 (the private
    # range guard refuses it otherwise); sweep_ms: test messages go out at once.
    yield from session_stack(extra_config=ALERTS_CONFIG)


@pytest.fixture(scope="session")
def users(stack):
    """name -> password for a user of each role (logged in through the form)."""
    return {role: (f"ui-{role}", stack.user(f"ui-{role}", role)) for role in ("admin", "operator", "viewer")}


@pytest.fixture(scope="session")
def shots_dir(stack):
    out = os.environ.get("ZQ_TEST_OUT")
    d = os.path.join(out, "screenshots") if out else os.path.join(stack.tmp, "screenshots")
    os.makedirs(d, exist_ok=True)
    return d


@pytest.fixture(scope="session")
def admin(stack):
    return stack.session("admin")


class UI:
    """ui(scenario, **params) -> the scenario's result (asserting a clean page)."""

    def __init__(self, stack, users, shots):
        self.stack, self.users, self.shots = stack, users, shots

    def __call__(self, scenario, allow_csp_violations=False, timeout=300, **params):
        env = dict(os.environ)
        env.update({
            "ZQ_URL": self.stack.url,
            "ZQ_SHOTS": self.shots,
            "ZQ_PARAMS": json.dumps(params),
        })
        for role, (name, pw) in self.users.items():
            env[f"ZQ_{role.upper()}_USER"] = name
            env[f"ZQ_{role.upper()}_PASS"] = pw
        r = subprocess.run([NODE, os.path.join(HERE, "run.mjs"), scenario], cwd=HERE, env=env,
                           capture_output=True, timeout=timeout)
        stdout = r.stdout.decode("utf-8", "replace").strip()
        stderr = r.stderr.decode("utf-8", "replace").strip()
        try:
            out = json.loads(stdout.splitlines()[-1])
        except (ValueError, IndexError):
            pytest.fail(f"scenario {scenario}: no JSON result (rc {r.returncode})\n"
                        f"stdout: {stdout[-3000:]}\nstderr: {stderr[-3000:]}", pytrace=False)
        ev = out.get("events", {})
        if not out.get("ok"):
            pytest.fail(f"scenario {scenario} failed at {out.get('url')}:\n{out.get('error')}\n"
                        f"screenshot: {out.get('failure_screenshot')}\nevents: {json.dumps(ev)[:3000]}",
                        pytrace=False)
        assert ev.get("pageErrors") == [], f"uncaught page errors: {ev.get('pageErrors')}"
        assert ev.get("dialogs") == [], f"JavaScript dialogs opened: {ev.get('dialogs')}"
        if not allow_csp_violations:
            assert ev.get("cspViolations") == [], f"CSP violations: {ev.get('cspViolations')}"
            assert ev.get("consoleErrors") == [], f"console errors: {ev.get('consoleErrors')}"
        return out["result"]


@pytest.fixture(scope="session")
def ui(stack, users, shots_dir):
    return UI(stack, users, shots_dir)
