"""Session fixtures: one real stack for the integration suite."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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
