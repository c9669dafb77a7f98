"""Demo appointments: across the demo week, every status, for each demo manager (written as rows: the
past ones could not be booked through book(), which refuses times gone by)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.core.extensions import db
from app.models import Appointment, Customer, User

# (weekday 0-4, local start, status, purpose); the two "held" rows form one offer; times never overlap.
PLAN = [
    (0, time(9, 30), "done", "理财产品到期续作面谈"),
    (0, time(14, 0), "no_show", "信用卡额度提升面谈"),
    (1, time(10, 0), "cancelled", "房贷咨询"),
    (1, time(15, 0), "rescheduled", "资产配置方案讲解"),
    (2, time(9, 0), "confirmed", "资产配置方案讲解"),
    (2, time(14, 30), "proposed", "基金定投介绍"),
    (3, time(10, 30), "held", "经营贷需求了解"),
    (4, time(15, 30), "held", "经营贷需求了解"),
    (3, time(16, 0), "confirmed", "保险方案面谈"),
    (4, time(9, 30), "released", "养老规划沟通"),
]
PLACES = ("branch", "site", "phone", "video")


def demo_appointments(managers: list[User], *, tz: str = "Asia/Shanghai", now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    for manager in managers:
        customers = list(db.session.scalars(select(Customer).where(Customer.owner_id == manager.id)
                                            .order_by(Customer.id).limit(len(PLAN))))
        offer_id = uuid.uuid4().hex
        rows = []
        for i, (weekday, at, status, purpose) in enumerate(PLAN):
            if not customers:
                return
            customer = customers[i % len(customers)] if status != "held" else customers[6 % len(customers)]
            start = datetime.combine(monday + timedelta(days=weekday), at, tzinfo=zone).astimezone(UTC)
            rows.append(Appointment(
                branch_id=customer.branch_id, customer_id=customer.id, staff_id=manager.id, start_at=start,
                end_at=start + timedelta(minutes=30 if i % 3 else 60), place=PLACES[i % len(PLACES)],
                location="客户公司会议室" if PLACES[i % len(PLACES)] == "site" else None, purpose=purpose,
                status=status, offer_id=offer_id if status == "held" else None,
                cancel_reason="客户临时出差" if status == "cancelled" else None,
                outcome="客户同意续作并增加配置" if status == "done" else None,
                next_step="三天内回访确认金额" if status == "done" else None,
                booked_by_id=manager.id, booked_at=start - timedelta(days=3), updated_at=start - timedelta(days=1)))
        # The rescheduled meeting moved to the week's first confirmed one (same purpose): the same customer's.
        moved = next(r for r in rows if r.status == "rescheduled")
        successor = next(r for r in rows if r.status == "confirmed")
        successor.customer_id, successor.branch_id = moved.customer_id, moved.branch_id
        db.session.add_all(rows)
        db.session.flush()
        moved.successor_id = successor.id
    db.session.flush()
