"""Helpers shared by the browser tests and their conftest (a module of its own
so that test files never import `conftest` by name)."""
import os
import shutil
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
NODE = shutil.which("node") or "/usr/bin/node"
CHROMIUM = os.environ.get("ZQ_CHROMIUM", "/usr/bin/chromium")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
