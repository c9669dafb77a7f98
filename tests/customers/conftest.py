"""Customer-test fixtures: a `make_customer` factory that goes through the service (so numbers are
encrypted and hashed as in production), the default tier rules, and small helpers."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from app.core.extensions import db
from app.core.validation import parse_id_number
from app.customers import records
from app.models import Customer, TierRule, User
from tests.customers.helpers import make_id_number

_seq = itertools.count(1)

# The default rule table (threshold for "assets" is the asset band rank: 2 = ¥500k–3m, 3 = ¥3m–6m).
DEFAULT_TIER_RULES = (
    ("A", "assets", 3), ("A", "loan_need", 300), ("A", "products", 5),
    ("B", "assets", 2), ("B", "loan_need", 50), ("B", "products", 2),
)


def unique_mobile() -> str:
    """A fresh, valid mainland mobile (139 + 8 digits) so factory customers never collide."""
    return f"139{next(_seq) + 10_000_000:08d}"[:11]


@pytest.fixture
def make_customer(world) -> Callable[..., Customer]:
    """Create (and commit) a customer owned by `owner` through services.create_customer.

    Overrides are CustomerData fields; `id_number` may be given as a string, `actor` creates on the
    owner's behalf (a supervisor), `mobile=None` leaves the mobile out. Defaults: an individual with
    a unique mobile, no ID number, sensitive consent given.
    """

    def make(owner: User, *, actor: User | None = None, **overrides) -> Customer:
        n = next(_seq)
        id_number = overrides.pop("id_number", None)
        if isinstance(id_number, str):
            id_number = parse_id_number(id_number)
        fields = {
            "kind": "individual",
            "name": f"客户{n}",
            "source": "walk_in",
            "status": "prospect",
            "mobile": unique_mobile(),
            "sensitive_consent": True,
        }
        fields.update(overrides)
        acting = actor or owner
        if acting.id != owner.id:
            fields.setdefault("owner_id", owner.id)
        customer = records.create_customer(acting, records.CustomerData(id_number=id_number, **fields))
        db.session.commit()
        return customer

    return make


@pytest.fixture
def customer(world, make_customer) -> Customer:
    """The manager's customer with a mobile and an ID number (the usual subject of these tests)."""
    return make_customer(world.manager, name="张三", mobile="13812345678", id_number="11010519491231002X",
                         address="北京市海淀区中关村大街1号院2号楼301")


@pytest.fixture
def foreign_customer(world, make_customer) -> Customer:
    """A customer of the other branch, owned by its manager."""
    return make_customer(world.other_manager, name="王五", mobile="18612345678",
                         id_number=make_id_number(19800101, 3))


@pytest.fixture
def tier_rules(app) -> list[TierRule]:
    rules = [TierRule(tier=tier, metric=metric, threshold=threshold) for tier, metric, threshold in DEFAULT_TIER_RULES]
    db.session.add_all(rules)
    db.session.commit()
    return rules
