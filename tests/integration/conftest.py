"""Session fixtures: one real stack for the integration suite."""
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from zqstack import session_stack, command_dir  # noqa: E402


@pytest.fixture(scope="session")
def stack():
    yield from session_stack()


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
