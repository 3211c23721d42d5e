"""Boards leave out the data-scope test only where it is implied: every board lists tickets
the user's unit reported, held or finished, which a scope covering that unit always contains."""
import pytest
from sqlalchemy import and_, select

from app.extensions import db
from app.models.ticket import Ticket
from app.security.scope import Scope, scope_for
from app.views.tickets import BOARDS, board_condition
from tests.workflow.helpers import escalate_to_county, new_ticket, user

USERS = ("cs471_member", "jindi_handler", "xidajie_handler", "weidu_handler", "weidu_zjj")


@pytest.fixture(scope="module")
def travelled(app):
    """A few tickets that went up to the county, so every level's boards have rows."""
    with app.app_context():
        for i in range(3):
            escalate_to_county(new_ticket(f"看板范围-{i}"), sign=bool(i % 2))
        db.session.remove()


def _ids(condition):
    return set(db.session.scalars(select(Ticket.id).where(condition)))


@pytest.mark.parametrize("username", USERS)
def test_boards_equal_their_scoped_lists(ctx, travelled, username):
    actor = user(username)
    scope = scope_for(actor)
    assert scope.covers(actor.unit)
    seen = 0
    for name in BOARDS:
        fast = _ids(board_condition(name, actor, scope))
        assert fast == _ids(and_(Ticket.scope_clause(scope), BOARDS[name][1](actor))), (username, name)
        seen += len(fast)
    assert seen > 0


def test_a_scope_that_misses_the_own_unit_is_applied(ctx, travelled):
    actor = user("weidu_handler")
    own_only = Scope(user_id=actor.id, unit_id=actor.unit_id)           # 仅本人
    elsewhere = Scope(subtree_paths=("/no/such/path/",), unit_id=actor.unit_id)
    for scope in (own_only, elsewhere):
        assert not scope.covers(actor.unit)
        for name in BOARDS:
            got = _ids(board_condition(name, actor, scope))
            assert got == _ids(and_(Ticket.scope_clause(scope), BOARDS[name][1](actor))), name
    # 魏都区 holds tickets, but a territory elsewhere shows none of them
    held = _ids(BOARDS["todo"][1](actor)) | _ids(BOARDS["pending"][1](actor))
    assert held
    assert _ids(board_condition("todo", actor, elsewhere)) | _ids(board_condition("pending", actor, elsewhere)) == set()
