"""Flask extensions, created once and bound to the app in create_app()."""

from __future__ import annotations

import fcntl
import os

from flask import current_app, g, has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import Pool

# Stable constraint names make Alembic batch migrations on SQLite predictable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # Let SQLAlchemy emit BEGIN itself so SAVEPOINTs and transactions behave (pysqlite's own is broken).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # LIKE must be case-sensitive to use the plain index on the lower-cased name_search column.
    cursor.execute("PRAGMA case_sensitive_like=ON")
    cursor.close()


WRITE_COMMITTED = "yinjian.write_committed"


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    mode = request_mode()
    if mode == "write" and request.environ.get(WRITE_COMMITTED):
        # The request's change is committed; what follows draws the answer, which reads like a GET
        # and must not hold the write lock while it renders.
        mode = "read"
    if mode == "write":
        # SQLite has one writer. A writing request reads in autocommit, like PostgreSQL's read committed,
        # and takes the write lock at its first write (_sqlite_lock_at_first_write), so only the writes
        # and the checks made after hold_write_lock() are serialised, not the whole request.
        conn.info[LOCK_AT_FIRST_WRITE] = True
    elif mode == "none":
        conn.exec_driver_sql("BEGIN")
    # "read": no BEGIN. Each statement is its own transaction (autocommit), which is all a page that
    # only reads needs; the few single-row writes such a request makes (session last-seen, the view's
    # audit row) commit on their own.


LOCK_AT_FIRST_WRITE = "yinjian.lock_at_first_write"
_READS = ("SELECT", "PRAGMA")


ONE_WRITE = "yinjian.one_write"  # conn.info: a write in autocommit holds the writer lock for itself only


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_lock_at_first_write(conn, cursor, statement, _parameters, _context, _executemany) -> None:
    if conn.dialect.name != "sqlite" or statement.lstrip()[:6].upper().startswith(_READS):
        return
    if conn.info.get(LOCK_AT_FIRST_WRITE):
        _begin_immediate(conn)
    elif not conn.connection.dbapi_connection.in_transaction and WRITER_QUEUE not in conn.info:
        # A reading request's one-row write (the view's audit row) commits on its own: it queues too.
        _queue_for_the_writer_lock(conn)
        conn.info[ONE_WRITE] = True


@event.listens_for(Engine, "after_cursor_execute")
def _sqlite_one_write_done(conn, *_args) -> None:
    if conn.info.pop(ONE_WRITE, False):
        _release(conn.info)


@event.listens_for(Engine, "handle_error")
def _sqlite_one_write_failed(context) -> None:
    conn = context.connection
    if conn is not None and conn.info.pop(ONE_WRITE, False):
        _release(conn.info)


def _begin_immediate(conn) -> None:
    # BEGIN IMMEDIATE waits for the lock; a deferred transaction that read first would instead fail at once
    # with "database is locked" when another writer committed meanwhile.
    dbapi = conn.connection.dbapi_connection
    if not dbapi.in_transaction:
        _queue_for_the_writer_lock(conn)
        dbapi.execute("BEGIN IMMEDIATE")


WRITER_QUEUE = "yinjian.writer_queue"  # conn.info: the lock file this connection holds while it writes


def _queue_for_the_writer_lock(conn) -> None:
    """Writers of one database file, in every process, wait their turn on a file lock that the kernel hands to
    the next waiter when it is released. SQLite's own busy handler polls in sleeps of 1 to 100 ms that a writer
    arriving later often beats: four writers at once saw p99s of 150-350 ms."""
    path = conn.engine.url.database
    if not path or path == ":memory:" or WRITER_QUEUE in conn.info:
        return
    fd = os.open(path + "-writer", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    conn.info[WRITER_QUEUE] = fd


@event.listens_for(Pool, "checkin")
@event.listens_for(Pool, "invalidate")
def _leave_the_writer_queue(_dbapi_connection, connection_record, *_exception) -> None:
    # A session hands its connection back right after its commit or rollback, when SQLite's lock is free too.
    if connection_record is not None:
        _release(connection_record.info)


def _release(info: dict) -> None:
    fd = info.pop(WRITER_QUEUE, None)
    if fd is not None:
        os.close(fd)  # closing the file releases its lock


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_transaction_over(conn) -> None:
    conn.info.pop(LOCK_AT_FIRST_WRITE, None)


def hold_write_lock() -> None:
    """SQLite: hold the write lock from here to the commit, so that what this transaction checks next
    (a free slot, the next queue number) cannot change before it writes. PostgreSQL takes its own locks
    (an advisory lock, an exclusion constraint) where the check is made."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        _begin_immediate(connection)


@event.listens_for(Engine, "commit")
def _sqlite_write_committed(conn) -> None:
    if conn.dialect.name == "sqlite" and has_request_context():
        request.environ[WRITE_COMMITTED] = True  # per request (g can outlive one in tests' app contexts)


def request_mode() -> str:
    """'write' for a request that changes data, 'read' for one that only reads (GET, HEAD, OPTIONS,
    or a POST marked @read_only), 'none' outside a request (CLI, jobs, tests' own setup)."""
    if not has_request_context():
        return "none"
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return "read"
    view = current_app.view_functions.get(request.endpoint or "")
    return "read" if getattr(view, "_read_only", False) else "write"


def read_without_transaction() -> None:
    """before_request: on PostgreSQL, run a reading request's statements in autocommit, saving the
    BEGIN and ROLLBACK round trips around every page (SQLite: see _sqlite_begin)."""
    if request.endpoint in (None, "static") or request_mode() != "read":
        return
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        g.read_in_autocommit = True


def end_autocommit_read(_exc) -> None:
    """teardown_request: hand the autocommit connection back, so nothing after this request (a test's
    next request in the same app context, say) inherits it."""
    if g.pop("read_in_autocommit", False):
        db.session.rollback()



# The transaction rule: a reading request (request_mode "read") runs without a transaction, so an ORM write
# in it would not be atomic; a writing request is one transaction, committed once by its route. Breaches
# raise under tests (TRANSACTION_RULE_BREACH = "raise") and are logged in production.


def _breach(message: str) -> None:
    if current_app.config.get("TRANSACTION_RULE_BREACH") == "raise":
        raise RuntimeError(message)
    current_app.logger.error("transaction rule: %s", message)


@event.listens_for(Session, "before_flush")
def _no_orm_writes_while_reading(session: Session, _context, _instances) -> None:
    if request_mode() != "read" or g.get("response_ready"):  # a test's setup in a context kept after the response
        return
    if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
        _breach(f"{request.method} {request.endpoint} wrote through the ORM in a reading request; "
                "write in a POST route, or audit with audit.record (one INSERT)")


@event.listens_for(Session, "after_commit")
def _count_route_commits(session: Session) -> None:
    # A released savepoint fires this too, inside the still open transaction: only real commits count.
    if has_request_context() and "route_commits" in g and not session.in_nested_transaction():
        g.route_commits += 1


def start_counting_commits() -> None:
    """before_request, registered after the guard: the session bookkeeping before the route is not the route's."""
    g.route_commits = 0
    g.response_ready = False


def check_commits(response):
    """after_request: a writing route commits once (a second commit means two transactions for one request)."""
    if request_mode() == "write" and g.get("route_commits", 0) > 1:
        _breach(f"{request.method} {request.endpoint} committed {g.route_commits} times")
    g.response_ready = True
    return response


def commit_and_keep_loaded() -> None:
    """Commit, leaving what the request loaded and wrote as it is instead of expiring it: for a route whose
    answer draws those same rows right after (reloading them cost a statement each, three for a booking)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
