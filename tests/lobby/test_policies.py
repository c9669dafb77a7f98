"""The lobby's policies, without HTTP."""

from __future__ import annotations

from app.core import policies
from app.models import WalkIn


def test_who_logs_walk_ins(world):
    assert policies.can_log_walk_ins(world.lobby)
    assert not any(policies.can_log_walk_ins(u) for u in (world.manager, world.supervisor, world.admin))


def test_who_works_the_queue(world):
    here, there = WalkIn(branch_id=world.branch.id), WalkIn(branch_id=world.other_branch.id)
    assert policies.can_work_queue(world.manager, here) and policies.can_work_queue(world.supervisor, here)
    assert not policies.can_work_queue(world.lobby, here)
    assert not policies.can_work_queue(world.other_manager, here) and not policies.can_work_queue(world.admin, here)
    assert policies.can_mark_left(world.lobby, here) and not policies.can_mark_left(world.lobby, there)
    assert policies.can_see_walk_in(world.admin, there) and not policies.can_see_walk_in(world.lobby, there)


def test_who_reads_the_numbers_and_gets_alerts(world):
    assert [policies.can_read_lobby_log(u) for u in (world.lobby, world.manager, world.supervisor, world.admin)] == [
        True, False, True, True]
    assert [policies.gets_walk_in_alerts(u) for u in (world.lobby, world.manager, world.supervisor, world.admin)] == [
        False, True, True, False]


def test_who_books_from_the_lobby(world, customer, foreign_customer):
    assert policies.can_book_from_lobby(world.lobby, world.colleague, customer)
    assert not policies.can_book_from_lobby(world.lobby, world.other_manager, customer)  # another branch's
    assert not policies.can_book_from_lobby(world.lobby, world.colleague, foreign_customer)
    assert not policies.can_book_from_lobby(world.lobby, world.supervisor, customer)  # specialists only
    assert not any(policies.can_book_from_lobby(u, world.colleague, customer)
                   for u in (world.manager, world.supervisor, world.admin))  # they book through book()
    customer.archived_at = customer.created_at
    assert not policies.can_book_from_lobby(world.lobby, world.colleague, customer)


def test_who_sets_presence(world):
    assert policies.can_set_presence(world.colleague, world.colleague)  # oneself
    assert policies.can_set_presence(world.supervisor, world.supervisor)
    assert policies.can_set_presence(world.supervisor, world.colleague)  # the supervisor, a colleague
    assert not policies.can_set_presence(world.manager, world.colleague)
    assert not policies.can_set_presence(world.lobby, world.colleague) and not policies.can_set_presence(
        world.lobby, world.lobby)
    assert not policies.can_set_presence(world.other_supervisor, world.colleague)  # another branch
    assert not policies.can_set_presence(world.admin, world.colleague)
    assert [policies.can_see_presence(u) for u in (world.lobby, world.manager, world.supervisor, world.admin)] == [
        True, True, True, False]
