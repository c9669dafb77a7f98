"""Tier rules under the admin area (/admin/tier-rules): the asset threshold is picked by its band label."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.models import ASSET_BANDS, AuditEvent, TierRule


def rules() -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(select(TierRule.tier, TierRule.metric, TierRule.threshold, TierRule.active)
                              .order_by(TierRule.id)).all()


def test_the_page_sits_under_the_admin_tabs_with_the_tab_current(admin_client):
    page = admin_client.get("/admin/tier-rules").get_data(as_text=True)
    tabs = page.split('data-testid="admin-nav"', 1)[1].split("</ul>", 1)[0]
    current = re.findall(r'<a class="nav-link active" aria-current="page" href="([^"]+)"', tabs)
    assert current == ["/admin/tier-rules"]
    # The main menu lights Administration only.
    nav = page.split('<nav class="navbar', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'class="nav-link active" aria-current="page"\s+href="([^"]+)"', nav) == ["/admin/"]


def test_the_asset_threshold_is_a_select_of_the_band_labels(admin_client):
    page = admin_client.get("/admin/tier-rules").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="asset_band"[^>]*>(.*?)</select>', page, re.S).group(1)
    labels = re.findall(r">([^<]+)</option>", select_html)
    with admin_client.application.test_request_context():
        assert labels == [str(label) for label in ASSET_BANDS.values()]
    assert re.findall(r'<option[^>]*value="(\d)"', select_html) == ["0", "1", "2", "3", "4"]
    assert "0 = under" not in page  # no code table to read


def test_admin_adds_an_asset_rule_by_band(world, admin_client):
    before = rules()
    response = admin_client.form("/admin/tier-rules", {"tier": "B", "metric": "assets", "asset_band": "2",
                                                        "threshold": ""})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/tier-rules")
    assert rules() == [*before, ("B", "assets", 2, True)]
    page = admin_client.get("/admin/tier-rules").get_data(as_text=True)
    with admin_client.application.test_request_context():
        assert str(list(ASSET_BANDS.values())[2]) in page


def test_a_number_rule_takes_the_number_and_needs_one(world, admin_client):
    response = admin_client.form("/admin/tier-rules", {"tier": "A", "metric": "products", "asset_band": "4",
                                                        "threshold": "6"})
    assert response.status_code == 303
    assert rules()[-1] == ("A", "products", 6, True)
    count = len(rules())
    refused = admin_client.form("/admin/tier-rules", {"tier": "A", "metric": "loan_need", "threshold": ""})
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    tag = re.search(r'<input[^>]*name="threshold"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag and "is-invalid" in tag and 'aria-describedby="threshold-errors' in tag
    assert re.search(r'<div id="threshold-errors"[^>]*><div>[^<]+</div>', html)
    assert len(rules()) == count


@pytest.mark.parametrize("bad", [{"metric": "products", "threshold": "-1"}, {"metric": "assets", "asset_band": "9"},
                                 {"metric": "nonsense", "threshold": "1"}, {"metric": "products", "threshold": "x"}])
def test_bad_input_is_refused_where_the_user_looks(world, admin_client, bad):
    count = len(rules())
    response = admin_client.form("/admin/tier-rules", {"tier": "A", **bad})
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    assert len(rules()) == count


def test_toggle_switches_a_rule_off_and_on_and_is_audited(world, admin_client):
    rule = TierRule(tier="A", metric="products", threshold=9)
    db.session.add(rule)
    db.session.commit()
    assert admin_client.form(f"/admin/tier-rules/{rule.id}/toggle").status_code == 303
    assert db.session.get(TierRule, rule.id).active is False
    assert admin_client.form(f"/admin/tier-rules/{rule.id}/toggle").status_code == 303
    assert db.session.get(TierRule, rule.id).active is True
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "tier_rule_toggle")) == 2
    assert admin_client.form("/admin/tier-rules/999999/toggle").status_code == 404


@pytest.mark.parametrize("role", ["lobby", "manager", "supervisor"])
def test_only_admin_adds_a_rule(world, client_for, role):
    before = rules()
    response = client_for(world.by_role(role)).form("/admin/tier-rules", {"tier": "A", "metric": "products",
                                                                         "threshold": "3"})
    assert response.status_code == 403
    assert rules() == before


def test_the_old_customer_urls_are_gone(admin_client):
    assert admin_client.get("/customers/tier-rules").status_code == 404
