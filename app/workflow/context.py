"""What one actor sees of one ticket: their unit's position (owner period or task), the
pending applications they may review, the supervisions aimed at them.  Read-only helpers
shared by the checks, the services and ``allowed_actions``."""
from functools import cached_property

from app.models.org import UnitKind
from app.security.roles import DEPT_HANDLER, GRID_LEADER, GRID_MEMBER, HANDLER, HEAD

ACTIVE_TASK = ("pending_sign", "open")
ACTIVE_PERIOD = ("pending_sign", "open")

# timeline level label per unit kind (manual: 【县区-魏都区-孟华宇】, 【村镇/社区-金地社区-张昊】 …)
LEVEL_LABELS = {
    UnitKind.GRID.value: "网格", UnitKind.COMMUNITY.value: "村镇/社区", UnitKind.TOWNSHIP.value: "街道/乡镇",
    UnitKind.COUNTY.value: "县区", UnitKind.CITY.value: "市", UnitKind.COUNTY_DEPT.value: "县直职能部门",
    UnitKind.CITY_DEPT.value: "市级职能部门",
}
ADMIN_CHAIN = (UnitKind.GRID.value, UnitKind.COMMUNITY.value, UnitKind.TOWNSHIP.value, UnitKind.COUNTY.value,
               UnitKind.CITY.value)
WORKFLOW_ROLES = (GRID_MEMBER, GRID_LEADER, HANDLER, HEAD, DEPT_HANDLER)


class Ctx:
    """One actor facing one ticket (``ticket`` is None for creating actions)."""

    def __init__(self, actor, ticket=None):
        self.actor = actor
        self.ticket = ticket
        self.unit = actor.unit
        self.unit_id = actor.unit_id
        self.kind = self.unit.kind if self.unit is not None else None
        self.roles = frozenset(r.name for r in actor.roles)

    # --- the actor's positions on the ticket -------------------------------------------------
    @property
    def current_period(self):
        """The owner period now in force (the latest one)."""
        periods = self.ticket.periods
        return periods[-1] if periods else None

    @property
    def my_period(self):
        period = self.current_period
        return period if period is not None and period.unit_id == self.unit_id else None

    @property
    def my_tasks(self):
        """Tasks of the actor's unit, the active ones first."""
        tasks = [t for t in self.ticket.tasks if t.unit_id == self.unit_id]
        return sorted(tasks, key=lambda t: (t.status not in ACTIVE_TASK, -t.id))

    def children(self, position):
        """Tasks assigned by ``position`` (an owner period or a task)."""
        if position is None:
            return []
        if position.__tablename__ == "owner_period":
            return [t for t in self.ticket.tasks if t.parent_task_id is None and t.period_id == position.id]
        return [t for t in self.ticket.tasks if t.parent_task_id == position.id]

    def active_children(self, position):
        return [t for t in self.children(position) if t.status in ACTIVE_TASK]

    def pending_applications(self, kind=None, *, period=None, task=None):
        apps = [a for a in self.ticket.applications if a.status == "pending" and (kind is None or a.kind == kind)]
        if period is not None:
            apps = [a for a in apps if a.period_id == period.id and a.task_id is None]
        if task is not None:
            apps = [a for a in apps if a.task_id == task.id]
        return apps

    def ledgers_of(self, position):
        if position is None:
            return []
        if position.__tablename__ == "owner_period":
            return [l for l in self.ticket.ledgers if l.period_id == position.id and l.holder_task_id is None
                    and not l.cancelled]
        return [l for l in self.ticket.ledgers if l.holder_task_id == position.id and not l.cancelled]

    def open_ledger(self, position):
        """The ledger of ``position`` that is not yet assigned, or whose lead task is still active."""
        for ledger in self.ledgers_of(position):
            if not ledger.assigned:
                return ledger
            lead = [t for t in self.ticket.tasks if t.ledger_id == ledger.id and t.role == "lead"]
            if any(t.status in ACTIVE_TASK for t in lead):
                return ledger
        return None

    def unassigned_ledger(self, position):
        return next((l for l in self.ledgers_of(position) if not l.assigned), None)

    @cached_property
    def position(self):
        """The actor's active position: their owner period, else their first active task."""
        if self.my_period is not None and self.my_period.status in ACTIVE_PERIOD:
            return self.my_period
        return next((t for t in self.my_tasks if t.status in ACTIVE_TASK), None)
