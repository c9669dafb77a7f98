"""`flask reminders run [--date YYYY-MM-DD]`: plan the coming day's follow-ups (cron runs it each night)."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup

from app.core.extensions import db


def init_app(app: Flask) -> None:
    reminders = AppGroup("reminders", help="Follow-up reminders planned by the system.")

    @reminders.command("run")
    @click.option("--date", "day", default=None, metavar="YYYY-MM-DD",
                  help="The day the follow-ups fall due (default: tomorrow in Asia/Shanghai).")
    def run(day: str | None) -> None:
        """Create the return visits, birthdays and post-loan checks due on the day; safe to run twice."""
        from app.followups import reminders as planner

        try:
            when = date.fromisoformat(day) if day else None
        except ValueError:
            raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
        result = planner.run(when)
        db.session.commit()
        click.echo(f"Follow-ups due {result.day.isoformat()}:")
        click.echo(f"  return visits:    {result.return_visits} created")
        click.echo(f"  birthdays:        {result.birthdays} created")
        click.echo(f"  post-loan checks: {result.post_loan} created")

    app.cli.add_command(reminders)
