"""`make bench`: load the data, serve the app and a bare Flask route with gunicorn, drive both, write RESULTS.md.

    .venv/bin/python bench/run.py [--db sqlite|postgres]... [--duration 15] [--quick] [--only KEY]... [--reload]
                                  [--customers 100000]

For each database (SQLite always; PostgreSQL too when DATABASE_URL is set, in the dedicated database
yinjian_bench or BENCH_PG_DATABASE), signed in as staff of branch 1, every page of bench/pages.py runs at 4
and at 16 concurrent clients: a warm-up, then a measured run, each request's latency recorded. The bare route
(bench/bare.py, its own gunicorn with the same settings) and the app's signed-in reference page are measured
three times in each block, before, between and after the pages; each page's req/s is compared with the mean
of the reference's, the reference's with the bare route's, and RESULTS.md says PASS or FAIL against the page
budget. Everything is on 127.0.0.1, every loop is bounded in time, and the script stops its servers by itself.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from load import FULL_SIZE, customer_count  # noqa: E402
from pages import ROW_MARK, Page, missing_feature, pages, problems  # noqa: E402

HOST = "127.0.0.1"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# The page budget (shared/performance.md, "The page budget"; issue 9).
RATIO_CLIENTS = 16  # the throughput ratios are taken at this many clients
PAGE_RATIO = 0.50  # req/s of a page / req/s of the signed-in reference
REFERENCE_RATIO = 0.20  # req/s of the signed-in reference / req/s of the bare route
LATENCY_CLIENTS = 4  # the latency limits hold at this many clients
LATENCY_MS = {"sqlite": (15.0, 60.0), "postgres": (25.0, 100.0)}  # p50, p99
ENGINE = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
OTHER_LOAD_LIMIT = 0.25  # cores used by processes outside the benchmark before a run counts as disturbed


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# ---------------------------------------------------------------- CPU accounting (who used the 2 cores)


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return None


TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float | None:
    text = _read(f"/proc/{pid}/stat")
    if text is None:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _children(pid: int) -> list[int]:
    out = []
    text = _read(f"/proc/{pid}/task/{pid}/children")
    for child in (text or "").split():
        out.append(int(child))
        out.extend(_children(int(child)))
    return out


def _pg_backends() -> list[int]:
    """PostgreSQL backends serving the benchmark database (part of the system under test)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        cmd = _read(f"/proc/{entry}/cmdline")
        if cmd and cmd.startswith("postgres:") and common.PG_DATABASE in cmd.replace("\0", " ").split():
            pids.append(int(entry))
    return pids


def _busy_seconds() -> tuple[float, float]:
    fields = [int(x) for x in (_read("/proc/stat") or "cpu 0 0 0 0").splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = (fields + [0] * 8)[:7]
    steal = fields[7] if len(fields) > 7 else 0
    return (user + nice + system + irq + softirq) / TICK, steal / TICK


class CpuMeter:
    """CPU seconds used by each group (client, app, bare, db) and by everything else on the machine."""

    def __init__(self, groups: dict[str, list[int]]):
        self.roots = groups

    def _pids(self) -> dict[str, list[int]]:
        pids = {"client": [os.getpid()]}
        for name, roots in self.roots.items():
            pids[name] = [p for r in roots for p in (r, *_children(r))]
        pids["db"] = _pg_backends()
        return pids

    def snapshot(self) -> dict:
        busy, steal = _busy_seconds()
        per = {}
        for name, pids in self._pids().items():
            per[name] = {p: _proc_cpu(p) for p in pids}
        return {"t": time.perf_counter(), "busy": busy, "steal": steal, "per": per}

    @staticmethod
    def delta(a: dict, b: dict) -> dict:
        """Cores used per group between two snapshots (1.0 = one core busy all the time)."""
        wall = max(b["t"] - a["t"], 1e-6)
        out = {}
        ours = 0.0
        for name, pids in b["per"].items():
            used = sum(v - (a["per"].get(name, {}).get(p) or v) for p, v in pids.items() if v is not None)
            out[name] = used / wall
            ours += used
        out["other"] = max(0.0, (b["busy"] - a["busy"]) - ours) / wall
        out["steal"] = (b["steal"] - a["steal"]) / wall
        return out


def other_load(meter: CpuMeter, seconds: float = 1.0) -> float:
    a = meter.snapshot()
    time.sleep(seconds)
    return CpuMeter.delta(a, meter.snapshot())["other"]


def run_sql(kind: str, statements: tuple[str, ...]) -> int:
    """Statements on the bench database in one transaction, outside the app (a write page's `before`); rows
    they touched."""
    from sqlalchemy import create_engine, text

    engine = create_engine(common.database_url(kind))
    try:
        with engine.begin() as conn:
            return sum(conn.execute(text(statement)).rowcount for statement in statements)
    finally:
        engine.dispose()


def wait_for_quiet(meter: CpuMeter, limit_s: float) -> float:
    """Wait (at most limit_s) until other processes use less than OTHER_LOAD_LIMIT cores."""
    deadline = time.monotonic() + limit_s
    load = other_load(meter)
    told = False
    while load > OTHER_LOAD_LIMIT and time.monotonic() < deadline:
        if not told:
            log(f"  other processes use {load:.2f} cores; waiting up to {limit_s:.0f} s for a quiet machine")
            told = True
        time.sleep(2)
        load = other_load(meter)
    return load


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    log_path: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def gunicorn_args(args) -> list[str]:
    out = ["-w", str(args.workers), "-k", args.worker_class]
    if args.worker_class == "gthread":
        out += ["--threads", str(args.threads), "--keep-alive", "5"]
    tmp = "/dev/shm"  # noqa: S108 - gunicorn's worker heartbeat files, kept off the disk
    return out + ["--worker-tmp-dir", tmp, "--graceful-timeout", "5", "--timeout", "60"]


def start_server(name: str, target: str, env: dict, args, chdir: Path = common.ROOT) -> Server:
    port = free_port()
    common.DATA_DIR.mkdir(parents=True, exist_ok=True)
    log_path = common.DATA_DIR / f"gunicorn-{name}.log"
    log_path.unlink(missing_ok=True)  # this run's errors only
    cmd = [sys.executable, "-m", "gunicorn", *gunicorn_args(args), "-b", f"{HOST}:{port}", "--chdir",
           str(chdir), "--error-logfile", str(log_path), target]  # access log: off (gunicorn default)
    # cwd too: `python -m` puts the working directory first on sys.path, before PYTHONPATH.
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, cwd=str(chdir))
    server = Server(name, proc, port, log_path)
    path = "/bare" if name == "bare" else "/login"
    deadline = time.monotonic() + 40
    import httpx

    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn {name} exited early; see {log_path}")
        try:
            if httpx.get(f"http://{HOST}:{port}{path}", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.stop()
    raise SystemExit(f"gunicorn {name} did not answer within 40 s; see {log_path}")


# ---------------------------------------------------------------- signing in


@dataclass
class Session:
    username: str
    cookie_name: str
    cookie: str
    csrf: str


def sign_in(port: int, username: str, password: str) -> Session:
    import httpx

    with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=30) as client:
        page = client.get("/login")
        token = CSRF_RE.search(page.text).group(1)
        response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        if response.status_code not in (302, 303):
            raise SystemExit(f"sign-in as {username} failed: HTTP {response.status_code}")
        home = client.get("/", follow_redirects=True)  # the role's home page: its forms carry the session's token
        if home.status_code != 200:
            raise SystemExit(f"{username}: the home page answered {home.status_code} after sign-in")
        csrf = html.unescape(CSRF_RE.search(home.text).group(1))
        name, value = next((c.name, c.value) for c in client.cookies.jar if c.name.endswith("session"))
        return Session(username, name, value, csrf)


# ---------------------------------------------------------------- pages (the list is in bench/pages.py)


def check_page(page: Page, port: int, session: Session | None) -> dict:
    """One request through httpx: status, size and what the page must show, before measuring anything."""
    import httpx

    headers = {}
    cookies = {}
    if session:
        cookies[session.cookie_name] = session.cookie
        headers["X-CSRFToken"] = session.csrf
    if page.htmx:
        headers["HX-Request"] = "true"
    with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=30, cookies=cookies) as client:
        if page.method == "POST":
            r = client.post(page.paths[0], content=page.forms[0].encode(), headers={
                **headers, "Content-Type": "application/x-www-form-urlencoded"})
        else:
            r = client.get(page.paths[0], headers=headers)
    return {"status": r.status_code, "bytes": len(r.content), "rows": r.text.count(ROW_MARK),
            "problems": problems(page, r.status_code, r.text), "missing": missing_feature(page, r.status_code, r.text)}


class RawClient:
    """A keep-alive HTTP/1.1 client on a plain socket: the least client CPU per request in Python."""

    def __init__(self, port: int, session: Session | None):
        self.port = port
        self.sock: socket.socket | None = None
        self.session = session
        self.cookie = f"{session.cookie_name}={session.cookie}".encode() if session else b""

    def _connect(self) -> None:
        self.sock = socket.create_connection((HOST, self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def build(self, sc: Page, index: int) -> bytes:
        path = sc.paths[index % len(sc.paths)]
        lines = [f"{sc.method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", "Accept: text/html",
                 "Accept-Encoding: identity"]
        if self.session:
            lines.append("Cookie: " + self.cookie.decode())
            if sc.method == "POST":
                lines.append(f"X-CSRFToken: {self.session.csrf}")
        if sc.htmx:
            lines.append("HX-Request: true")
        body = b""
        if sc.forms:
            body = sc.forms[index % len(sc.forms)].encode()
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def request(self, payload: bytes) -> tuple[int, int]:
        """Send one request, read the whole response; returns (status, body bytes). Retries a stale connection."""
        for attempt in (0, 1):
            reused = self.sock is not None
            if self.sock is None:
                self._connect()
            try:
                self.sock.sendall(payload)
                return self._response()
            except (ConnectionError, _Stale):
                self.close()
                if not reused or attempt:
                    raise
        raise ConnectionError("unreachable")

    def _response(self) -> tuple[int, int]:
        sock = self.sock
        buf = b""
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            chunk = sock.recv(65536)
            if not chunk:
                raise _Stale()
            buf += chunk
        head = buf[:end].lower()
        status = int(head[9:12])
        body = len(buf) - end - 4
        pos = head.find(b"\r\ncontent-length:")
        close = b"\r\nconnection: close" in head
        if pos >= 0:
            eol = head.find(b"\r\n", pos + 2)
            length = int(head[pos + 17:eol if eol >= 0 else len(head)])
            while body < length:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed mid-body")
                body += len(chunk)
        else:  # no length: read to close
            while chunk := sock.recv(65536):
                body += len(chunk)
            close = True
        if close:
            self.close()
        return status, body


class _Stale(Exception):
    pass


class HttpxClient:
    """The same interface over httpx.Client (keep-alive pool of one): for comparing client overhead."""

    def __init__(self, port: int, session: Session | None):
        import httpx

        cookies = {session.cookie_name: session.cookie} if session else {}
        self.session = session
        self.client = httpx.Client(base_url=f"http://{HOST}:{port}", cookies=cookies, timeout=30,
                                   limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))

    def build(self, sc: Page, index: int) -> tuple:
        headers = {"Accept": "text/html"}
        if self.session and sc.method == "POST":
            headers["X-CSRFToken"] = self.session.csrf
        if sc.htmx:
            headers["HX-Request"] = "true"
        body = None
        if sc.forms:
            body = sc.forms[index % len(sc.forms)].encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return sc.method, sc.paths[index % len(sc.paths)], body, headers

    def request(self, payload: tuple) -> tuple[int, int]:
        method, path, body, headers = payload
        response = self.client.request(method, path, content=body, headers=headers)
        return response.status_code, len(response.content)

    def close(self) -> None:
        pass  # the pool keeps its connection until the thread ends

    def shutdown(self) -> None:
        self.client.close()


@dataclass
class RunResult:
    key: str
    concurrency: int
    seconds: float
    ok: int
    errors: int
    latencies_ms: list[float]
    cpu: dict
    error_samples: list[str]

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = self.latencies_ms
        return data[min(len(data) - 1, int(q * len(data)))]


def drive(sc: Page, port: int, sessions: list[Session | None], concurrency: int, warmup: float,
          duration: float, meter: CpuMeter, client_kind: str = "raw", reconnect: int = 0) -> RunResult:
    """Warm up, then measure, with one thread and one keep-alive connection per client; bounded in time."""
    start_barrier = threading.Barrier(concurrency + 1)
    t_measure = [0.0]
    t_end = [0.0]
    lat: list[list[float]] = [[] for _ in range(concurrency)]
    errs = [0] * concurrency
    samples: list[str] = []
    last_done = [0.0] * concurrency

    def worker(i: int) -> None:
        maker = HttpxClient if client_kind == "httpx" else RawClient
        client = maker(port, sessions[i % len(sessions)])
        payloads = [client.build(sc, k) for k in range(sc.payload_count())]
        count = len(payloads)
        # Each client walks the ids from its own place; a write page's clients walk disjoint stretches, so none
        # repeats a booking another client made in the same run.
        k = i * count // concurrency if sc.before else i * 7919
        mine = lat[i]
        perf = time.perf_counter
        start_barrier.wait()
        measure_from, stop_at = t_measure[0], t_end[0]
        try:
            while True:
                t0 = perf()
                if t0 >= stop_at:
                    break
                payload = payloads[k % count]
                k += 1
                if reconnect and k % reconnect == 0:
                    client.close()  # a new connection now and then: gunicorn hands it to whichever worker accepts
                try:
                    status, _ = client.request(payload)
                except Exception as exc:  # noqa: BLE001 - any failure of one request is counted as an error
                    status = -1
                    client.close()
                    if len(samples) < 5:
                        samples.append(repr(exc))
                t1 = perf()
                if t0 >= measure_from:
                    if 200 <= status < 300:
                        mine.append((t1 - t0) * 1000.0)
                    else:
                        errs[i] += 1
                        if status != -1 and len(samples) < 5:
                            samples.append(f"HTTP {status}")
                    last_done[i] = t1
        finally:
            client.close()
            if hasattr(client, "shutdown"):
                client.shutdown()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    t_measure[0] = now + warmup
    t_end[0] = now + warmup + duration
    start_barrier.wait()
    time.sleep(max(0.0, t_measure[0] - time.perf_counter()))
    a = meter.snapshot()
    time.sleep(max(0.0, t_end[0] - time.perf_counter()))
    b = meter.snapshot()
    for t in threads:
        t.join(timeout=65)  # a request in flight finishes (gunicorn timeout 60 s), then the thread ends
    elapsed = max(max(last_done), t_end[0]) - t_measure[0]
    latencies = sorted(x for xs in lat for x in xs)
    return RunResult(sc.key, concurrency, elapsed, len(latencies), sum(errs), latencies, CpuMeter.delta(a, b),
                     samples)


# ---------------------------------------------------------------- one database


def measure_database(kind: str, args, bare: Server, results: dict) -> None:
    log(f"=== {kind} ===")
    cmd = [sys.executable, str(common.BENCH_DIR / "load.py"), "--db", kind, "--customers", str(args.customers)]
    cmd += ["--reload"] if args.reload else []
    if args.app_dir:
        cmd += ["--app-dir", str(args.app_dir)]
    load_env = dict(os.environ)
    if subprocess.run(cmd, env=load_env, check=False).returncode != 0:
        raise SystemExit(f"loading {kind} failed")
    manifest = common.read_manifest(kind)
    env = common.app_env(kind)
    code = common.code_version()
    app_server = start_server(f"app-{kind}", "wsgi:app", env, args, chdir=common.APP_DIR)
    log(f"serving the app from {common.APP_DIR} at {code}")
    measured_keys: list[str] = []
    try:
        meter = CpuMeter({"app": [app_server.proc.pid], "bare": [bare.proc.pid]})
        listed = [p for p in pages(manifest) if not args.only or p.key in args.only or p.kind != "page"]
        roles = sorted({p.role for p in listed if p.role})
        for role in roles:
            if not manifest["users"].get(role):
                raise SystemExit(f"the bench data has no {role} in branch 1 (bench/load.py)")

        def sign_in_all(clients: int) -> dict[str, list[Session]]:
            # Fresh sessions per block: the signed cookie must stay within the 30-minute idle lifetime.
            t0 = time.perf_counter()
            out = {}
            for role in roles:
                users = manifest["users"][role]
                out[role] = [sign_in(app_server.port, users[i % len(users)], manifest["password"])
                             for i in range(clients)]
            names = sorted({s.username for sessions in out.values() for s in sessions})
            log(f"signed in {clients} sessions per role as {', '.join(names)} (branch 1) "
                f"in {time.perf_counter() - t0:.1f} s")
            return out

        sessions = sign_in_all(1)
        checks, skipped = {}, {}
        for page in listed:
            port = bare.port if page.server == "bare" else app_server.port
            c = checks[page.key] = check_page(page, port, sessions[page.role][0] if page.role else None)
            if c["missing"]:
                skipped[page.key] = c["missing"]
                log(f"skip  {page.key:13} {c['missing']}")
                continue
            log(f"check {page.key:13} HTTP {c['status']} {c['bytes']:>7,} bytes {c['rows']:>3} rows"
                + (f"  PROBLEM: {'; '.join(c['problems'])}" if c["problems"] else ""))
        measured = [p for p in listed if p.key not in skipped]
        measured_keys = [p.key for p in measured]
        runs: dict[int, list[RunResult]] = {}
        for conc in args.concurrency:
            runs[conc] = []
            sessions = sign_in_all(conc)
            for page in measuring_order(measured, conc):
                port = bare.port if page.server == "bare" else app_server.port
                sess = sessions[page.role] if page.role else [None]
                best = None
                for attempt in range(1 + args.retries):
                    if page.before:
                        run_sql(kind, page.before)
                    quiet = wait_for_quiet(meter, args.quiet_wait)
                    r = drive(page, port, sess, conc, args.warmup, args.duration, meter, args.client,
                              args.reconnect_every)
                    r.cpu["other_before"] = quiet
                    if best is None or r.cpu["other"] < best.cpu["other"]:
                        best = r
                    log(f"{kind:8} c={conc:<2} {page.key:13} {r.rps:8.1f} req/s  p50 {r.pct(.5):6.1f} ms  "
                        f"p99 {r.pct(.99):6.1f} ms  err {r.errors}  cpu app {r.cpu.get('app', 0):.2f} "
                        f"db {r.cpu.get('db', 0):.2f} bare {r.cpu.get('bare', 0):.2f} client {r.cpu['client']:.2f} "
                        f"other {r.cpu['other']:.2f}" + (f"  errors: {r.error_samples}" if r.error_samples else ""))
                    if r.cpu["other"] <= OTHER_LOAD_LIMIT:
                        break
                    if attempt < args.retries:
                        log("  other processes were busy during that run; measuring it again")
                runs[conc].append(best)
        results[kind] = {"manifest": manifest, "checks": checks, "skipped": skipped, "runs": runs, "code": code,
                         "pages": {p.key: p for p in listed}}
    finally:
        app_server.stop()
    if not args.no_profile:
        out = common.DATA_DIR / f"profile-{kind}.json"
        keys = [k for k in measured_keys if results[kind]["pages"][k].server == "app"]
        cmd = [sys.executable, str(common.BENCH_DIR / "profile_pages.py"), "--db", kind, "--out", str(out),
               "--iterations", str(args.profile_iterations), "--pages", ",".join(keys)]
        log(f"profiling {kind} in-process ({args.profile_iterations} requests per page) ...")
        if args.app_dir:
            cmd += ["--app-dir", str(args.app_dir)]
        try:
            # A minute a page is far more than a profile takes; a machine that slow still gets its report.
            if subprocess.run(cmd, env=env, check=False, timeout=60 * max(15, len(keys))).returncode == 0:
                results[kind]["profile"] = json.loads(out.read_text())
        except subprocess.TimeoutExpired:
            log(f"profiling {kind} took too long: the report goes without it")


def measuring_order(measured: list, conc: int) -> list:
    """The bare route and the reference run before, between and after the pages; at the ratio's concurrency the
    reference also runs between every two pages, so that each page is judged against the runs beside it (this
    machine's speed drifts by a quarter within minutes: three reference runs per block judged pages measured ten
    minutes apart)."""
    frames = [p for p in measured if p.kind != "page"]
    under_budget = [p for p in measured if p.kind == "page"]
    half = (len(under_budget) + 1) // 2
    if conc != RATIO_CLIENTS:
        return [*frames, *under_budget[:half], *frames, *under_budget[half:], *frames]
    bare_route = [p for p in frames if p.kind == "bare"]
    reference = [p for p in frames if p.kind == "reference"]
    order = [*frames]
    for i, page in enumerate(under_budget):
        order += [*(bare_route if i == half else ()), page, *reference]
    return order + bare_route


def neighbour_ratios(runs: list, reference_key: str, page_keys: set[str]) -> dict[str, float]:
    """Per page key: its req/s over the mean of the reference runs just before and after it (mean over the
    page's runs), the drift between distant runs left out."""
    ratios: dict[str, list[float]] = {}
    for i, run in enumerate(runs):
        if run.key not in page_keys:
            continue
        before = next((r.rps for r in reversed(runs[:i]) if r.key == reference_key), None)
        after = next((r.rps for r in runs[i + 1:] if r.key == reference_key), None)
        beside = [x for x in (before, after) if x]
        if beside:
            ratios.setdefault(run.key, []).append(run.rps / statistics.mean(beside))
    return {key: statistics.mean(values) for key, values in ratios.items()}


# ---------------------------------------------------------------- report


def summarize(kind_result: dict, conc: int) -> dict[str, dict]:
    """Per page key at one concurrency: req/s (mean of its runs), latency percentiles over all its requests,
    errors, CPU, and the ratios to the same block's reference and bare route (None when not measured)."""
    runs = kind_result["runs"][conc]
    out: dict[str, dict] = {}
    for key in dict.fromkeys(r.key for r in runs):
        same = [r for r in runs if r.key == key]
        lat = sorted(x for s in same for x in s.latencies_ms)
        merged = RunResult(key, conc, sum(s.seconds for s in same), sum(s.ok for s in same),
                           sum(s.errors for s in same), lat, same[0].cpu, [])
        cpu = {k: statistics.mean(s.cpu.get(k, 0.0) for s in same) for k in ("app", "db", "bare", "client", "other")}
        out[key] = {"key": key, "rps": statistics.mean(x.rps for x in same), "p50": merged.pct(.5),
                    "p99": merged.pct(.99), "errors": merged.errors, "requests": merged.ok, "cpu": cpu,
                    "runs": len(same), "rps_range": (min(x.rps for x in same), max(x.rps for x in same))}
    frames = {page.kind: out.get(key) for key, page in kind_result["pages"].items() if page.kind != "page"}
    reference_ok = frames.get("reference") and not kind_result["checks"]["reference"]["problems"]
    ref_rps = frames["reference"]["rps"] if reference_ok else None
    bare_rps = frames["bare"]["rps"] if frames.get("bare") else None
    reference_key = next((key for key, page in kind_result["pages"].items() if page.kind == "reference"), None)
    page_keys = {key for key, page in kind_result["pages"].items() if page.kind == "page"}
    beside = neighbour_ratios(runs, reference_key, page_keys) if ref_rps else {}
    for key, row in out.items():
        row["of_reference"] = beside.get(key, row["rps"] / ref_rps) if ref_rps else None
        row["of_bare"] = row["rps"] / bare_rps if bare_rps else None
    return out


def budget(kind: str, kind_result: dict, concurrency: list[int]) -> list[dict]:
    """One row per measured page with the numbers the budget reads and its verdict."""
    by_conc = {c: summarize(kind_result, c) for c in concurrency}
    high, low = by_conc.get(RATIO_CLIENTS, {}), by_conc.get(LATENCY_CLIENTS, {})
    p50_limit, p99_limit = LATENCY_MS[kind]
    rows = []
    for key, page in kind_result["pages"].items():
        if key in kind_result["skipped"] or not any(key in s for s in by_conc.values()):
            continue
        hi, lo = high.get(key), low.get(key)
        fails, unchecked = [], []
        if any(s[key]["errors"] for s in by_conc.values() if key in s):
            fails.append("errors")
        if kind_result["checks"][key]["problems"]:
            fails.append("wrong page")
        if page.kind == "page":
            if hi is None:
                unchecked.append(f"not run at {RATIO_CLIENTS} clients")
            elif hi["of_reference"] is None:
                fails.append("no reference measured")
            elif hi["of_reference"] < PAGE_RATIO:
                fails.append(f"{hi['of_reference']:.0%} < {PAGE_RATIO:.0%} of the reference")
            if lo is None:
                unchecked.append(f"not run at {LATENCY_CLIENTS} clients")
            else:
                page_p50 = min(p50_limit, page.p50_ms or p50_limit)  # a page may have a stricter target
                if lo["p50"] > page_p50:
                    fails.append(f"p50 {lo['p50']:.1f} > {page_p50:.0f} ms")
                if lo["p99"] > p99_limit:
                    fails.append(f"p99 {lo['p99']:.1f} > {p99_limit:.0f} ms")
        elif page.kind == "reference":
            if hi is None:
                unchecked.append(f"not run at {RATIO_CLIENTS} clients")
            elif hi["of_bare"] is None:
                fails.append("no bare route measured")
            elif hi["of_bare"] < REFERENCE_RATIO:
                fails.append(f"{hi['of_bare']:.0%} < {REFERENCE_RATIO:.0%} of the bare route")
        if fails:
            verdict = "FAIL (" + "; ".join(fails) + ")"
        elif unchecked:
            verdict = "not checked (" + "; ".join(unchecked) + ")"
        else:
            verdict = {"bare": "ceiling", "reference": f"PASS (≥ {REFERENCE_RATIO:.0%} of bare)"}.get(page.kind, "PASS")
        rows.append({"key": key, "page": page, "hi": hi, "lo": lo, "by_conc": by_conc, "verdict": verdict})
    return rows


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _lat(row: dict | None) -> str:
    return "—" if row is None else f"{row['p50']:.1f} / {row['p99']:.1f}"


def _rps(row: dict | None) -> str:
    return "—" if row is None else f"{row['rps']:,.0f}"


def budget_table(kind: str, rows: list[dict]) -> tuple[list[str], bool, bool]:
    """The per-page budget table, a summary line, whether the budget holds and whether it was fully checked."""
    out = [f"| page | req/s, {RATIO_CLIENTS} clients | of the reference | of the bare route (information) | "
           f"p50 / p99 ms, {LATENCY_CLIENTS} clients | p50 / p99 ms, {RATIO_CLIENTS} clients | "
           f"req/s, {LATENCY_CLIENTS} clients | errors | verdict |",
           "|---|---|---|---|---|---|---|---|---|"]
    failed, unchecked = [], []
    for row in rows:
        hi, lo, page = row["hi"], row["lo"], row["page"]
        of_ref = "—" if page.kind != "page" or hi is None else _pct(hi["of_reference"])
        of_bare = "—" if page.kind == "bare" or hi is None else _pct(hi["of_bare"])
        errors = sum(s[row["key"]]["errors"] for s in row["by_conc"].values() if row["key"] in s)
        label = f"**{page.label}**" if page.kind != "page" else page.label
        out.append(f"| {label} | {_rps(hi)} | {of_ref} | {of_bare} | {_lat(lo)} | {_lat(hi)} | {_rps(lo)} | "
                   f"{errors} | {row['verdict']} |")
        if row["verdict"].startswith("FAIL"):
            failed.append(row["key"])
        elif row["verdict"].startswith("not checked"):
            unchecked.append(row["key"])
    ref = next((r for r in rows if r["page"].kind == "reference"), None)
    ref_share = _pct(ref["hi"]["of_bare"]) if ref and ref["hi"] else "—"
    p50_limit, p99_limit = LATENCY_MS[kind]
    if failed:
        summary = (f"**{ENGINE[kind]}: the budget does not hold.** Failing: {', '.join(failed)}"
                   + (f"; not checked: {', '.join(unchecked)}" if unchecked else "") + ".")
    elif unchecked or ref is None:
        summary = (f"**{ENGINE[kind]}: the budget was not fully checked** (not checked: "
                   f"{', '.join(unchecked) or 'the reference'}); every other row passes.")
    else:
        pages_n = sum(r["page"].kind == "page" for r in rows)
        summary = (f"**{ENGINE[kind]}: the budget holds.** All {pages_n} pages serve at least {PAGE_RATIO:.0%} of "
                   f"the signed-in reference at {RATIO_CLIENTS} clients and stay within p50 {p50_limit:.0f} ms / "
                   f"p99 {p99_limit:.0f} ms at {LATENCY_CLIENTS}; the reference serves {ref_share} of the bare route.")
    return [summary, "", *out], not failed, not (unchecked or ref is None)


def detail_table(kind_result: dict, concurrency: list[int]) -> str:
    out = ["| clients | page | req/s (runs) | p50 ms | p99 ms | of reference | of bare | HTML bytes | "
           "CPU app / db / client / other (cores) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for conc in concurrency:
        for key, row in summarize(kind_result, conc).items():
            page = kind_result["pages"][key]
            rps = f"{row['rps']:,.0f}"
            if row["runs"] > 1:
                rps += f" ({row['rps_range'][0]:,.0f}–{row['rps_range'][1]:,.0f}, {row['runs']} runs)"
            cpu = row["cpu"]
            server = cpu["bare"] if page.server == "bare" else cpu["app"]
            out.append(f"| {conc} | {page.label} | {rps} | {row['p50']:.1f} | {row['p99']:.1f} | "
                       f"{'—' if page.kind != 'page' else _pct(row['of_reference'])} | "
                       f"{'—' if page.kind == 'bare' else _pct(row['of_bare'])} | "
                       f"{kind_result['checks'][key]['bytes']:,} | {server:.2f} / {cpu['db']:.2f} / "
                       f"{cpu['client']:.2f} / {cpu['other']:.2f} |")
    return "\n".join(out)


def machine_facts(args, codes: dict) -> list[str]:
    cpu_model = ""
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem = (_read("/proc/meminfo") or "MemTotal: 0 kB").splitlines()[0].split()[1]
    from importlib.metadata import version

    facts = [
        f"- **Code measured:** {', '.join(f'{k}: {v}' for k, v in codes.items())}"
        + (f" (served from {common.APP_DIR.relative_to(common.ROOT) if common.APP_DIR.is_relative_to(common.ROOT) else common.APP_DIR})"
           if common.APP_DIR != common.ROOT else ""),
        f"- **Machine:** {os.cpu_count()} CPUs (`nproc`), {cpu_model}, {int(mem) / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.platform()}",
        f"- **Software:** Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, Flask {version('flask')}, "
        f"Jinja2 {version('jinja2')}, SQLAlchemy {version('sqlalchemy')}, gunicorn {version('gunicorn')}, "
        f"psycopg {version('psycopg')}" + (f", {pg_version()}" if common.pg_server_url() else ""),
        f"- **gunicorn (app and bare alike):** `{' '.join(gunicorn_args(args))}`, access log off, "
        f"127.0.0.1; app env SESSION_COOKIE_SECURE=0, RATELIMIT_ENABLED=0, fixed bench secrets",
        "- **Clients:** one thread and one keep-alive connection per client in the driver process ("
        + ("httpx.Client" if args.client == "httpx" else "a minimal HTTP/1.1 socket client, see bench/README.md")
        + f", a new connection every {args.reconnect_every} requests"
        + f"); warm-up {args.warmup:g} s, then {args.duration:g} s measured, each latency recorded "
        f"(send to last byte). CPU columns: cores used during the measured run by the server under test "
        f"(gunicorn workers), the PostgreSQL backends, the driver itself, and every other process on the machine.",
    ]
    return facts


def pg_version() -> str:
    try:
        import psycopg

        url = common.with_database(common.pg_server_url(), "postgres").replace("+psycopg", "")
        with psycopg.connect(url, connect_timeout=5) as conn:
            return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except Exception:  # noqa: BLE001 - a fact for the report only
        return "PostgreSQL (version unknown)"


def write_results(path: Path, results: dict, args, started: str, elapsed: float) -> bool:
    sizes = {m["counts"]["customer"] for m in (r["manifest"] for r in results.values())}
    lines = ["# Benchmark results", "",
             f"Written by `make bench` (bench/run.py) on {started}; the whole run took {elapsed / 60:.1f} min. "
             "Every number below was measured in that run; nothing is copied from elsewhere.", "",
             "## Machine and settings", "",
             *machine_facts(args, {k: r.get("code", "?") for k, r in results.items()}), "",
             "## The page budget", "",
             f"- At {RATIO_CLIENTS} clients every page serves at least {PAGE_RATIO:.0%} of the **signed-in reference**'s "
             "req/s (the real app, signed in through the real session, guard, CSRF, layout and navigation, rendering "
             "50 constant rows with no query beyond the session: `/bench/reference`).",
             f"- The signed-in reference serves at least {REFERENCE_RATIO:.0%} of the **bare route**'s req/s (Flask and "
             "Jinja alone, the same 50 rows; the stack's ceiling).",
             f"- At {LATENCY_CLIENTS} clients every page has p50 ≤ {LATENCY_MS['sqlite'][0]:.0f} ms and p99 ≤ "
             f"{LATENCY_MS['sqlite'][1]:.0f} ms on SQLite, p50 ≤ {LATENCY_MS['postgres'][0]:.0f} ms and p99 ≤ "
             f"{LATENCY_MS['postgres'][1]:.0f} ms on PostgreSQL; a page with a target of its own (the lobby's look-up "
             "10 ms, walk-in submit 25 ms, queue refresh 15 ms) meets the stricter of the two.",
             "- All in the same run and on the same engine: the bare route and the reference run before, between and "
             f"after the pages of each block; at {RATIO_CLIENTS} clients the reference also runs between every two "
             "pages, and a page's ratio is to the mean of the reference runs just before and after it (the machine's "
             "speed drifts within minutes). The reference's own ratio to the bare route uses the means of all their "
             "runs, and is shown for information with the pages'; it is not part of a page's verdict.",
             "- How to read it: bench/README.md, \"Reading RESULTS.md\".", ""]
    sections, verdicts = [], []
    all_ok = fully_checked = True
    for kind, res in results.items():
        m = res["manifest"]
        load_note = (f"reused (built in {m['load_seconds']:.1f} s on {m['loaded_at']})" if m.get("reused")
                     else f"{m['load_seconds']:.1f} s")
        roles = sorted({p.role for p in res["pages"].values() if p.role})
        signed_in = "; ".join(f"{role}: {', '.join(m['users'][role])}" for role in roles)
        sections += [f"## {ENGINE[kind]}", "",
                     f"- **Data:** {m['counts']['branch']} branches, {m['counts']['user']} staff, "
                     f"{m['counts']['customer']:,} customers, {m['counts']['activity']:,} activities "
                     f"(+ one tier decision and one audit row per customer); database `{m['url']}`.",
                     f"- **Load time:** {load_note}; steps (s): {m['timings']}.",
                     f"- **Signed in as** (branch 1, {m['branch1_customers']:,} customers): {signed_in}; one "
                     "server-side session per client.", ""]
        if res["skipped"]:
            sections += ["Not measured, because the app does not have them yet (they are measured once it does):", ""]
            sections += [f"- `{key}` ({res['pages'][key].label}): {note}." for key, note in res["skipped"].items()]
            sections.append("")
        text, ok, checked = budget_table(kind, budget(kind, res, args.concurrency))
        load_ok = m.get("reused") or m["load_seconds"] < 180
        all_ok &= ok and load_ok
        fully_checked &= checked
        verdicts.append(text[0] + ("" if load_ok else " Loading the data took over 3 minutes."))
        sections += [f"### The budget, page by page ({ENGINE[kind]})", "", *text, "",
                     f"### Every run ({ENGINE[kind]})", "", detail_table(res, args.concurrency), ""]
        failed = [(c, r.key, r.errors, r.error_samples) for c in args.concurrency for r in res["runs"][c] if r.errors]
        if failed:
            sections += ["Errors (non-2xx answers or broken connections; see bench/data/gunicorn-app-*.log):", ""]
            sections += [f"- {k} at {c} clients: {n} errors, e.g. {', '.join(dict.fromkeys(samples)) or '?'}"
                         for c, k, n, samples in failed]
            sections.append("")
        noisy = [(c, r.key) for c in args.concurrency for r in res["runs"][c] if r.cpu["other"] > OTHER_LOAD_LIMIT]
        if noisy:
            sections += [f"Runs during which other processes on the machine used more than {OTHER_LOAD_LIMIT} cores "
                         f"(their numbers are less trustworthy): {', '.join(f'{k} at {c}' for c, k in noisy)}.", ""]
        if "profile" in res:
            sections += profile_section(res["profile"])
    overall = ("**PASS**: the budget holds on every engine measured." if all_ok and fully_checked else
               "**PASS as far as measured**: see the rows marked \"not checked\"." if all_ok else
               "**FAIL**: see the rows marked FAIL below.")
    if sizes != {100_000}:
        overall += f" (Smoke data: {', '.join(f'{n:,}' for n in sorted(sizes))} customers, not the budget's 100,000.)"
    lines += ["## Verdict", "", overall, "", *[f"- {v}" for v in verdicts], "", *sections]
    notes = common.BENCH_DIR / "LEARNED.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    path.write_text("\n".join(lines))
    return all_ok


def profile_section(profile: dict) -> list[str]:
    lines = [f"### Where the time goes ({profile['db']}, in-process profile)", "",
             f"pyinstrument over {profile['iterations']} requests per page through app.test_client, signed in as "
             f"{profile['user']}, code {profile.get('code', '?')}; ms/request measured without the profiler.", ""]
    for page in profile["pages"]:
        lines += [f"**{page['label']}** — {page['ms_per_request']:.2f} ms/request, "
                  f"{page['queries_per_request']:.1f} SQL statements/request "
                  f"({page['sql_ms_per_request']:.2f} ms in the database driver)", "",
                  "| share | by area |", "|---|---|"]
        lines += [f"| {share:.0%} | {area} |" for area, share in page["areas"]]
        lines += ["", "| self time | function |", "|---|---|"]
        lines += [f"| {f['share']:.1%} | `{f['function']}` {f['where']} |" for f in page["top"][:12]]
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), action="append",
                        help="database(s) (default: sqlite, plus postgres when DATABASE_URL is set)")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per run (default 15)")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds before each run (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 s runs, 1 s warm-up, no retries; "
                        "writes bench/data/RESULTS-quick.md instead of bench/RESULTS.md")
    parser.add_argument("--concurrency", type=int, action="append", help="clients (default: 4 and 16)")
    parser.add_argument("--only", action="append", help="only these page keys of bench/pages.py (the bare route and "
                        "the reference always run)")
    parser.add_argument("--customers", type=customer_count, default=FULL_SIZE, help=f"customers in the bench data "
                        f"(default {FULL_SIZE:,}); fewer for smoke runs, which write bench/data/RESULTS-quick.md")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread", choices=("gthread", "sync"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reload", action="store_true", help="rebuild the databases")
    parser.add_argument("--reconnect-every", type=int, default=20, help="each client opens a new connection "
                        "after this many requests (default 20; 0: never). With keep-alive a connection stays on the "
                        "gunicorn worker that accepted it, so 4 lasting connections can all land on one worker.")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="load-generating client: a minimal socket client (default) or httpx.Client")
    parser.add_argument("--retries", type=int, default=1, help="re-measure a run disturbed by other processes")
    parser.add_argument("--quiet-wait", type=float, default=45.0,
                        help="seconds to wait for other processes to go quiet before each run (default 45)")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--profile-iterations", type=int, default=200)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--app-dir", type=Path, help="load, serve and profile the app from another checkout (to "
                        "measure a candidate change); default: this repository's working tree")
    parser.add_argument("--snapshot", action="store_true", help="measure a frozen copy of HEAD (bench/data/"
                        "snapshot-<commit>), so edits made during the run cannot leak into it")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.retries, args.quiet_wait = 3.0, 1.0, 0, 10.0
        args.profile_iterations = min(args.profile_iterations, 50)
    args.concurrency = sorted(args.concurrency or [4, 16])
    if args.snapshot:
        args.app_dir = common.snapshot_head()
    common.set_app_dir(args.app_dir)
    smoke = args.quick or args.customers != FULL_SIZE
    output = (args.output or (common.DATA_DIR / "RESULTS-quick.md" if smoke else common.BENCH_DIR / "RESULTS.md")
              ).resolve()
    kinds = args.db or (["sqlite", "postgres"] if common.pg_server_url() else ["sqlite"])
    if "postgres" in kinds and not common.pg_server_url():
        raise SystemExit("--db postgres needs DATABASE_URL (only its server is used)")

    def _stop(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")  # unwinds through the finally blocks: servers stop

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)  # also when started in the background, where SIGINT is ignored
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.perf_counter()
    bare_env = common.app_env("sqlite")
    bare = start_server("bare", "bench.bare:app", bare_env, args)
    results: dict = {}
    try:
        for kind in kinds:
            measure_database(kind, args, bare, results)
    finally:
        bare.stop()
    elapsed = time.perf_counter() - t0
    ok = write_results(output, results, args, started, elapsed)
    print()
    print(output.read_text())
    shown = output.relative_to(common.ROOT) if output.is_relative_to(common.ROOT) else output
    log(f"wrote {shown}; budget {'PASS' if ok else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
