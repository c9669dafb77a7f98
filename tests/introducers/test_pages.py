"""The customer page and the partner page with a 200-deep chain above and a 5,000-person tree below: the
same statements as with a small one; tier rules on "customers introduced"; the advisory lock on PostgreSQL."""

from __future__ import annotations

from app.core.extensions import db
from app.customers import tiers
from app.introducers import links
from app.introducers.graph import Ref
from app.models import Customer, TierRule
from tests.customers.helpers import body, tr
from tests.customers.test_queries import statements_for
from tests.introducers.conftest import bulk_customers, bulk_links


def _tree(world, root: int, size: int, fan: int = 50) -> None:
    kids = bulk_customers(world.manager, size)
    direct = kids[:fan]
    bulk_links([(c, root) for c in direct] + [(c, direct[i % fan]) for i, c in enumerate(kids[fan:])],
               world.branch.id, world.manager)


def test_customer_page_statements_do_not_grow_with_chain_and_tree(world, make_customer, manager_client, queries):
    small, big = make_customer(world.manager, name="小树"), make_customer(world.manager, name="大树")
    above_small = bulk_customers(world.manager, 2)
    above_big = bulk_customers(world.manager, 200)
    bulk_links([(above_small[1], above_small[0]), (small.id, above_small[1])], world.branch.id, world.manager)
    bulk_links([(above_big[i + 1], above_big[i]) for i in range(199)] + [(big.id, above_big[-1])],
               world.branch.id, world.manager)
    _tree(world, small.id, 3, fan=2)
    _tree(world, big.id, 5000, fan=60)

    for path in ("", "/introductions"):  # the page, and its introductions panel loaded after it
        few = statements_for(manager_client, f"/customers/{small.id}{path}", queries)
        many = statements_for(manager_client, f"/customers/{big.id}{path}", queries)
        assert len(many) == len(few), "\n".join(many)
    page = body(manager_client.get(f"/customers/{big.id}/introductions", headers={"HX-Request": "true"}))
    assert page.count('data-testid="tree-node"') == 50 and 'data-testid="level-more"' in page
    assert page.count("<li") >= 200 + 50
    assert 'data-testid="yield-total">5000<' in page


def test_partner_page_statements_do_not_grow_with_the_tree(world, make_partner, manager_client, queries):
    small, big = make_partner(name="小"), make_partner(name="大")
    for partner, size in ((small, 3), (big, 3000)):
        kids = bulk_customers(world.manager, size)
        bulk_links([(kids[0], partner.id)], world.branch.id, world.manager, partner=True)
        bulk_links([(c, kids[0]) for c in kids[1:]], world.branch.id, world.manager)
    few = statements_for(manager_client, f"/partners/{small.id}", queries)
    many = statements_for(manager_client, f"/partners/{big.id}", queries)
    assert len(many) == len(few), "\n".join(many)
    assert 'data-testid="yield-total">3000<' in body(manager_client.get(f"/partners/{big.id}"))


def test_tier_rules_on_customers_introduced(world, make_customer, introduce, manager_client):
    db.session.add_all([TierRule(tier="A", metric="introduced_tree", threshold=3),
                        TierRule(tier="B", metric="introduced", threshold=2)])
    db.session.commit()
    root, kid = make_customer(world.manager, name="根"), make_customer(world.manager, name="子")
    rules = tiers.load_tier_rules()
    assert tiers.suggest_tier(root, rules) == "C"
    introduce(kid, root)
    introduce(make_customer(world.manager), root)
    assert tiers.suggest_tier(root, rules) == "B"
    introduce(make_customer(world.manager), kid)
    assert tiers.customer_metrics(root, introductions=True) == {
        "assets": -1, "loan_need": 0, "products": 0, "introduced": 2, "introduced_tree": 3}
    assert tiers.suggest_tier(root, rules) == "A"
    page = body(manager_client.get(f"/customers/{root.id}"))
    assert tr("The rules suggest") in page and 'tier-badge tier-A' in page


def test_admin_offers_the_two_measures(admin_client):
    page = body(admin_client.get("/admin/tier-rules"))
    assert 'value="introduced"' in page and 'value="introduced_tree"' in page
    assert admin_client.form("/admin/tier-rules", {"tier": "A", "metric": "introduced", "threshold": "5"}
                             ).status_code == 303
    assert db.session.query(TierRule).filter_by(metric="introduced", threshold=5).count() == 1


def test_introducer_changes_take_the_lock_on_postgresql(world, make_customer, queries):
    a, b = make_customer(world.manager), make_customer(world.manager)
    with queries() as seen:
        links.set_introducer(world.manager, db.session.get(Customer, b.id), Ref("c", a.id), reason=None)
    locked = any("pg_advisory_xact_lock" in s for s in seen)
    assert locked == (db.engine.dialect.name == "postgresql")
    db.session.commit()
