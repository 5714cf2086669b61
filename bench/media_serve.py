"""``rris serve`` with a higher pre-call limit, for ``bench/media.py``.

A node runs at most 4 pre-call tests at once by default (:class:`media.precall.PrecallLimits`) and there
is no setting for it, so the benchmark cannot reach 10 concurrent tests through the plain command. This
runner wraps the composition root the command uses: the app is built by ``create_app`` as always and only
``services.precall.limits`` is raised (as the tests do), then ``rris.cli.main`` serves it unchanged
(demo data, signals, cleanup). Arguments are those of ``rris``; the limits come from the environment.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# ``bench/media.py`` sits in this script's folder, which heads the path: take the folder off, so that
# ``media`` is the repository's package (this runner needs nothing else from it).
sys.path.pop(0)

from aiohttp import web

import rris.cli
from media.precall import PrecallLimits
from rris.app import create_app, services_of

MAX_CONCURRENT_ENV = "RRIS_BENCH_PRECALL_MAX"
LIFETIME_ENV = "RRIS_BENCH_PRECALL_LIFETIME_S"


def create_bench_app(*args: Any, **kwargs: Any) -> web.Application:
    app = create_app(*args, **kwargs)
    services_of(app).precall.limits = PrecallLimits(
        max_concurrent=int(os.environ.get(MAX_CONCURRENT_ENV, "12")),
        max_lifetime_s=float(os.environ.get(LIFETIME_ENV, "120")),
    )
    return app


if __name__ == "__main__":
    rris.cli.create_app = create_bench_app  # type: ignore[assignment]
    rris.cli.main()
