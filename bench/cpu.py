"""CPU per request, page by page: the quick check behind bench/LEARNED.md's "floor" numbers.

    .venv/bin/python bench/cpu.py [--db sqlite] [--pages bare,reference,empty,list,show] [--seconds 8] [--rounds 2]

Serves the app and the bare route with the benchmark's gunicorn settings, signs in like run.py, and drives each
page with 16 clients. For each run it prints req/s and the gunicorn workers' user and system CPU per request
(from /proc), so a change's cost shows even when this machine's req/s drift between runs. Besides run.py's pages
(bench/pages.py) it knows `empty` (the signed-in list with a search that finds nobody: session, layout, filters,
no rows) and `healthz` (no session, one SELECT 1). Nothing is written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import run  # noqa: E402
from pages import extra_pages, pages  # noqa: E402


def worker_cpu(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a gunicorn master's workers."""
    user = system = 0
    for child in run._children(pid):
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        user, system = user + int(fields[11]), system + int(fields[12])
    tick = os.sysconf("SC_CLK_TCK")
    return user / tick, system / tick


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pages", default="bare,reference,empty,list,show")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args(argv)
    settings = argparse.Namespace(workers=2, worker_class="gthread", threads=2)
    manifest = common.read_manifest(args.db)
    if manifest is None:
        raise SystemExit("no manifest: run bench/load.py first")
    bare = run.start_server("bare", "bench.bare:app", dict(os.environ), settings)
    app = run.start_server(f"app-{args.db}", "wsgi:app", common.app_env(args.db), settings, chdir=common.APP_DIR)
    try:
        known = {page.key: page for page in pages(manifest) + extra_pages(manifest)}
        chosen = [known[key] for key in args.pages.split(",")]
        sessions = {role: [run.sign_in(app.port, user, manifest["password"]) for user in manifest["users"][role]]
                    for role in {page.role for page in chosen if page.role}}
        meter = run.CpuMeter({"app": [app.proc.pid], "bare": [bare.proc.pid]})
        warmup = 1.0
        for _ in range(args.rounds):
            for page in chosen:
                server = bare if page.server == "bare" else app
                before = worker_cpu(server.proc.pid)
                result = run.drive(page, server.port, sessions[page.role] if page.role else [None], args.clients,
                                   warmup, args.seconds, meter, "raw", 20)
                after = worker_cpu(server.proc.pid)
                served = result.ok * (args.seconds + warmup) / args.seconds  # the warm-up used CPU too
                user, system = ((b - a) / served * 1000 for a, b in zip(before, after, strict=True))
                print(f"{page.key:9s} {result.rps:7.1f} req/s   user {user:.2f} ms   system {system:.2f} ms per request")
    finally:
        app.stop()
        bare.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
