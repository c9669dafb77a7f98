"""The private calendar subscription: a token shown once (only its SHA-256 stored, one per user, replaced
anew, revoked at once), the feed parsed back with icalendar (surname and title, masked mobile, never the
full name or number), its window and statuses, no caching, and last_used_at at most once an hour."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from app.appointments import feed as feeds
from app.appointments.booking import BookingRequest, book
from app.core import clock
from app.core.extensions import db
from app.models import Appointment, AuditEvent, CalendarFeed
from tests.appointments.conftest import MONDAY_8AM
from tests.customers.helpers import body, tr

HX = {"HX-Request": "true"}
URL_RE = re.compile(r'value="(http://localhost/appointments/feed/([A-Za-z0-9_-]+)\.ics)"')


def _book(actor, customer, start, mode="direct", purpose="理财方案面谈") -> Appointment:
    rows = book(actor, customer, BookingRequest(mode=mode, starts=(start,), minutes=30, place="phone",
                                                location=None, purpose=purpose))
    db.session.commit()
    return rows[0]


def _feeds() -> list[CalendarFeed]:
    db.session.expire_all()
    return list(db.session.scalars(select(CalendarFeed)))


def _audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("calendar_feed%"))
                                   .order_by(AuditEvent.id)))


def test_the_token_is_shown_once_and_only_its_hash_is_kept(monday, world, manager_client):
    response = manager_client.hx("POST", "/appointments/feed")
    assert response.status_code == 200 and "<html" not in body(response)
    url, token = URL_RE.search(body(response)).groups()
    assert len(token) >= 43  # token_urlsafe(32)
    [row] = _feeds()
    assert row.user_id == world.manager.id and row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash
    page = body(manager_client.get("/appointments/feed"))  # the settings, as opened from the calendar
    assert "<html" in page and token not in page and 'data-testid="calendar-feed-revoke"' in page
    assert 'href="/appointments/feed"' in body(manager_client.get("/appointments/"))  # opened from there
    assert _audit_actions() == ["calendar_feed_create"]


def test_a_new_url_replaces_the_old_one(monday, world, anon, manager_client):
    first = URL_RE.search(body(manager_client.hx("POST", "/appointments/feed"))).group(2)
    second = URL_RE.search(body(manager_client.hx("POST", "/appointments/feed"))).group(2)
    assert first != second and len(_feeds()) == 1
    assert anon.get(f"/appointments/feed/{first}.ics").status_code == 404
    assert anon.get(f"/appointments/feed/{second}.ics").status_code == 200
    assert _audit_actions() == ["calendar_feed_create", "calendar_feed_create"]


def test_revoking_answers_404_at_once(monday, world, anon, manager_client):
    token = URL_RE.search(body(manager_client.hx("POST", "/appointments/feed"))).group(2)
    assert anon.get(f"/appointments/feed/{token}.ics").status_code == 200
    response = manager_client.hx("POST", "/appointments/feed/revoke")
    assert response.status_code == 200 and tr("No subscription URL.") in body(response)
    assert _feeds() == []
    assert anon.get(f"/appointments/feed/{token}.ics").status_code == 404
    assert _audit_actions() == ["calendar_feed_create", "calendar_feed_revoke"]
    manager_client.hx("POST", "/appointments/feed/revoke")  # nothing left to revoke: nothing audited
    assert _audit_actions() == ["calendar_feed_create", "calendar_feed_revoke"]


def test_without_javascript_the_page_shows_the_new_url(monday, world, manager_client):
    response = manager_client.form("/appointments/feed", {})
    assert response.status_code == 200 and "<html" in body(response) and URL_RE.search(body(response))


def test_writes_need_the_csrf_token(monday, world, manager_client):
    assert manager_client.post("/appointments/feed", headers=HX).status_code == 400
    assert manager_client.post("/appointments/feed/revoke", headers=HX).status_code == 400
    assert _feeds() == []


def test_unknown_tokens_are_404(anon, world):
    for token in ("x", "a" * 43, "a" * 200):
        assert anon.get(f"/appointments/feed/{token}.ics").status_code == 404


def test_the_feed_parsed_back(monday, world, make_customer, anon):
    woman = make_customer(world.manager, name="欧阳娜", mobile="13812345678", id_number="11010519491231002X")
    unknown = make_customer(world.manager, name="王五", mobile="13987654321")
    confirmed = _book(world.manager, woman, MONDAY_8AM + timedelta(hours=2), purpose="电话13812345678沟通")
    held = _book(world.manager, unknown, MONDAY_8AM + timedelta(days=20), mode="propose")
    cancelled = _book(world.manager, woman, MONDAY_8AM + timedelta(days=1))
    cancelled.status = "cancelled"
    too_far = _book(world.manager, woman, MONDAY_8AM + timedelta(days=29 + 181))  # beyond 180 days ahead of "now"
    done = _book(world.manager, woman, MONDAY_8AM + timedelta(hours=4))
    clock.freeze(MONDAY_8AM + timedelta(days=29))
    done.status = "done"
    colleague_customer = make_customer(world.colleague, name="李四")
    _book(world.colleague, colleague_customer, MONDAY_8AM + timedelta(days=30))
    token = feeds.create_feed(world.manager)
    db.session.commit()
    response = anon.get(f"/appointments/feed/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(response.data)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"appointment-{a.id}@yinjian" for a in (confirmed, held, done)}
    assert cancelled.id and too_far.id
    text = response.data.decode()
    # icalendar folds long lines: unfold before looking for text.
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    for secret in ("欧阳娜", "王五", "13812345678", "13987654321", "1101051949", "李四"):
        assert secret not in unfolded
    summary = str(events[f"appointment-{confirmed.id}@yinjian"]["summary"])
    assert "欧阳女士" in summary and "138****5678" in summary  # a number typed in the purpose: masked
    assert "138****5678" in str(events[f"appointment-{confirmed.id}@yinjian"]["description"])
    assert "王" in str(events[f"appointment-{held.id}@yinjian"]["summary"])
    assert events[f"appointment-{confirmed.id}@yinjian"].decoded("dtstart") == confirmed.start_at


def test_last_used_is_written_at_most_once_an_hour(monday, world, customer, anon, queries):
    token = feeds.create_feed(world.manager)
    db.session.commit()
    assert _feeds()[0].last_used_at is None
    anon.get(f"/appointments/feed/{token}.ics")
    assert _feeds()[0].last_used_at == MONDAY_8AM
    clock.freeze(MONDAY_8AM + timedelta(minutes=59))
    with queries() as statements:
        assert anon.get(f"/appointments/feed/{token}.ics").status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE CALENDAR_FEED")]
    assert _feeds()[0].last_used_at == MONDAY_8AM
    clock.freeze(MONDAY_8AM + timedelta(minutes=61))
    anon.get(f"/appointments/feed/{token}.ics")
    assert _feeds()[0].last_used_at == MONDAY_8AM + timedelta(minutes=61)


def test_a_disabled_user_has_no_feed(monday, world, anon):
    token = feeds.create_feed(world.manager)
    world.manager.active = False
    db.session.commit()
    assert anon.get(f"/appointments/feed/{token}.ics").status_code == 404


def test_lobby_and_admin_may_not_subscribe(monday, world, client_for):
    for who in (world.lobby, world.admin):
        assert client_for(who).hx("POST", "/appointments/feed").status_code == 403
    assert _feeds() == []


def test_the_token_never_reaches_a_log_line():
    from app.core.privacy import redact_text

    line = redact_text('127.0.0.1 "GET /appointments/feed/AbC-_123456789xyzXYZ0123456789abcdefABCDEF0.ics HTTP/1.1" 200')
    assert "AbC-_123" not in line and "/appointments/feed/" in line and ".ics" in line
