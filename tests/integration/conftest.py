"""Session fixtures: one real stack for the integration suite."""
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from zqstack import Stack, command_dir  # noqa: E402


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


@pytest.fixture()
def tmp_path():
    """A per-test directory the task commands can write in too: a root
    scheduler runs them as zq-run (scheduler.run_as), which cannot enter
    pytest's own 0700 temporary directories."""
    d = command_dir()
    yield d
    shutil.rmtree(d, ignore_errors=True)
