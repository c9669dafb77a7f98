"""SQLite has one writer: a writing request takes the write lock at its first write (or where a check must not
race, hold_write_lock) and keeps it to the commit; what it reads before runs in autocommit and blocks nobody.
Measured on a database file, with a second connection that tries to write and does not wait (timeout 0)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select, update

from app import create_app
from app.core.config import TestConfig
from app.core.extensions import db, hold_write_lock
from app.models import Branch

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def file_app(tmp_path):
    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'lock.db'}"

    application = create_app(FileConfig)
    with application.app_context():
        db.create_all()
        db.session.add(Branch(code="L01", name="锁测试支行"))
        db.session.commit()
        db.session.remove()
    yield application, str(tmp_path / "lock.db")
    with application.app_context():
        db.engine.dispose()


def other_writer_can_write(path: str) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


def test_a_writing_request_holds_the_lock_from_its_first_write_to_its_commit(file_app):
    application, path = file_app
    with application.test_request_context("/customers/reassign", method="POST"):
        db.session.execute(select(Branch.id)).all()
        assert other_writer_can_write(path), "reading must not take the write lock"
        db.session.execute(update(Branch).where(Branch.code == "L01").values(name="改名"))
        assert not other_writer_can_write(path)
        db.session.commit()
        assert other_writer_can_write(path)
        db.session.remove()


def test_hold_write_lock_takes_it_before_the_check_that_must_not_race(file_app):
    application, path = file_app
    with application.test_request_context("/customers/reassign", method="POST"):
        hold_write_lock()
        assert not other_writer_can_write(path)
        assert db.session.execute(select(Branch.name)).scalar_one() == "锁测试支行"
        db.session.rollback()
        assert other_writer_can_write(path)
        db.session.remove()


def test_a_savepoint_in_a_writing_request_starts_under_the_lock(file_app):
    application, path = file_app
    with application.test_request_context("/customers/reassign", method="POST"):
        db.session.execute(select(Branch.id)).all()
        with db.session.begin_nested():
            db.session.execute(select(Branch.id)).all()  # the SAVEPOINT is sent with the first statement in it
            assert not other_writer_can_write(path)
        db.session.rollback()
        db.session.remove()


def test_a_reading_request_never_holds_it(file_app):
    application, path = file_app
    with application.test_request_context("/customers/", method="GET"):
        db.session.execute(select(Branch.id)).all()
        assert other_writer_can_write(path)
        db.session.remove()


def test_a_waiting_writer_gets_the_lock_as_soon_as_the_holder_commits(file_app):
    """The writers queue on a file lock beside the database, handed over at the commit, not polled for."""
    application, _path = file_app
    acquired: dict[str, float] = {}

    def second_writer() -> None:
        with application.test_request_context("/customers/reassign", method="POST"):
            hold_write_lock()
            acquired["at"] = time.monotonic()
            db.session.rollback()
            db.session.remove()

    with application.test_request_context("/customers/reassign", method="POST"):
        hold_write_lock()
        waiting = threading.Thread(target=second_writer)
        waiting.start()
        time.sleep(0.3)
        assert "at" not in acquired, "the second writer must wait for the first"
        released = time.monotonic()
        db.session.commit()
        db.session.remove()
    waiting.join(5)
    assert 0 <= acquired["at"] - released < 0.05


def test_a_reading_requests_one_row_write_waits_its_turn_and_leaves_the_queue_at_once(file_app):
    """The view's audit row of a GET commits on its own (autocommit): it queues behind a writer like any write."""
    application, path = file_app
    writer = os.open(path + "-writer", os.O_RDWR | os.O_CREAT)
    fcntl.flock(writer, fcntl.LOCK_EX)  # another process's writer, between its first write and its commit
    done: dict[str, float] = {}

    def page_view() -> None:
        with application.test_request_context("/customers/", method="GET"):
            db.session.execute(update(Branch).where(Branch.code == "L01").values(name="看过"))
            done["at"] = time.monotonic()
            assert other_writer_can_write(path), "the write committed and let go of every lock"
            db.session.remove()

    viewing = threading.Thread(target=page_view)
    viewing.start()
    time.sleep(0.3)
    assert "at" not in done, "the one-row write must wait for the writer"
    released = time.monotonic()
    os.close(writer)
    viewing.join(5)
    assert 0 <= done["at"] - released < 0.05
