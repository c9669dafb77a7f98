"""What an accepted referral gives the recipient (shared access, or the ownership), the timeline, the badge
and the inbox's query budget."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.models import AuditEvent, Customer, CustomerShare, Referral
from tests.customers.helpers import body, count


def test_shared_access_after_accept(world, customer, refer, move, colleague_client):
    referral = refer(world.manager, customer)
    before = body(colleague_client.get(f"/customers/{customer.id}"))
    assert "张三" not in before
    assert colleague_client.get(f"/customers/{customer.id}/edit").status_code == 403
    assert colleague_client.form(f"/customers/{customer.id}/activities", {"kind": "call"}).status_code == 403

    move(world.colleague, referral, "accept")
    assert referral.access_given == "shared"
    share = db.session.get(CustomerShare, (customer.id, world.colleague.id))
    assert share is not None and share.referral_id == referral.id
    assert db.session.get(Customer, customer.id).owner_id == world.manager.id  # owner unchanged
    after = body(colleague_client.get(f"/customers/{customer.id}"))
    assert "张三" in after
    assert colleague_client.get(f"/customers/{customer.id}/edit").status_code == 200
    assert colleague_client.form(f"/customers/{customer.id}/activities",
                                 {"kind": "call", "outcome": "reached", "note": "已约"}).status_code == 303
    # The customer list names it too (one query for the page's shares).
    assert "张三" in body(colleague_client.get("/customers/"))


def test_owner_mode_moves_the_customer(world, customer, refer, move, colleague_client):
    world.branch.referral_access = "owner"
    db.session.commit()
    referral = refer(world.manager, customer)
    move(world.colleague, referral, "accept")
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).owner_id == world.colleague.id
    assert db.session.get(Referral, referral.id).access_given == "owner"
    assert count(CustomerShare) == 0
    assert count(AuditEvent, AuditEvent.action == "customer_reassign") == 1
    assert colleague_client.get(f"/customers/{customer.id}/edit").status_code == 200


def test_declined_or_withdrawn_gives_nothing(world, customer, make_customer, refer, move):
    move(world.colleague, refer(world.manager, customer), "decline", reason="忙")
    move(world.manager, refer(world.manager, make_customer(world.manager)), "withdraw")
    assert count(CustomerShare) == 0


def test_every_event_is_in_the_customer_timeline(world, customer, refer, move, manager_client):
    referral = refer(world.manager, customer, note="请尽快联系")
    for action, given in (("accept", {}), ("contact", {}), ("convert", {"product": "房贷", "amount": "250000"})):
        move(world.colleague, referral, action, **given)
    other = refer(world.manager, customer, need="card")
    move(world.colleague, other, "decline", reason="不办卡")
    page = body(manager_client.get(f"/customers/{customer.id}"))
    for text in ("请尽快联系", "250,000", "房贷", "不办卡"):
        assert text in page
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.customer_id == customer.id,
                                                                 AuditEvent.action.like("referral_%"))).all()
    assert sorted(actions) == sorted(["referral_send", "referral_accept", "referral_contact", "referral_convert",
                                      "referral_send", "referral_decline"])


def test_badge_counts_what_waits_and_is_one_query(world, customer, make_customer, refer, move, colleague_client,
                                                  queries):
    first = refer(world.manager, customer)
    refer(world.manager, make_customer(world.manager))
    colleague_client.get("/referrals/badge")  # warm up the session row
    with queries() as statements:
        badge = body(colleague_client.get("/referrals/badge"))
    assert ">2<" in badge
    assert len([s for s in statements if "FROM referral" in s]) == 1
    move(world.colleague, first, "accept")
    assert ">1<" in body(colleague_client.get("/referrals/badge"))  # never cached
    # Pages do not count: the menu loads the badge as its own fragment.
    page = body(colleague_client.get("/referrals/"))
    assert 'hx-get="/referrals/badge"' in page and 'hx-trigger="load, every 30s, referrals-changed from:body"' in page


def test_inbox_statement_count_does_not_grow(world, make_customer, refer, supervisor_client, queries):
    def statements() -> int:
        supervisor_client.get("/referrals/?tab=branch")
        with queries() as found:
            assert supervisor_client.get("/referrals/?tab=branch").status_code == 200
        return len(found)

    for _ in range(3):
        refer(world.manager, make_customer(world.manager))
    few = statements()
    for _ in range(20):
        refer(world.manager, make_customer(world.manager))
    assert statements() == few
    assert few <= 10


def test_inbox_filters_and_pages(world, make_customer, refer, move, app, colleague_client, manager_client):
    app.config["REFERRALS_PER_PAGE"] = 2
    try:
        made = [refer(world.manager, make_customer(world.manager), need=need) for need in ("loan", "card", "wealth")]
        move(world.colleague, made[0], "accept")
        first = body(colleague_client.get("/referrals/"))
        assert first.count('data-testid="referral-row"') == 2 and "page=2" in first
        second = body(colleague_client.get("/referrals/?page=2"))
        assert second.count('data-testid="referral-row"') == 1
        assert body(colleague_client.get("/referrals/?status=accepted")).count('data-testid="referral-row"') == 1
        assert body(colleague_client.get("/referrals/?need=card")).count('data-testid="referral-row"') == 1
        fragment = colleague_client.get("/referrals/?need=wealth", headers={"HX-Request": "true"})
        assert body(fragment).lstrip().startswith('<div id="referral-list"')
        # "from me" of the recipient holds none of these; the sender's holds all three
        assert body(colleague_client.get("/referrals/?tab=from_me")).count('data-testid="referral-row"') == 0
        assert body(manager_client.get("/referrals/?tab=from_me&page=2")).count('data-testid="referral-row"') == 1
        assert colleague_client.get("/referrals/?tab=branch&start=bad&person=x&page=-1").status_code == 200
    finally:
        app.config["REFERRALS_PER_PAGE"] = 25
