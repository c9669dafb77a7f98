"""Reading today's queue of a branch: waiting, being served, done (three statements, each an index range)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.core.extensions import db
from app.lobby.presenters import QueueRow, queue_rows
from app.lobby.services import local_day
from app.models import QueueStatus, User, WalkIn

DONE_SHOWN = 30


@dataclass(frozen=True)
class TodaysQueue:
    waiting: list[QueueRow]
    serving: list[QueueRow]
    done: list[QueueRow]
    done_count: int


def _today(user: User, *statuses: str):
    return (select(WalkIn).options(joinedload(WalkIn.customer), joinedload(WalkIn.served_by),
                                   joinedload(WalkIn.handed_to))
            .where(WalkIn.branch_id == user.branch_id, WalkIn.day == local_day(), WalkIn.queue_status.in_(statuses)))


def todays_queue(user: User) -> TodaysQueue:
    """The user's branch today: the waiting in queue order, the served by start, the latest finished."""
    waiting = db.session.scalars(_today(user, QueueStatus.WAITING.value).order_by(WalkIn.queue_no)).all()
    serving = db.session.scalars(_today(user, QueueStatus.SERVING.value).order_by(WalkIn.started_at)).all()
    done = db.session.scalars(_today(user, QueueStatus.DONE.value, QueueStatus.LEFT.value)
                              .order_by(WalkIn.finished_at.desc(), WalkIn.id.desc()).limit(DONE_SHOWN)).all()
    done_count = db.session.scalar(select(func.count(WalkIn.id)).where(
        WalkIn.branch_id == user.branch_id, WalkIn.day == local_day(),
        WalkIn.queue_status.in_((QueueStatus.DONE.value, QueueStatus.LEFT.value)))) or 0
    return TodaysQueue(queue_rows(user, waiting), queue_rows(user, serving), queue_rows(user, done), done_count)


def my_walk_ins_today(user: User, limit: int = 10) -> list[QueueRow]:
    """What this lobby officer logged today, newest first (the lobby page's short list)."""
    rows = db.session.scalars(select(WalkIn).options(joinedload(WalkIn.customer), joinedload(WalkIn.served_by),
                                                     joinedload(WalkIn.handed_to))
                              .where(WalkIn.branch_id == user.branch_id, WalkIn.day == local_day(),
                                     WalkIn.logged_by_id == user.id)
                              .order_by(WalkIn.queue_no.desc()).limit(limit)).all()
    return queue_rows(user, rows)
