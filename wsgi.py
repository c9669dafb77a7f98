"""WSGI entry point: `gunicorn wsgi:app`."""

import gc

from app import create_app

app = create_app()

# What start-up built (models, templates, catalogues, locale data: about 100,000 objects) lives as long as
# the worker. Frozen, the collector no longer walks it on every full collection; a page allocates tens of
# thousands of short-lived objects, so the young generation is collected less often than Python's 700.
gc.collect()
gc.freeze()
gc.set_threshold(*app.config["GC_THRESHOLD"])
