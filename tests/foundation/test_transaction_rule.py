"""The transaction rule (app.core.extensions): a reading request writes nothing through the ORM, and a
writing route commits once; the per-worker copies are listed in one place and cleared together."""

from __future__ import annotations

import pytest
from flask import Response

from app.core import worker_copies
from app.core.extensions import check_commits, db, start_counting_commits
from app.models import Branch


def test_an_orm_write_in_a_reading_request_raises(app):
    with app.test_request_context("/my-day", method="GET"):
        start_counting_commits()  # as the dispatch of a request does
        db.session.add(Branch(code="ZZ", name="不该写入"))
        with pytest.raises(RuntimeError, match="reading request"):
            db.session.flush()
        db.session.rollback()


def test_an_orm_write_in_a_writing_request_is_fine(app):
    with app.test_request_context("/admin/branches/new", method="POST"):
        db.session.add(Branch(code="ZY", name="可以写入"))
        db.session.flush()
        db.session.rollback()


def test_a_second_commit_in_a_writing_route_raises(app):
    with app.test_request_context("/admin/branches/new", method="POST"):
        start_counting_commits()
        db.session.add(Branch(code="ZW", name="第一次"))
        db.session.commit()
        check_commits(Response())  # one commit: fine
        db.session.add(Branch(code="ZV", name="第二次"))
        db.session.commit()
        with pytest.raises(RuntimeError, match="committed 2 times"):
            check_commits(Response())


def test_in_production_a_breach_is_logged_not_raised(app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "TRANSACTION_RULE_BREACH", "log")
    with app.test_request_context("/my-day", method="GET"):
        start_counting_commits()
        db.session.add(Branch(code="ZX", name="记录"))
        db.session.flush()
        db.session.rollback()
    assert "transaction rule" in caplog.text


def test_every_worker_copy_is_listed_in_one_place():
    listed = worker_copies.__doc__
    assert worker_copies.names() == sorted(["reference data", "label dicts", "wtforms messages", "parsed locales",
                                            "list statements", "timeline statements", "referral inbox statements",
                                            "colleague picker statements", "calendar statements",
                                            "appointment panel statements", "booking overlap statements",
                                            "queue statements", "lobby card statement"])
    for phrase in ("reference data", "label dicts", "WTForms", "parsed locales", "prebuilt SQL statements"):
        assert phrase in listed
