"""Demo follow-ups for each demo manager: due today, overdue, snoozed, done and cancelled, so that `make run`
shows a full my day (written as rows: the services refuse dates in the past)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.core.extensions import db
from app.models import Customer, FollowUp, User

# (kind, days from today, status, note, outcome); one return visit still to do per customer at most.
PLAN = [
    ("return_visit", -8, "open", "季度回访：了解理财到期安排", None),
    ("return_visit", -2, "open", "电话回访，确认定投扣款情况", None),
    ("return_visit", 0, "open", "上门回访，带新产品资料", None),
    ("birthday", 0, "open", "生日问候（短信/微信）", None),
    ("after_appt", 0, "open", "确认面谈后的配置金额", None),
    ("post_loan", -1, "open", "贷后检查：核实贷款用途", None),
    ("return_visit", 0, "snoozed", "客户出差，回来后再联系", None),
    ("walk_in", 2, "open", "大堂来访回电：咨询信用卡分期", None),
    ("return_visit", -5, "done", "例行回访", "客户满意，介绍了两位朋友"),
    ("other", -3, "cancelled", "补充收入证明", "客户已在柜台办理"),
]


def demo_follow_ups(managers: list[User], *, tz: str = "Asia/Shanghai", now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    today = now.astimezone(ZoneInfo(tz)).date()
    for manager in managers:
        customers = list(db.session.scalars(select(Customer).where(Customer.owner_id == manager.id)
                                            .order_by(Customer.id.desc()).limit(len(PLAN))))
        if not customers:
            continue
        rows, planned_visit = [], set()
        for i, (kind, days, status, note, outcome) in enumerate(PLAN):
            customer = customers[i % len(customers)]  # small demo databases: customers take several rows
            pending_visit = kind == "return_visit" and status in ("open", "snoozed")
            if pending_visit and customer.id in planned_visit or (status == "done" and customer.id in planned_visit):
                continue  # one return visit to do per customer (the partial unique index)
            planned_visit.update([customer.id] if pending_visit or status == "done" else [])
            due = today + timedelta(days=days)
            closed = status in ("done", "cancelled")
            rows.append(FollowUp(
                branch_id=customer.branch_id, customer_id=customer.id, assignee_id=manager.id, kind=kind,
                due_on=due, status=status, snoozed_until=due if status == "snoozed" else None, note=note,
                outcome=outcome, plan_key=f"birthday:{today.year}" if kind == "birthday" else None,
                created_by_id=manager.id, created_at=now - timedelta(days=10),
                closed_by_id=manager.id if closed else None, closed_at=now + timedelta(days=days) if closed else None))
            if status == "done" and kind == "return_visit":  # the next one, planned by the rhythm
                rows.append(FollowUp(
                    branch_id=customer.branch_id, customer_id=customer.id, assignee_id=manager.id, kind=kind,
                    due_on=due + timedelta(days=90), status="open", plan_key="demo", created_at=now))
        db.session.add_all(rows)
    db.session.flush()
