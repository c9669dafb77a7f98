"""The bench's signed-in reference page: the frame every page pays (session, guard, CSRF, layout, menu) around
50 constant rows, registered only when BENCH_REFERENCE_ROUTE is set (bench/README.md, "The page budget")."""

from flask import Blueprint

bp = Blueprint("benchref", __name__)

from app.benchref import routes  # noqa: E402,F401
