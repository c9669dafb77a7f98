"""`flask reminders run`: return visits whose rhythm gap elapsed, birthdays (29 February: 28 February in other
years), post-loan checks (30 days after the loan, then every 90 days for a year); idempotent, set-based, and
safe when two servers run it at once (PostgreSQL: threads on separate connections)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from app.core import clock
from app.core.extensions import db
from app.followups import reminders
from app.models import Branch, Customer, FollowUp, Referral, Role, User
from tests.conftest import USING_POSTGRES, count_queries
from tests.customers.helpers import make_id_number
from tests.customers.test_bankwide_unique import concurrent_app  # noqa: F401
from tests.followups.conftest import follow_ups


def _rows() -> list[tuple]:
    return [(f.customer_id, f.kind, f.due_on, f.plan_key, f.assignee_id) for f in follow_ups()]


def _without_first_visits() -> None:
    db.session.execute(delete(FollowUp))
    db.session.commit()


def _created_long_ago(customer: Customer, days: int) -> None:
    customer.created_at = clock.now() - timedelta(days=days)
    db.session.commit()


def test_return_visits_for_customers_whose_gap_elapsed_and_none_pending(world, make_customer):
    clock.freeze(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    due, recent, planned = (make_customer(world.manager) for _ in range(3))
    _without_first_visits()
    _created_long_ago(due, 180)  # tier C: 180 days have passed by tomorrow
    _created_long_ago(recent, 100)
    _created_long_ago(planned, 400)
    db.session.add(FollowUp(branch_id=planned.branch_id, customer_id=planned.id, assignee_id=world.manager.id,
                            kind="return_visit", due_on=date(2027, 1, 5), status="open"))
    db.session.commit()
    result = reminders.run()
    db.session.commit()
    assert result.day == date(2026, 12, 8) and result.return_visits == 1
    created = follow_ups(kind="return_visit", plan_key="gap:2026-12-08")
    assert [(f.customer_id, f.assignee_id, f.due_on) for f in created] == [(due.id, world.manager.id, date(2026, 12, 8))]


def test_the_gap_counts_from_the_last_done_return_visit(world, make_customer):
    clock.freeze(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    customer = make_customer(world.manager)
    _created_long_ago(customer, 1000)
    visit = follow_ups(customer_id=customer.id)[0]
    visit.status, visit.closed_at, visit.outcome = "done", clock.now() - timedelta(days=100), "ok"
    db.session.commit()
    assert reminders.run(date(2026, 12, 8)).return_visits == 0  # done 100 days ago, C: 180
    assert reminders.run(date(2027, 3, 5)).return_visits == 1


def test_running_twice_creates_nothing_twice(world, make_customer):
    clock.freeze(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))
    for n in range(5):
        customer = make_customer(world.manager, id_number=make_id_number(19801231, n + 1))
        _created_long_ago(customer, 400)
    _without_first_visits()
    first = reminders.run()
    db.session.commit()
    rows = _rows()
    second = reminders.run()
    db.session.commit()
    assert (first.return_visits, first.birthdays) == (5, 5)
    assert (second.return_visits, second.birthdays, second.post_loan) == (0, 0, 0)
    assert _rows() == rows


def test_the_statements_do_not_grow_with_the_customers(world, make_customer):
    clock.freeze(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))
    counts = []
    for _ in range(2):
        for n in range(4):
            make_customer(world.manager, id_number=make_id_number(19801231, 100 + n + len(counts) * 10))
        with count_queries() as statements:
            reminders.run()
        db.session.rollback()
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_the_cli_prints_what_it_did_per_kind(app, world, make_customer):
    clock.freeze(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))
    make_customer(world.manager, id_number=make_id_number(19801231, 7))
    runner = app.test_cli_runner()
    out = runner.invoke(args=["reminders", "run", "--date", "2026-12-31"])
    assert out.exit_code == 0, out.output
    assert "2026-12-31" in out.output and "birthdays:        1 created" in out.output
    again = runner.invoke(args=["reminders", "run", "--date", "2026-12-31"])
    assert "birthdays:        0 created" in again.output
    assert runner.invoke(args=["reminders", "run", "--date", "31/12/2026"]).exit_code != 0


@pytest.mark.parametrize(("day", "greeted"), [(date(2027, 2, 28), True), (date(2027, 3, 1), False),
                                              (date(2028, 2, 28), False), (date(2028, 2, 29), True)])
def test_a_29_february_birthday_is_greeted_on_28_february_in_other_years(world, make_customer, day, greeted):
    customer = make_customer(world.manager, id_number=make_id_number(20000229, 1))
    assert customer.birthday == date(2000, 2, 29)
    assert reminders.run(day).birthdays == (1 if greeted else 0)
    if greeted:
        (row,) = follow_ups(kind="birthday")
        assert (row.due_on, row.plan_key, row.assignee_id) == (day, f"birthday:{day.year}", world.manager.id)


def test_archived_customers_get_nothing(world, make_customer):
    customer = make_customer(world.manager, id_number=make_id_number(19801231, 9))
    customer.archived_at = clock.now()
    db.session.commit()
    assert reminders.run(date(2026, 12, 31)).birthdays == 0


def _loan(customer: Customer, sender: User, recipient: User, at: datetime) -> Referral:
    referral = Referral(branch_id=customer.branch_id, customer_id=customer.id, sender_id=sender.id,
                        recipient_id=recipient.id, need="loan", status="converted", product="经营贷",
                        amount=300_000, sent_at=at - timedelta(days=5), finished_at=at, updated_at=at,
                        accept_due_at=at - timedelta(days=4))
    db.session.add(referral)
    db.session.commit()
    return referral


def test_post_loan_checks_30_days_after_the_loan_then_each_quarter_for_a_year(world, customer):
    # Converted at 08:30 on 2026-09-01 in Beijing (00:30 UTC).
    referral = _loan(customer, world.manager, world.colleague, datetime(2026, 9, 1, 0, 30, tzinfo=UTC))
    loan_day = date(2026, 9, 1)
    for offset in (30, 120, 210, 300):
        assert reminders.run(loan_day + timedelta(days=offset)).post_loan == 1
        assert reminders.run(loan_day + timedelta(days=offset)).post_loan == 0
    for offset in (29, 31, 90, 390):
        assert reminders.run(loan_day + timedelta(days=offset)).post_loan == 0
    rows = follow_ups(kind="post_loan")
    assert [r.plan_key for r in rows] == [f"loan:{referral.id}:{n}" for n in (1, 2, 3, 4)]
    assert {r.assignee_id for r in rows} == {customer.owner_id}


def test_a_loan_won_late_in_the_beijing_evening_counts_from_that_beijing_day(world, customer):
    # 23:30 on 2026-09-01 in Beijing is 15:30 UTC the same day; 00:30 on 09-02 is 16:30 UTC on 09-01.
    _loan(customer, world.manager, world.colleague, datetime(2026, 9, 1, 16, 30, tzinfo=UTC))
    assert reminders.run(date(2026, 10, 1)).post_loan == 0
    assert reminders.run(date(2026, 10, 2)).post_loan == 1


@pytest.mark.skipif(not USING_POSTGRES, reason="two servers at once: PostgreSQL (SQLite has one writer)")
def test_two_servers_running_at_once_create_nothing_twice(concurrent_app):  # noqa: F811
    branch = Branch(code="E01", name="城东支行")
    db.session.add(branch)
    db.session.flush()
    owner = User(username="m", display_name="经理", employee_no="E00001", role=Role.MANAGER, specialty="wealth",
                 branch_id=branch.id, language="zh_Hans_CN", password_hash="x")
    db.session.add(owner)
    db.session.flush()
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.add_all(Customer(branch_id=branch.id, owner_id=owner.id, kind="individual", name=f"客户{i}", name_search=f"客户{i}",
                                source="walk_in", status="customer", tier="ABC"[i % 3], birthday=date(1980, 12, 31),
                                created_at=long_ago, updated_at=long_ago, created_by_id=owner.id)
                       for i in range(60))
    db.session.commit()
    barrier, results = threading.Barrier(6), []

    def server():
        with concurrent_app.app_context():
            barrier.wait(timeout=30)
            try:
                result = reminders.run(date(2026, 12, 31))
                db.session.commit()
                results.append((result.return_visits, result.birthdays))
            except Exception as exc:  # noqa: BLE001 - a crash in a thread is a result to report
                results.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=server) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(r, tuple) for r in results), results
    assert sum(r[0] for r in results) == 60 and sum(r[1] for r in results) == 60
    total = db.session.scalar(select(func.count()).select_from(FollowUp))
    distinct = db.session.scalar(select(func.count()).select_from(
        select(FollowUp.customer_id, FollowUp.kind).distinct().subquery()))
    assert total == 120 and distinct == 120
