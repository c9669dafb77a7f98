"""Command-line tools: flask create-admin, flask demo-data."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from app.core.extensions import db


def init_app(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--username", default="admin", show_default=True)
    @click.option("--name", "display_name", default="系统管理员", show_default=True)
    @click.option("--employee-no", default="A0001", show_default=True)
    def create_admin(username: str, display_name: str, employee_no: str) -> None:
        """Create an administrator with a one-time password, printed once."""
        from app.admin.services import create_first_admin

        try:
            password = create_first_admin(username=username, display_name=display_name, employee_no=employee_no)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"Administrator '{username}' created.")
        click.echo(f"One-time password (shown once, must be changed at first sign-in): {password}")

    @app.cli.command("demo-data")
    @click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when users already exist.")
    @click.option("--customers-per-branch", default=300, show_default=True)
    def demo_data(if_empty: bool, customers_per_branch: int) -> None:
        """Build the demo world on an empty database."""
        from app.models import User

        if db.session.scalar(select(func.count()).select_from(User)):
            if if_empty:
                click.echo("Demo data: the database already has users; left as it is.")
                return
            raise click.ClickException("The database already has users; demo data is only for an empty database.")
        from app.core.demo import build_demo

        logins = build_demo(customers_per_branch=customers_per_branch)
        db.session.commit()
        click.echo("Demo data loaded. Sign in with any of these (password for all: yinjian-demo):")
        for username, description in logins:
            click.echo(f"  {username:<11} {description}")
