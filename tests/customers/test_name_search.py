"""Name search (issue 8.11): any part of the name, pinyin in full or as initials, in the searcher's scope."""

from __future__ import annotations

import re

import pytest

from app.core.extensions import db
from app.customers import records
from app.customers.name_keys import name_keys, term_range
from tests.customers.helpers import FORM, body

ROW_RE = re.compile(r'<tr id="customer-(\d+)">')


def found(client, q: str, **extra) -> set[int]:
    response = client.hx("POST", "/customers/search", {"q": q, **extra})
    assert response.status_code == 200
    return {int(i) for i in ROW_RE.findall(body(response))}


@pytest.fixture
def people(world, make_customer):
    names = ("王小明", "李明", "张伟", "曾小明", "小红", "ABC科技有限公司")
    return {name: make_customer(world.manager, name=name).id for name in names}


@pytest.mark.parametrize(("q", "wanted"), [
    ("小明", {"王小明", "曾小明"}),  # inside the name, not only at its start
    ("明", {"王小明", "李明", "曾小明"}),  # one character
    ("王小明", {"王小明"}),
    ("科技", {"ABC科技有限公司"}),
    ("abc", {"ABC科技有限公司"}),
    ("zhangwei", {"张伟"}),  # full pinyin
    ("Zhang Wei", {"张伟"}),  # as typed with a space and capitals
    ("zw", {"张伟"}),  # initials
    ("wei", {"张伟"}),  # a syllable's start
    ("xiaoming", {"王小明", "曾小明"}),
    ("xm", {"王小明", "曾小明"}),
    ("zengxiaoming", {"曾小明"}),  # a surname's own reading (曾 zeng)
    ("cengxiaoming", {"曾小明"}),  # and the common one
    ("angw", set()),  # not across syllables
    ("小刚", set()),
])
def test_names_are_found_by_any_part_pinyin_or_initials(world, people, manager_client, q, wanted):
    assert found(manager_client, q) == {people[name] for name in wanted}


def test_the_list_page_searches_the_same_way(world, people, manager_client):
    page = body(manager_client.get("/customers/?q=小明"))
    assert {int(i) for i in ROW_RE.findall(page)} == {people["王小明"], people["曾小明"]}


def test_other_branches_and_archived_customers_are_not_found(world, people, make_customer, manager_client, client_for):
    theirs = make_customer(world.other_manager, name="王小明")
    records.archive_customer(world.manager, db.session.get(records.Customer, people["曾小明"]), "搬走")
    db.session.commit()
    assert found(manager_client, "小明") == {people["王小明"]}
    assert found(client_for(world.other_manager), "小明") == {theirs.id}


def test_a_renamed_customer_is_found_by_the_new_name_only(world, people, manager_client):
    customer = db.session.get(records.Customer, people["小红"])
    response = manager_client.form(f"/customers/{customer.id}/edit", {
        **FORM, "name": "赵小兰", "mobile": "", "sensitive_consent": "y", "version": str(customer.version)})
    assert response.status_code == 303
    assert found(manager_client, "小红") == set()
    assert found(manager_client, "小兰") == found(manager_client, "zxl") == {customer.id}


def test_admin_searches_every_branch_and_may_narrow_to_one(world, people, make_customer, admin_client,
                                                         manager_client):
    theirs = make_customer(world.other_manager, name="王小明")
    assert found(admin_client, "王小明") == {people["王小明"], theirs.id}
    assert found(admin_client, "王小明", branch=str(world.other_branch.id)) == {theirs.id}
    page = body(admin_client.get(f"/customers/?branch={world.branch.id}"))
    assert f'id="customer-{theirs.id}"' not in page and f'id="customer-{people["王小明"]}"' in page
    assert 'data-testid="row-branch">城东支行<' in page  # admin's list names each row's branch
    # Anyone else's scope is their branch, whatever the URL says.
    assert found(manager_client, "王小明", branch=str(world.other_branch.id)) == {people["王小明"]}
    assert "row-branch" not in body(manager_client.get("/customers/"))


def test_keys_and_ranges():
    assert {"张伟", "伟", "zhangwei", "wei", "zw", "w"} <= name_keys("张 伟")
    assert name_keys("") == set() and term_range("   ") is None
    low, high = term_range("小明")
    assert low <= "小明" < high and low <= "小明明" < high and not (low <= "小昏" < high)
    assert all(len(key) <= 60 for key in name_keys("很" * 100))


def test_archiving_hides_a_name_and_restoring_brings_it_back(world, people, supervisor_client):
    customer = db.session.get(records.Customer, people["张伟"])
    records.archive_customer(world.supervisor, customer, "销户")
    db.session.commit()
    response = supervisor_client.hx("POST", "/customers/search", {"q": "zw"})
    assert ROW_RE.findall(body(response)) == [] and "0 位客户" in body(response)
    records.restore_customer(world.supervisor, customer)
    db.session.commit()
    response = supervisor_client.hx("POST", "/customers/search", {"q": "zw"})
    assert ROW_RE.findall(body(response)) == [str(customer.id)] and "1 位客户" in body(response)


def test_a_colleagues_masked_customer_is_found_only_by_what_the_mask_shows(world, people, make_customer,
                                                                            manager_client, client_for,
                                                                            supervisor_client):
    """A manager sees a colleague's 林海燕 as 林**: searching 海燕, lhy or linhaiyan must not pick that row out
    (it would tell the masked name), the mask's first character 林 still finds it; shared, it is found in full."""
    from app.models import CustomerShare

    theirs = make_customer(world.colleague, name="林海燕")
    for q in ("海燕", "海", "lhy", "linhaiyan", "hy", "林海燕", "林海"):
        assert theirs.id not in found(manager_client, q), q
    assert theirs.id in found(manager_client, "林")
    assert "林**" in body(manager_client.hx("POST", "/customers/search", {"q": "林"}))
    assert found(manager_client, "小明") == {people["王小明"], people["曾小明"]}  # their own, by any part
    # The colleague who owns it and the supervisor see the name, so they find it by any part.
    assert found(client_for(world.colleague), "海燕") == found(supervisor_client, "lhy") == {theirs.id}
    # Shared with the manager (an accepted referral), it shows in full and is found in full.
    db.session.add(CustomerShare(customer_id=theirs.id, user_id=world.manager.id))
    db.session.commit()
    assert theirs.id in found(manager_client, "海燕") and theirs.id in found(manager_client, "lhy")


def test_the_count_of_a_managers_name_search_counts_only_what_they_may_find(world, make_customer, manager_client):
    mine = make_customer(world.manager, name="周海燕")
    make_customer(world.colleague, name="林海燕")
    page = body(manager_client.get("/customers/?q=海燕"))
    assert {int(i) for i in ROW_RE.findall(page)} == {mine.id}
    assert "1 位客户" in page


def test_a_manager_finds_by_any_part_exactly_the_customers_they_own_now(world, make_customer, manager_client):
    """The key table's copy of the owner follows every owner change (a trigger on customer.owner_id): reassigned to
    the manager, a colleague's 林海燕 is found by 海燕; reassigned away, only by the mask's 林."""
    from app.models import CustomerNameKey

    theirs = make_customer(world.colleague, name="林海燕")
    assert theirs.id not in found(manager_client, "海燕")
    records.reassign_customers(world.supervisor, [theirs.id], world.manager.id)
    db.session.commit()
    assert theirs.id in found(manager_client, "海燕") and theirs.id in found(manager_client, "lhy")
    assert set(db.session.scalars(db.select(CustomerNameKey.owner_id)
                                  .where(CustomerNameKey.customer_id == theirs.id))) == {world.manager.id}
    records.reassign_customers(world.supervisor, [theirs.id], world.colleague.id)
    db.session.commit()
    assert theirs.id not in found(manager_client, "海燕") and theirs.id in found(manager_client, "林")
