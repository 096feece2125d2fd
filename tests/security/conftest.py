"""The security suite: each test is an attack on a real stack and asserts what
the attacker would have gained. One stack for the suite (tests that need a
differently configured daemon start their own)."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))                       # zqstack
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))  # api_util, run_state
from zqstack import Stack  # noqa: E402


@pytest.fixture(scope="session")
def stack():
    s = Stack().start()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    bad = {k: v for k, v in statuses.items() if v not in (0, None)}
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert not bad, f"daemons exited badly on SIGTERM: {bad}"


@pytest.fixture()
def admin(stack):
    return stack.session("admin")
