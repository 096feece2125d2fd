"""The security suite: each test is an attack on a real stack and asserts what
the attacker would have gained. One stack for the suite (tests that need a
differently configured daemon start their own)."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))                       # zqstack
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))  # api_util, run_state
from zqstack import session_stack  # noqa: E402


@pytest.fixture(scope="session")
def stack():
    yield from session_stack()


@pytest.fixture()
def admin(stack):
    return stack.session("admin")
