"""WSGI entry point: `gunicorn wsgi:app` (gunicorn.conf.py in this folder checks the worker settings)."""

import gc
import os
import sys

from app import create_app
from app.core.config import per_worker_rate_limits

app = create_app()

if "gunicorn" in sys.modules and not os.environ.get("YINJIAN_GUNICORN_CONF"):
    # Started with another config file: the worker count is unknown here, so warn on the worst case.
    problem = per_worker_rate_limits(2)
    if problem:
        app.logger.warning("gunicorn.conf.py was not loaded; if more than one worker runs: %s", problem)

# What start-up built (models, templates, catalogues, locale data: about 100,000 objects) lives as long as
# the worker. Frozen, the collector no longer walks it on every full collection; a page allocates tens of
# thousands of short-lived objects, so the young generation is collected less often than Python's 700.
gc.collect()
gc.freeze()
gc.set_threshold(*app.config["GC_THRESHOLD"])
