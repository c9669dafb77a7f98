"""Name search on the loaded benchmark database, in-process: short terms, pinyin, initials.

    .venv/bin/python bench/search_terms.py --db sqlite [--iterations 300] [--pg-database NAME]

Signs in through app.test_client as a manager of branch 1 (10,000 customers in scope) and times the
list page (GET /customers/?q=...) for each term, median and p90 of `iterations` requests after a
warm-up, with the SQL statements and the driver's time per request. Then the same search for every
branch at once (what admin's list runs), as the list query alone (the service, no HTTP). The unfiltered
list is the reference: what a search adds is the difference.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# (label, term): what people type. Terms are checked to find something in branch 1 (or, for the last,
# nothing), so the numbers describe real matches.
TERMS = [
    ("1 character, a surname", "王"),
    ("1 character, a given-name character", "明"),
    ("2 characters, a given name", None),  # picked from the data: the commonest two-character given name
    ("3 characters, a full name", None),  # picked from the data: a full name that exists
    ("4 characters, part of a company name", "科技有限"),
    ("pinyin, full name", None),  # the pinyin of the 3-character name above
    ("pinyin, surname", "wang"),
    ("initials, 2 letters", "zw"),
    ("initials, 3 letters", None),  # the initials of the 3-character name above
    ("1 letter", "l"),
    ("no match", "xyzq"),
]


def pick_terms(connection, branch_id: int) -> list[tuple[str, str]]:
    from collections import Counter

    from sqlalchemy import select

    from app.customers.name_keys import name_keys
    from app.models import Customer

    names = connection.execute(select(Customer.name).where(Customer.branch_id == branch_id,
                                                           Customer.kind == "individual")).scalars().all()
    given = Counter(n[1:] for n in names if len(n) == 3)
    two = given.most_common(1)[0][0]
    three = next(n for n in names if len(n) == 3 and n[1:] == two)
    keys = sorted(name_keys(three), key=len, reverse=True)
    full_pinyin = next(k for k in keys if k.isascii() and len(k) > 3)
    initials = next(k for k in keys if k.isascii() and len(k) == 3)
    picked = {"2 characters, a given name": two, "3 characters, a full name": three,
              "pinyin, full name": full_pinyin, "initials, 3 letters": initials}
    return [(label, term or picked[label]) for label, term in TERMS]


def timed(call, iterations: int, stats: dict) -> dict:
    for _ in range(20):
        call()
    samples = []
    stats.update(n=0, t=0.0)
    for _ in range(iterations):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"median": statistics.median(samples), "p90": samples[int(len(samples) * 0.9)],
            "queries": stats["n"] / iterations, "sql_ms": stats["t"] / iterations * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--pg-database", help=f"PostgreSQL database (default {common.PG_DATABASE})")
    args = parser.parse_args(argv)
    if args.pg_database:
        common.PG_DATABASE = args.pg_database
    os.environ.update(common.app_env(args.db))
    common.add_root_to_path()
    from sqlalchemy import event

    from app import create_app
    from app.core.extensions import db
    from app.customers import search as svc
    from app.models import User

    manifest = common.read_manifest(args.db)
    if manifest is None:
        raise SystemExit("no manifest: run bench/load.py first")
    app = create_app()
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": manifest["client_users"][0], "password": manifest["password"],
                                           "csrf_token": token})
    assert response.status_code in (302, 303), response.status_code

    stats = {"n": 0, "t": 0.0}
    with app.app_context():
        engine = db.engine
        terms = pick_terms(db.session.connection(), manifest["branch1_id"])
        db.session.remove()

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        stats["n"] += 1
        stats["t"] += time.perf_counter() - conn.info.pop("t0", time.perf_counter())

    print(f"{args.db}: {manifest['counts']['customer']:,} customers; a manager of branch 1 "
          f"({manifest['branch1_customers']:,} in scope); {args.iterations} requests each\n")
    print("| search | term | hits (branch 1) | page median ms | p90 ms | SQL/page | SQL ms | all branches: hits | list query ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    admin = User(id=0, role="admin", branch_id=None, username="bench-admin", display_name="admin")
    for label, term in [("no search (reference)", ""), *terms]:
        url = "/customers/" + (f"?q={quote(term)}" if term else "")
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        hits = re.search(r'data-testid="result-count">\s*([^<]+?)\s*<', page.get_data(as_text=True)).group(1)
        numbers = timed(lambda url=url: client.get(url), args.iterations, stats)
        with app.test_request_context():
            filters = svc.CustomerFilters(q=term)
            everywhere = svc.search_customers(admin, filters)
            admin_numbers = timed(lambda filters=filters: svc.search_customers(admin, filters),
                                  max(20, args.iterations // 3), stats)
            db.session.remove()
        print(f"| {label} | {term or '—'} | {hits} | {numbers['median']:.2f} | {numbers['p90']:.2f} | "
              f"{numbers['queries']:.1f} | {numbers['sql_ms']:.2f} | {everywhere.total:,}"
              f"{'+' if everywhere.capped else ''} | {admin_numbers['median']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
