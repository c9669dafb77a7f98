"""gunicorn's settings, read when gunicorn starts in this folder (README, production): the command line
still chooses workers, threads and the bind address. It refuses to start a configuration whose rate limits
would not hold (memory:// storage counts per worker), and redacts personal numbers from gunicorn's own logs."""

import os

from app.core.config import per_worker_rate_limits


def on_starting(server):
    """Before any worker starts: several workers need shared rate-limit storage."""
    problem = per_worker_rate_limits(server.cfg.workers)
    if problem:
        raise RuntimeError(f"refusing to start: {problem}")  # gunicorn prints "Error: ..." and exits 1
    os.environ["YINJIAN_GUNICORN_CONF"] = "1"  # wsgi.py: the workers know this check ran
    _redact_gunicorn_logs()


def nworkers_changed(server, new_value, old_value):
    """TTIN raised the worker count at run time: it cannot be refused any more, so say it loudly."""
    problem = per_worker_rate_limits(new_value)
    if problem:
        server.log.error("rate limits no longer hold: %s", problem)


def _redact_gunicorn_logs():
    """The access log (when enabled) prints request lines and referers, query strings included."""
    import logging

    from app.core.privacy import PfiLogFilter

    for name in ("gunicorn.access", "gunicorn.error"):
        logging.getLogger(name).addFilter(PfiLogFilter())
