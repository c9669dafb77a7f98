"""Reading today's queue of a branch: waiting and being served, then done (two statements, each an index range)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from app.core import worker_copies
from app.core.extensions import db
from app.lobby.presenters import QueueRow, queue_rows
from app.lobby.services import local_day
from app.models import Customer, QueueStatus, User, WalkIn

DONE_SHOWN = 30


@dataclass(frozen=True)
class TodaysQueue:
    waiting: list[QueueRow]
    serving: list[QueueRow]
    done: list[QueueRow]
    done_count: int


@lru_cache(maxsize=2)
def _today_statement(part: str):
    """Today's walk-ins of a branch: "open" (waiting and being served) or "done" (the latest finished, each row
    with how many finished today), built once with the branch and day bound: assembling it (three joins) cost
    more than running it. Only the customer's name and gender are read (surname and title); the staff's names."""
    if part == "open":
        statuses, order = (QueueStatus.WAITING.value, QueueStatus.SERVING.value), (WalkIn.queue_no,)
        columns = (WalkIn,)
    else:
        statuses, order = (QueueStatus.DONE.value, QueueStatus.LEFT.value), (WalkIn.finished_at.desc(), WalkIn.id.desc())
        columns = (WalkIn, func.count().over().label("done_count"))  # counted before the limit cuts
    stmt = (select(*columns).options(joinedload(WalkIn.customer).load_only(Customer.name, Customer.gender),
                                     joinedload(WalkIn.served_by).load_only(User.display_name),
                                     joinedload(WalkIn.handed_to).load_only(User.display_name))
            .where(WalkIn.branch_id == bindparam("branch_id"), WalkIn.day == bindparam("day"),
                   WalkIn.queue_status.in_(statuses))
            .order_by(*order))
    return stmt.limit(DONE_SHOWN) if part == "done" else stmt


def todays_queue(user: User) -> TodaysQueue:
    """The user's branch today: the waiting in queue order, the served by start, the latest finished (two
    statements)."""
    values = {"branch_id": user.branch_id, "day": local_day()}
    open_now = db.session.scalars(_today_statement("open"), values).all()
    waiting = [w for w in open_now if w.queue_status == QueueStatus.WAITING.value]
    serving = sorted((w for w in open_now if w.queue_status == QueueStatus.SERVING.value), key=lambda w: w.started_at)
    done = db.session.execute(_today_statement("done"), values).all()
    return TodaysQueue(queue_rows(user, waiting), queue_rows(user, serving), queue_rows(user, [r[0] for r in done]),
                       done[0].done_count if done else 0)


def my_walk_ins_today(user: User, limit: int = 10) -> list[QueueRow]:
    """What this lobby officer logged today, newest first (the lobby page's short list)."""
    rows = db.session.scalars(select(WalkIn).options(joinedload(WalkIn.customer), joinedload(WalkIn.served_by),
                                                     joinedload(WalkIn.handed_to))
                              .where(WalkIn.branch_id == user.branch_id, WalkIn.day == local_day(),
                                     WalkIn.logged_by_id == user.id)
                              .order_by(WalkIn.queue_no.desc()).limit(limit)).all()
    return queue_rows(user, rows)


worker_copies.keep("queue statements", _today_statement.cache_clear)
