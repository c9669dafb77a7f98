"""`flask reminders run [--date YYYY-MM-DD]`: plan the coming day's follow-ups (cron runs it each night)."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import Flask
from flask.cli import AppGroup

from app.core.extensions import db
from app.core.validation import MAX_AHEAD_DAYS


def init_app(app: Flask) -> None:
    reminders = AppGroup("reminders", help="Follow-up reminders planned by the system.")

    @reminders.command("run")
    @click.option("--date", "day", default=None, metavar="YYYY-MM-DD",
                  help="The day the follow-ups fall due (default: tomorrow in Asia/Shanghai).")
    def run(day: str | None) -> None:
        """Create the return visits, birthdays and post-loan checks due on the day; safe to run twice."""
        from app.core import clock
        from app.followups import reminders as planner

        try:
            when = date.fromisoformat(day) if day else None
        except ValueError:
            raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
        # A missed night is caught up with a past day; follow-ups are planned at most two years ahead, so a
        # day further either way is a typo (year 9999 would plan every customer's return visit there).
        today = clock.local_today()
        if when is not None and abs(when - today) > timedelta(days=MAX_AHEAD_DAYS):
            raise click.BadParameter(f"choose a day within {MAX_AHEAD_DAYS} days of today", param_hint="--date")
        result = planner.run(when)
        db.session.commit()
        click.echo(f"Follow-ups due {result.day.isoformat()}:")
        click.echo(f"  return visits:    {result.return_visits} created")
        click.echo(f"  birthdays:        {result.birthdays} created")
        click.echo(f"  post-loan checks: {result.post_loan} created")

    app.cli.add_command(reminders)
