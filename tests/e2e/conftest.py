"""Browser journeys: one live gunicorn server on a fresh SQLite demo database, one Chromium per run.

The server runs in a subprocess exactly as in production (gunicorn, real argon2 costs, CSP and all
security headers); only the cookie is not Secure because it serves plain http on 127.0.0.1. Every
secret comes from the environment, so nothing is written to instance/.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .a11y import AxeReport, audit

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
IN_CI = os.environ.get("CI") == "true"
SERVER_START_TIMEOUT = 30.0


# --- collection: mark every journey, and skip them in the PostgreSQL pass --------------------------

def _in_e2e(item: pytest.Item) -> bool:
    return E2E_DIR in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items, so only touch the ones under tests/e2e.
    postgres_pass = bool(os.environ.get("TEST_DATABASE_URL"))
    for item in items:
        if not _in_e2e(item):
            continue
        item.add_marker(pytest.mark.browser)
        if postgres_pass:
            item.add_marker(pytest.mark.skip(reason="browser journeys run in the SQLite pass"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    # item.rep_setup / rep_call / rep_teardown: the page fixture reads rep_call to decide on a screenshot.
    setattr(item, f"rep_{report.when}", report)
    server = item.funcargs.get("live_server") if hasattr(item, "funcargs") else None
    if report.failed and isinstance(server, LiveServer):
        # A 500 in the browser is only "Something went wrong": show the server's traceback with the failure.
        logged = server.log_since(getattr(item, "_server_log_start", 0))
        if logged.strip():
            # The app escapes newlines in log records (log injection); undo it for reading.
            report.sections.append(("live server log", logged[-8000:].replace("\\n", "\n")))


@pytest.fixture(autouse=True)
def _clean_state():
    """Override the unit suite's per-test database reset: journeys use the live server's own database."""
    yield


# --- the live server ------------------------------------------------------------------------------

@dataclass
class LiveServer:
    url: str
    port: int
    log_path: Path
    db_path: Path

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(offset)
                return fh.read().decode(errors="replace")
        except OSError:
            return ""

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _b64_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _server_env(db_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TEST_DATABASE_URL", "FLASK_APP", "FLASK_DEBUG"}}
    env.update(
        DATABASE_URL=f"sqlite:///{db_path}",
        SESSION_COOKIE_SECURE="0",
        RATELIMIT_ENABLED="0",
        SECRET_KEY=secrets.token_urlsafe(32),
        PFI_KEYS=f"k1:{_b64_key()}",
        PFI_CURRENT_KEY_ID="k1",
        PFI_HMAC_KEY=_b64_key(),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def _flask(env: dict[str, str], *args: str) -> None:
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        pytest.fail(f"`flask {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False)


def _wait_until_healthy(url: str, proc: subprocess.Popen, server: LiveServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the live server exited with {proc.returncode}:\n{server.log_tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - our own 127.0.0.1 server
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"the live server did not answer /healthz within {SERVER_START_TIMEOUT:.0f}s:\n{server.log_tail()}",
                pytrace=False)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """gunicorn with two workers on a free 127.0.0.1 port, serving a fresh demo database."""
    tmp = Path(tempfile.mkdtemp(prefix="yinjian-e2e-"))
    env = _server_env(tmp / "e2e.db")
    _flask(env, "db", "upgrade")
    _flask(env, "demo-data", "--customers-per-branch", "20")

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = LiveServer(url=url, port=port, log_path=tmp / "server.log", db_path=tmp / "e2e.db")
    log = server.log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "2", "--graceful-timeout", "5", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_healthy(url, proc, server)
        yield server
    finally:
        proc.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown: the master stops its workers at once
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


# --- the browser ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run (Playwright's own download is not used)."""
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM}: install it (apt-get install -y chromium) to run the browser journeys"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageEvents:
    """What the pages of one test did: every request URL, console errors, uncaught script errors."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """Requests that left 127.0.0.1 (data:, blob: and about: are not network requests)."""
        return [u for u in self.requests
                if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname != "127.0.0.1"]

    def csp_violations(self) -> list[str]:
        return [m for m in self.console_errors if "Content Security Policy" in m]

    def watch(self, context) -> None:
        """Record what every page of `context` does, CSP violations included."""
        # The page's own securitypolicyviolation event names the directive and the culprit script; an init
        # script runs through the DevTools protocol, outside the page's CSP.
        context.add_init_script(CSP_REPORTER)
        context.on("page", self._attach)

    def _attach(self, page) -> None:
        page.on("request", lambda req: self.requests.append(req.url))
        page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))


CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (e) => console.error(
  "Content Security Policy violation: " + e.violatedDirective + " by " + (e.sourceFile || "the page") + ":" +
  e.lineNumber + " " + (e.sample || "")));"""


@pytest.fixture
def page_events() -> PageEvents:
    return PageEvents()


@pytest.fixture(scope="session")
def axe_report() -> Iterator[AxeReport]:
    report = AxeReport()
    yield report
    if report.pages:
        report.write(ARTIFACTS)


@pytest.fixture
def axe(axe_report: AxeReport, request: pytest.FixtureRequest) -> Callable[..., None]:
    """axe(page, state="") checks the page as it is now (a11y.audit): fails on serious or critical."""
    def check(page, state: str = "") -> None:
        audit(page, axe_report, request.node.name, state)

    return check


def _artifact_name(nodeid_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid_name).strip("_") or "test"


@pytest.fixture
def new_page(browser, live_server: LiveServer, page_events: PageEvents, request: pytest.FixtureRequest
             ) -> Iterator[Callable[..., object]]:
    """Open a page in a new, isolated context (zh-CN, base_url = the live server); options go to new_context."""
    opened: list = []
    request.node._server_log_start = live_server.log_size()

    def make(**options):
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        page_events.watch(context)
        page = context.new_page()
        opened.append((context, page))
        return page

    yield make

    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    for index, (context, page) in enumerate(opened):
        if failed and not page.is_closed():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            suffix = f"-{index}" if index else ""
            try:
                page.screenshot(path=str(ARTIFACTS / f"{_artifact_name(request.node.name)}{suffix}.png"), full_page=True)
            except Exception as exc:  # a failed screenshot must not hide the real failure
                sys.stderr.write(f"could not save a screenshot: {exc}\n")
        context.close()

    # Every journey, not only the dedicated test, must stay on 127.0.0.1 and within the CSP.
    if not failed:
        assert not page_events.foreign_requests(), f"requests left 127.0.0.1: {page_events.foreign_requests()}"
        assert not page_events.csp_violations(), f"CSP violations: {page_events.csp_violations()}"


@pytest.fixture
def page(new_page):
    """A fresh page (new context: no cookies, no storage) for one test."""
    return new_page()


# --- signed-in sessions and the demo data's ids -----------------------------------------------------

@pytest.fixture(scope="session")
def session_of(browser, live_server) -> Callable[[str], dict]:
    """Sign each demo user in once per run; returns the storage state (the session cookie)."""
    from .journeys import HOME_OF, path_of, sign_in

    states: dict[str, dict] = {}

    def get(username: str) -> dict:
        if username not in states:
            events = PageEvents()
            context = browser.new_context(base_url=live_server.url, locale="zh-CN")
            events.watch(context)
            try:
                page = context.new_page()
                sign_in(page, username)
                assert path_of(page) == HOME_OF[username], f"{username} could not sign in"
                states[username] = context.storage_state()
            finally:
                context.close()
            assert not events.csp_violations(), f"CSP violations: {events.csp_violations()}"
        return states[username]

    return get


@dataclass(frozen=True)
class DemoIds:
    """Records of the demo database the journeys visit (read once, straight from the server's SQLite file)."""

    own_customer: int  # an individual with an ID number, owned by `manager`
    own_business: int  # a business customer owned by `manager`
    colleague_customer: int  # owned by `credit` (same branch as `manager`)
    branch: int  # 城东支行
    team: int  # its wealth team
    user: int  # the `manager` account
    partner: int  # a partner of 城东支行 owned by `manager`
    introduced_customer: int  # a customer of `manager` introduced by another customer (a chain on its page)


@pytest.fixture(scope="session")
def demo(live_server: LiveServer) -> DemoIds:
    import sqlite3

    with sqlite3.connect(live_server.db_path) as con:
        def one(sql: str, *args) -> int:
            row = con.execute(sql, args).fetchone()
            assert row, f"the demo data has no row for: {sql} {args}"
            return row[0]

        manager = one('SELECT id FROM "user" WHERE username = ?', "manager")
        credit = one('SELECT id FROM "user" WHERE username = ?', "credit")
        live = "archived_at IS NULL AND owner_id = ?"
        return DemoIds(
            own_customer=one(f"SELECT id FROM customer WHERE {live} AND kind = 'individual' "
                             "AND id_number_enc IS NOT NULL ORDER BY id", manager),
            own_business=one(f"SELECT id FROM customer WHERE {live} AND kind = 'business' ORDER BY id", manager),
            colleague_customer=one(f"SELECT id FROM customer WHERE {live} ORDER BY id", credit),
            branch=one("SELECT id FROM branch WHERE code = 'CD01'"),
            team=one("SELECT id FROM team WHERE name = '财富管理团队'"),
            user=manager,
            partner=one("SELECT id FROM partner WHERE owner_id = ? ORDER BY id", manager),
            introduced_customer=one("SELECT i.customer_id FROM introduction i JOIN customer c ON c.id = i.customer_id "
                                    "WHERE c.owner_id = ? AND i.introducer_customer_id IS NOT NULL "
                                    "ORDER BY i.customer_id", manager),
        )
