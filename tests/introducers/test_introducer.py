"""The introducer of a customer: picked when the prospect is created, changed with a reason or removed on
the customer page, every change kept; loops refused on the field; the chain and tree on the page, with
another branch's nodes unnamed (security.md A8) and names masked where the customer list masks them."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.introducers import links
from app.models import AuditEvent, Customer, Introduction, IntroductionChange
from tests.customers.helpers import FORM, body, count, tr
from tests.introducers.conftest import bulk_links, ready


def _panel(response) -> str:
    page = body(response)
    start = page.index('id="introducer-panel"')
    return page[start:page.index("</section>", start)]


def test_new_prospect_with_a_picked_customer_introducer(world, make_customer, manager_client):
    friend = make_customer(world.manager, name="老客户")
    response = manager_client.form("/customers/new", {**FORM, "name": "新朋友", "introducer": f"c:{friend.id}"})
    assert response.status_code == 303
    new = db.session.scalar(select(Customer).where(Customer.name == "新朋友"))
    assert new.source == "customer_referral"
    intro = db.session.get(Introduction, new.id)
    assert (intro.introducer_customer_id, intro.introducer_partner_id, intro.branch_id) == (friend.id, None,
                                                                                           world.branch.id)
    change = db.session.scalar(select(IntroductionChange))
    assert (change.from_customer_id, change.to_customer_id, change.user_id) == (None, friend.id, world.manager.id)
    assert "老客户" in _panel(manager_client.get(f"/customers/{new.id}/introductions"))


def test_new_prospect_introduced_by_a_partner(world, make_partner, manager_client):
    partner = make_partner(name="车行李总", category="car_dealer")
    manager_client.form("/customers/new", {**FORM, "name": "买车的", "introducer": f"p:{partner.id}"})
    new = db.session.scalar(select(Customer).where(Customer.name == "买车的"))
    assert new.source == "partner_referral"
    assert db.session.get(Introduction, new.id).introducer_partner_id == partner.id


def test_referral_source_without_an_introducer_is_refused_on_the_field(world, manager_client):
    response = ready(manager_client).form("/customers/new", {**FORM, "source": "customer_referral"})
    assert response.status_code == 200
    assert tr("Please choose who introduced this customer.") in body(response)
    assert count(Customer) == 0


def test_another_branch_introducer_cannot_be_picked(world, foreign_customer, manager_client):
    response = ready(manager_client).form("/customers/new", {**FORM, "introducer": f"c:{foreign_customer.id}"})
    assert response.status_code == 200
    assert tr("Choose the introducer from the list.") in body(response)
    assert count(Customer) == 1 and count(Introduction) == 0  # only the foreign customer


def test_picker_finds_visible_customers_and_partners_by_name(world, make_customer, make_partner,
                                                               foreign_customer, manager_client):
    make_customer(world.manager, name="王大伟")
    make_partner(name="王牌中介")
    make_customer(world.other_manager, name="王外行")
    response = manager_client.hx("POST", "/introducers/picker", {"introducer_q": "王"})
    assert response.status_code == 200
    page = body(response)
    assert "王大伟" in page and "王牌中介" in page and "王外行" not in page
    assert 'type="radio" name="introducer"' in page
    numbers = manager_client.hx("POST", "/introducers/picker", {"introducer_q": "13812345678"})
    assert 'name="introducer"' not in body(numbers)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "search")) is None


def test_change_needs_a_reason_and_keeps_history(world, make_customer, manager_client, introduce):
    first, second, me = (make_customer(world.manager, name=n) for n in ("甲先生", "乙女士", "丙"))
    introduce(me, first)
    url = f"/customers/{me.id}/introducer"
    refused = manager_client.hx("POST", url, {"introducer": f"c:{second.id}"})
    assert refused.status_code == 422 and tr("Please give a reason for the change.") in body(refused)
    assert db.session.get(Introduction, me.id).introducer_customer_id == first.id
    changed = manager_client.hx("POST", url, {"introducer": f"c:{second.id}", "reason": "记错了"})
    assert changed.status_code == 200 and changed.headers["HX-Redirect"] == f"/customers/{me.id}"
    db.session.expire_all()
    assert db.session.get(Introduction, me.id).introducer_customer_id == second.id
    removed = manager_client.form(url, {"remove": "1", "reason": "客户说没人介绍"})
    assert removed.status_code == 303
    db.session.expire_all()
    assert db.session.get(Introduction, me.id) is None
    history = db.session.execute(select(IntroductionChange.from_customer_id, IntroductionChange.to_customer_id,
                                        IntroductionChange.reason).order_by(IntroductionChange.id)).all()
    assert history == [(None, first.id, None), (first.id, second.id, "记错了"), (second.id, None, "客户说没人介绍")]
    panel = _panel(manager_client.get(f"/customers/{me.id}/introductions"))
    assert panel.count('data-testid="history-entry"') == 3 and "记错了" in panel and tr("removed") in panel


def test_loops_are_refused_on_the_field_through_the_page(world, make_customer, manager_client, introduce):
    a, b, c = (make_customer(world.manager, name=n) for n in ("甲", "乙", "丙"))
    introduce(b, a)
    introduce(c, b)
    response = manager_client.hx("POST", f"/customers/{a.id}/introducer", {"introducer": f"c:{c.id}"})
    assert response.status_code == 422
    assert 'id="change-intro-errors"' in body(response) and str(tr(str(links.LOOP))) in body(response)
    self_intro = manager_client.hx("POST", f"/customers/{a.id}/introducer", {"introducer": f"c:{a.id}"})
    assert tr("A customer cannot introduce itself.") in body(self_intro)
    assert db.session.get(Introduction, a.id) is None and count(IntroductionChange) == 2


def test_chain_and_tree_on_the_customer_page_hide_another_branch(world, make_customer, foreign_customer,
                                                                 manager_client, introduce):
    me = make_customer(world.manager, name="中间人")
    kid = make_customer(world.manager, name="下线甲")
    grandkid = make_customer(world.manager, name="下线乙")
    bulk_links([(me.id, foreign_customer.id)], world.branch.id, world.manager)  # an edge from another branch
    introduce(kid, me)
    introduce(grandkid, kid)
    panel = _panel(manager_client.get(f"/customers/{me.id}/introductions"))
    assert tr("another branch") in panel and "王五" not in panel and "8612345678"[-4:] not in panel
    assert "下线甲" in panel and "下线乙" not in panel  # the next level loads on demand
    level = manager_client.get(f"/customers/{kid.id}/tree", headers={"HX-Request": "true"})
    assert "<html" not in body(level) and "下线乙" in body(level)


def test_colleague_sees_masked_names_in_the_chain(world, make_customer, client_for, introduce):
    root = make_customer(world.manager, name="张大山")
    me = make_customer(world.manager, name="李小河")
    introduce(me, root)
    panel = _panel(client_for(world.colleague).get(f"/customers/{me.id}/introductions"))
    assert "张*" in panel and "张大山" not in panel


def test_colleague_may_not_change_the_introducer(world, make_customer, client_for, introduce):
    root, me = make_customer(world.manager), make_customer(world.manager)
    response = client_for(world.colleague).form(f"/customers/{me.id}/introducer", {"introducer": f"c:{root.id}"})
    assert response.status_code == 403 and count(Introduction) == 0


def test_other_branch_gets_404_on_every_customer_route(world, customer, other_branch_client):
    for method, path in (("GET", f"/customers/{customer.id}/tree"), ("POST", f"/customers/{customer.id}/introducer"),
                         ("POST", f"/customers/{customer.id}/introductions")):
        response = other_branch_client.get(path) if method == "GET" else other_branch_client.form(path, {})
        assert response.status_code == 404


def test_introducer_changes_are_in_the_timeline(world, make_customer, manager_client, introduce):
    first, second, me = (make_customer(world.manager) for _ in range(3))
    introduce(me, first)
    introduce(me, second, reason="客户更正")
    page = body(manager_client.get(f"/customers/{me.id}"))
    timeline = page[page.index('id="timeline"'):]
    assert tr("Introducer recorded") in timeline and tr("Introducer changed") in timeline and "客户更正" in timeline
