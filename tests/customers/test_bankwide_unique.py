"""One person, one record, bank-wide, under concurrency (issue 8 item 3; security.md R2, §4.1, §5).

30 staff of two branches create the same person at the same moment (threads released by one barrier, each
with its own client, session and database connection): exactly one customer is written, every other
attempt gets the duplicate refusal on its form (200: "exists in another branch, ask your supervisor" or
"already exists in your branch"), never a 5xx, a generic 409 or "database is locked", and nothing is
half-written (one tier history row, one create audit row). The same for two edits racing to one number."""

from __future__ import annotations

import itertools
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from app import create_app
from app.auth.services import start_session
from app.core.config import TestConfig
from app.core.extensions import db, limiter
from app.core.privacy import lookup_hash
from app.customers import records
from app.models import AuditEvent, Branch, Customer, Role, TierChange, User
from tests.conftest import USING_POSTGRES
from tests.customers.helpers import FORM, body, tr

CREATORS = 30
ELSEWHERE = "This customer already exists in another branch. Please ask your supervisor."
IN_BRANCH = "A customer with this number already exists in your branch (see below)."
_numbers = itertools.count(1)


@pytest.fixture
def concurrent_app(app, tmp_path):
    """An app whose engine gives every thread its own connection: a SQLite file (the suite's in-memory
    database is one shared connection) or the suite's PostgreSQL database with a pool for 30 at once.
    Its context stays pushed for the test; the suite's app and the shared limiter are put back after."""
    saved_limiter = (limiter._storage, limiter._limiter, limiter.enabled)
    if USING_POSTGRES:
        overrides = {"SQLALCHEMY_DATABASE_URI": TestConfig.SQLALCHEMY_DATABASE_URI,
                     "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": CREATORS + 5, "max_overflow": 0}}
    else:
        overrides = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'concurrent.db'}"}
    concurrent = create_app(type("ConcurrentConfig", (TestConfig,), overrides))
    concurrent.test_client_class = app.test_client_class
    ctx = concurrent.app_context()
    ctx.push()
    if not USING_POSTGRES:
        db.create_all()  # PostgreSQL: the suite's schema, emptied after the test as usual
    try:
        yield concurrent
    finally:
        db.session.remove()
        if not USING_POSTGRES:
            db.drop_all()
        db.engine.dispose()
        ctx.pop()
        limiter._storage, limiter._limiter, limiter.enabled = saved_limiter


@pytest.fixture
def two_branches(concurrent_app):
    """A manager in each of two branches (each thread signs in with its own session)."""
    east, west = Branch(code="E01", name="城东支行"), Branch(code="W01", name="城西支行")
    db.session.add_all([east, west])
    db.session.flush()
    managers = [User(username=f"m{b.code}", display_name=f"经理{b.code}", employee_no=f"E{b.id:05d}",
                     role=Role.MANAGER, specialty="wealth", branch_id=b.id, language="zh_Hans_CN",
                     password_hash="x") for b in (east, west)]
    db.session.add_all(managers)
    db.session.commit()
    return managers


def _signed_in(app, user: User):
    client = app.test_client()
    token = start_session(user, ip="127.0.0.1", user_agent="pytest")
    db.session.commit()
    with client.session_transaction() as sess:
        sess["sid"] = token
    client._token_page = "/account/password"
    client.csrf_token(client._token_page)  # before the barrier: the race is the POST alone
    return client


def _race(calls) -> list[tuple[int, str]]:
    """Run the calls in threads released together; each returns (status, body)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait(timeout=30)
        try:
            response = call()
            results[i] = (response.status_code, body(response))
        except Exception as exc:  # noqa: BLE001 - a crash in a thread is a result to report
            results[i] = (-1, repr(exc))

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _fresh_mobile() -> str:
    return f"1376{next(_numbers):07d}"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_thirty_simultaneous_creates_of_one_person_in_two_branches_make_one_customer(concurrent_app, two_branches):
    mobile = _fresh_mobile()
    clients = [_signed_in(concurrent_app, two_branches[i % 2]) for i in range(CREATORS)]
    form = {**FORM, "name": "赵六", "mobile": mobile}
    results = _race([lambda c=c: c.form("/customers/new", form) for c in clients])

    statuses = Counter(status for status, _ in results)
    assert statuses == {303: 1, 200: CREATORS - 1}, [(s, b[:300]) for s, b in results if s not in (200, 303)]
    created = db.session.scalars(select(Customer).where(Customer.mobile_hash == lookup_hash("mobile", mobile))).all()
    assert len(created) == 1
    winner_branch = created[0].branch_id
    with concurrent_app.test_request_context():
        elsewhere, in_branch = tr(ELSEWHERE), tr(IN_BRANCH)
    for i, (status, page) in enumerate(results):
        assert "database is locked" not in page and mobile not in page
        if status == 303:
            continue
        loser_branch = two_branches[i % 2].branch_id
        assert (elsewhere if loser_branch != winner_branch else in_branch) in page
    # Nothing half-written: one tier history row and one create audit row, for the one customer.
    assert _count(TierChange) == 1
    assert _count(AuditEvent, AuditEvent.action == "customer_create") == 1


def test_two_edits_racing_to_one_number_in_two_branches_save_one(concurrent_app, two_branches):
    east_manager, west_manager = two_branches
    east_client, west_client = _signed_in(concurrent_app, east_manager), _signed_in(concurrent_app, west_manager)
    for _round in range(5):
        customers = []
        for manager in two_branches:
            data = records.CustomerData(kind="individual", name="钱七", source="walk_in", status="prospect",
                                        mobile=_fresh_mobile())
            customers.append(records.create_customer(manager, data))
        db.session.commit()
        target = _fresh_mobile()
        edits = [(client, f"/customers/{cust.id}/edit", {**FORM, "name": "钱七", "mobile": target,
                                                         "version": str(cust.version)})
                 for client, cust in ((east_client, customers[0]), (west_client, customers[1]))]
        calls = [lambda c=c, url=url, data=data: c.form(url, data) for c, url, data in edits]
        results = _race(calls)
        assert sorted(status for status, _ in results) == [200, 303], [(s, b[:300]) for s, b in results]
        with concurrent_app.test_request_context():
            assert any(tr(ELSEWHERE) in page for status, page in results if status == 200)
        db.session.rollback()  # end the read transaction opened before the race (SQLite keeps its snapshot)
        assert _count(Customer, Customer.mobile_hash == lookup_hash("mobile", target)) == 1
