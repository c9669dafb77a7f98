"""The driver's own ceiling: run.py's Python client against wrk on the bare route and the signed-in reference.

    .venv/bin/python bench/wrk_check.py [--db sqlite] [--seconds 10] [--rounds 2] [--clients 16]

Serves both apps with the benchmark's gunicorn settings (like run.py; the database must be loaded), signs in once,
and alternates, per page and round, a run of run.py's client and a run of wrk (`/usr/bin/wrk -t2`, the session
cookie sent with -H) with the same number of connections. Prints req/s, p50/p99 and the CPU the load generator
itself used, as a Markdown table for bench/README.md. Nothing is written.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import run  # noqa: E402
from pages import pages  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * UNITS[unit]


def run_wrk(url: str, clients: int, seconds: float, cookie: str | None, meter: run.CpuMeter) -> dict:
    """One wrk run (after a 2 s warm-up run): req/s, p50, p99, non-2xx answers, wrk's CPU and everything
    else's outside the servers, in cores."""
    cmd = [WRK, "-t2", f"-c{clients}", "--timeout", "30s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    subprocess.run([*cmd, "-d2s", url], capture_output=True, check=True, timeout=60)
    before, a = resource.getrusage(resource.RUSAGE_CHILDREN), meter.snapshot()
    out = subprocess.run([*cmd, f"-d{seconds:g}s", url], capture_output=True, text=True, check=True,
                         timeout=seconds + 60).stdout
    after, b = resource.getrusage(resource.RUSAGE_CHILDREN), meter.snapshot()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    other = max(0.0, run.CpuMeter.delta(a, b)["other"] - cpu / seconds)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)), "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
            "errors": int(bad.group(1)) if bad else 0, "client_cores": cpu / seconds, "other": other}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args(argv)
    settings = argparse.Namespace(workers=2, worker_class="gthread", threads=2)
    manifest = common.read_manifest(args.db)
    if manifest is None:
        raise SystemExit("no manifest: run bench/load.py first")
    chosen = [p for p in pages(manifest) if p.kind in ("bare", "reference")]
    bare = run.start_server("bare", "bench.bare:app", dict(os.environ), settings)
    app = run.start_server(f"app-{args.db}", "wsgi:app", common.app_env(args.db), settings, chdir=common.APP_DIR)
    rows = []
    try:
        # One session for both generators: wrk sends one cookie on all its connections.
        session = run.sign_in(app.port, manifest["users"]["manager"][0], manifest["password"])
        meter = run.CpuMeter({"app": [app.proc.pid], "bare": [bare.proc.pid]})
        for page in chosen:  # wrk counts a redirect to the sign-in page as a success: check the cookie works first
            check = run.check_page(page, bare.port if page.server == "bare" else app.port, session if page.role else None)
            if check["problems"]:
                raise SystemExit(f"{page.key}: {'; '.join(check['problems'])}")
        for round_no in range(1, args.rounds + 1):
            for page in chosen:
                server = bare if page.server == "bare" else app
                sess = session if page.role else None
                r = run.drive(page, server.port, [sess], args.clients, 2.0, args.seconds, meter, "raw", 20)
                rows.append((page.key, round_no, "run.py client", r.rps, r.pct(.5), r.pct(.99), r.errors,
                             r.cpu["client"], r.cpu["other"]))
                w = run_wrk(f"http://{run.HOST}:{server.port}{page.paths[0]}", args.clients, args.seconds,
                            f"{sess.cookie_name}={sess.cookie}" if sess else None, meter)
                rows.append((page.key, round_no, "wrk -t2", w["rps"], w["p50"], w["p99"], w["errors"],
                             w["client_cores"], w["other"]))
                for row in rows[-2:]:
                    print(f"{row[0]:9} round {row[1]} {row[2]:13} {row[3]:8.1f} req/s  p50 {row[4]:5.1f} ms  "
                          f"p99 {row[5]:5.1f} ms  errors {row[6]}  generator {row[7]:.2f} cores  other {row[8]:.2f}",
                          flush=True)
    finally:
        app.stop()
        bare.stop()
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.db}, {args.clients} connections, "
          f"{args.seconds:g} s runs, code {common.code_version()}\n")
    print("| page | round | load generator | req/s | p50 ms | p99 ms | errors | generator CPU (cores) | other (cores) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} | {row[3]:,.0f} | {row[4]:.1f} | {row[5]:.1f} | {row[6]} | "
              f"{row[7]:.2f} | {row[8]:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
