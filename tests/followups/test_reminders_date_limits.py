"""Found in the try-out: `flask reminders run --date` takes any date. 0001-01-01 ends in a Python traceback
(OverflowError) instead of the usual "Invalid value for --date"; 9999-12-31 (a typo for a catch-up night)
plans a return visit due in the year 9999 for every customer without one, and since a customer never has two
return visits to do, those customers get no real return visit again. The app refuses a follow-up more than
two years ahead everywhere else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core import clock
from tests.followups.conftest import follow_ups


def _customer_due_a_visit(world, make_customer):
    subject = make_customer(world.manager)
    subject.created_at = clock.now() - timedelta(days=400)
    from app.core.extensions import db
    from app.models import FollowUp

    db.session.query(FollowUp).delete()
    db.session.commit()
    return subject


def test_a_date_at_the_start_of_the_calendar_is_refused_cleanly(app, world, make_customer):
    clock.freeze(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))
    _customer_due_a_visit(world, make_customer)
    out = app.test_cli_runner().invoke(args=["reminders", "run", "--date", "0001-01-01"])
    assert not isinstance(out.exception, OverflowError), "a traceback instead of a refusal"
    assert out.exit_code != 0 and "--date" in out.output


def test_a_date_years_ahead_plans_nothing(app, world, make_customer):
    clock.freeze(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))
    _customer_due_a_visit(world, make_customer)
    out = app.test_cli_runner().invoke(args=["reminders", "run", "--date", "9999-12-31"])
    assert [f.due_on.year for f in follow_ups()] == [], "return visits were planned for the year 9999"
    assert out.exit_code != 0
