"""The browser tests' support for benchmarks: the Chromium launcher with its fake-device flags, the login
helper and the in-process server. ``tests/`` is not an installed package, so the repository root goes on
``sys.path`` first (a bench script's own folder is already there)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_DIR = str(Path(__file__).resolve().parents[1])
if REPO_DIR not in sys.path:
    sys.path.append(REPO_DIR)

from tests.support.browser import CHROMIUM, FLAGS, chromium, logged_in  # noqa: E402
from tests.support.server import running_server  # noqa: E402

__all__ = ["CHROMIUM", "FLAGS", "chromium", "logged_in", "running_server"]
