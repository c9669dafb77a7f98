"""Profile the customer pages in-process with pyinstrument, on the loaded benchmark database.

    .venv/bin/python bench/profile_pages.py --db sqlite [--iterations 200] [--out file.json] [--html DIR]
                                            [--pages reference,list,...]

Signs in through app.test_client as staff of branch 1, then for each app page of bench/pages.py: 20 warm-up requests,
`iterations` timed requests without the profiler (ms/request, SQL statements and driver time), and
`iterations` requests under pyinstrument. Prints and writes the areas and functions with the most self time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from pages import pages  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# Where self time lands, by path fragment of the frame's file (first match wins).
AREAS = [
    ("SQL in the database driver (execute and fetch)", ("psycopg/",)),
    ("SQLAlchemy ORM and Core (compile, load objects)", ("sqlalchemy/",)),
    ("Jinja templates (app/templates)", ("app/templates/", ".html")),
    ("Jinja runtime", ("jinja2/",)),
    ("Babel / flask_babel (dates, translations)", ("babel/", "flask_babel/")),
    ("PFI: decrypt + mask (app/core/privacy.py, cryptography)", ("app/privacy.py", "cryptography/")),
    ("WTForms / Flask-WTF (CSRF, forms)", ("wtforms/", "flask_wtf/")),
    ("Flask-Login / session / guard", ("flask_login/", "app/auth/", "itsdangerous/")),
    ("Flask / Werkzeug (routing, request, response, test client)", ("flask/", "werkzeug/")),
    ("Yinjian code (routes, services, policies, ...)", ("app/",)),
]


DRIVER_CALLS = {"do_execute", "do_executemany", "do_execute_no_params", "_fetchall_impl", "_fetchone_impl",
                "_fetchmany_impl"}


def area_of(path: str, function: str) -> str:
    if function in DRIVER_CALLS and "sqlalchemy/engine" in path:
        return AREAS[0][0]  # their self time is the C driver call they make
    for name, fragments in AREAS:
        if any(f in path for f in fragments):
            return name
    return "other (stdlib, ...)"


def collect(frame, acc, areas, owner=("<root>", "", None)) -> None:
    """Add up self time per function. pyinstrument's "[self]" frames belong to their parent; a C function
    (no Python file) is shown with the Python function that called it and counted in that one's area."""
    path = frame.file_path or ""
    real = frame.function != "[self]" and path not in ("", "<built-in>")
    own = frame.total_self_time
    if own > 0:
        if frame.function == "[self]":
            key, where = owner, owner[1]
        elif not real:
            key, where = (f"{frame.function} (C, from {owner[0]})", owner[1], owner[2]), owner[1]
        else:
            key, where = (frame.function, path, frame.line_no), path
        acc[key] += own
        function = owner[0] if frame.function == "[self]" else frame.function
        if not real and frame.function != "[self]" and frame.function.startswith(("Cursor.", "Connection.")) \
                and ("sqlalchemy/engine" in owner[1] or "sqlite" in frame.function.lower()):
            areas[AREAS[0][0]] += own  # the sqlite3 C calls themselves
        else:
            areas[area_of(where, function)] += own
    next_owner = (frame.function, path, frame.line_no) if real else owner
    for child in frame.children:
        collect(child, acc, areas, next_owner)


def short(path: str) -> str:
    for marker in ("site-packages/", str(common.ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def signed_in(app, username: str, password: str):
    """A test client signed in through the login form, and its CSRF token."""
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code in (302, 303), r.status_code
    return client, CSRF_RE.search(client.get("/", follow_redirects=True).get_data(as_text=True)).group(1)


def caller(page, client, csrf: str):
    """call(i): the page's i-th request, sent as run.py sends it."""
    headers = {"HX-Request": "true"} if page.htmx else {}
    if page.method == "POST":
        headers.update({"X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded"})
    forms = page.forms or [None]

    def call(i: int):
        body = forms[i % len(forms)]
        return client.open(page.paths[i % len(page.paths)], method=page.method, data=body, headers=headers)

    return call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML report per page here")
    parser.add_argument("--app-dir", type=Path, help="profile the app of another checkout (default: this one)")
    parser.add_argument("--pages", help="comma-separated page keys (default: every app page of bench/pages.py)")
    args = parser.parse_args(argv)

    common.set_app_dir(args.app_dir)
    os.environ.update(common.app_env(args.db))
    common.add_root_to_path()
    from pyinstrument import Profiler
    from sqlalchemy import event, text

    from app import create_app
    from app.core.extensions import db

    manifest = common.read_manifest(args.db)
    if manifest is None:
        raise SystemExit("no manifest: run bench/load.py first")
    app = create_app()
    wanted = args.pages.split(",") if args.pages else None
    chosen = [p for p in pages(manifest) if p.server == "app" and (wanted is None or p.key in wanted)]
    clients = {role: signed_in(app, manifest["users"][role][0], manifest["password"])
               for role in {p.role for p in chosen if p.role}}

    stats = {"n": 0, "t": 0.0}
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        stats["n"] += 1
        stats["t"] += time.perf_counter() - conn.info.pop("t0", time.perf_counter())

    user = ", ".join(manifest["users"][role][0] for role in sorted(clients))
    out = {"db": args.db, "iterations": args.iterations, "user": user, "code": common.code_version(), "pages": []}
    for page in chosen:
        key, label, call = page.key, page.label, caller(page, *clients.get(page.role, (app.test_client(), "")))
        if page.before:
            with app.app_context():
                for statement in page.before:
                    db.session.execute(text(statement))
                db.session.commit()
        for i in range(20):
            assert call(i).status_code == 200
        stats.update(n=0, t=0.0)
        t0 = time.perf_counter()
        # Each loop sends requests the earlier ones did not (a write page books new times every time).
        for i in range(20, 20 + args.iterations):
            call(i)
        wall = time.perf_counter() - t0
        per = {"ms": wall / args.iterations * 1000, "queries": stats["n"] / args.iterations,
               "sql_ms": stats["t"] / args.iterations * 1000}
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for i in range(20 + args.iterations, 20 + 2 * args.iterations):
            call(i)
        profiler.stop()
        session = profiler.last_session
        acc: dict = defaultdict(float)
        areas: dict = defaultdict(float)
        root = session.root_frame()
        collect(root, acc, areas)
        total = sum(acc.values()) or 1.0
        top = sorted(acc.items(), key=lambda kv: kv[1], reverse=True)[:20]
        entry = {
            "key": key, "label": label, "ms_per_request": round(per["ms"], 3),
            "queries_per_request": round(per["queries"], 2), "sql_ms_per_request": round(per["sql_ms"], 3),
            "areas": [(name, round(t / total, 4)) for name, t in sorted(areas.items(), key=lambda kv: -kv[1])],
            "top": [{"function": f, "where": f"{short(p)}:{line}", "share": round(t / total, 4),
                     "ms_per_request": round(t / args.iterations * 1000, 3)} for (f, p, line), t in top],
        }
        out["pages"].append(entry)
        if args.html:
            args.html.mkdir(parents=True, exist_ok=True)
            (args.html / f"profile-{args.db}-{key}.html").write_text(profiler.output_html())
        print(f"\n== {label}: {per['ms']:.2f} ms/request, {per['queries']:.1f} SQL/request "
              f"({per['sql_ms']:.2f} ms in the driver)")
        for name, share in entry["areas"][:8]:
            print(f"   {share:6.1%}  {name}")
        for f in entry["top"][:10]:
            print(f"   {f['share']:6.1%}  {f['function']}  {f['where']}")
    if args.out:
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
