"""居民吹哨 (manual §二, workflow.md row "resident whistle"): one function per action.

A resident reports a problem through the public form (``submit``); the grid members of that
村/社区 see it in 我的-居民吹哨记录 and mark it 已核实 (``verify``), 已办结 with a note
(``close``), or 提级上报 (``escalate``): a ticket (source 居民吹哨) is reported by the grid
member and goes straight into the grid leader's escalation review, exactly as §1.1.2 — by
calling ``services.report`` and ``services.escalate`` inside this service's transaction.

Why these actions are not rows of ``app.workflow.table.TABLE``: the table describes actions
on a *ticket* (its owner periods, tasks, applications, supervisions), interpreted by ``check``
against a ``Ctx(actor, ticket)``.  A resident whistle is not a ticket and has none of those
subjects until it is escalated; the ticket that escalation creates goes through the table's
``report`` and ``escalate`` rows unchanged.  The whistle's own states (待核实 → 已核实 →
已办结 / 已提级上报) are checked here, with the same error classes and HTTP answers.
"""
import os
import re
import shutil
import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.api.attachments import UploadRefused, storage_dir, store_upload
from app.audit import record
from app.demo import register_demo_seeder
from app.extensions import db
from app.models.base import now
from app.models.org import Unit, UnitKind
from app.models.resident import WHISTLE_STATUS_LABELS, ResidentWhistle, ResidentWhistlePhoto
from app.models.ticket import Attachment
from app.registries.crypto import blind_index, mask
from app.security.roles import GRID_MEMBER
from app.security.scope import log_out_of_scope, scope_for
from app.workflow import services
from app.workflow.errors import STALE_MESSAGE, Conflict, Forbidden, Invalid, NotFound
from app.workflow.forms import Form, valid_key
from app.workflow.services import fmt, transactional

SOURCE = "居民吹哨"
PHOTO_TYPES = ("png", "jpg", "jpeg")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
REF_PATTERN = re.compile(r"^JM\d{12}$")
NOT_FOUND = "居民吹哨记录不存在或无权访问"
# action → (中文, states that allow it)
ACTIONS = {"verify": ("已核实", ("pending",)), "close": ("已办结", ("pending", "verified")),
           "escalate": ("提级上报", ("pending", "verified"))}


# --- the public form ---------------------------------------------------------------------------
def communities():
    """(id, 县区 / 乡镇街道 / 村社区) of every enabled 村/社区, for the public form's picker."""
    rows = db.session.execute(select(Unit.id, Unit.full_name).where(
        Unit.kind == UnitKind.COMMUNITY.value, Unit.enabled.is_(True)).order_by(Unit.path))
    return [(uid, name) for uid, name in rows]


def _public_form(data):
    form = Form(data)
    community_id = form.integer("community_id", "所属村/社区")
    community = db.session.get(Unit, community_id) if valid_key(community_id) else None
    if community_id is not None and (community is None or community.kind != UnitKind.COMMUNITY.value
                                     or not community.enabled):
        form.error("community_id", "请选择所属村/社区")
    values = {"community_id": community_id,
              "description": form.text("description", "详细说明", max_len=2000),
              "reporter_name": form.text("reporter_name", "反馈人", max_len=50),
              "phone": form.text("phone", "手机号", max_len=20),
              "address": form.text("address", "家庭住址", max_len=200)}
    if values["phone"] and not MOBILE.match(values["phone"]):
        form.error("phone", "手机号格式不正确，请输入11位手机号码")
    form.done()
    return values


def _store_photos(files, limit):
    """Check and store the photos (images only); on any refusal remove what was stored."""
    stored = []
    try:
        for upload in files:
            stored.append(store_upload(upload, allowed=PHOTO_TYPES, limit=limit))
    except UploadRefused:
        for name, *_ in stored:
            os.remove(os.path.join(storage_dir(), name))
        raise
    return stored


def _next_ref_no(at):
    prefix = "JM" + at.strftime("%Y%m%d")
    last = db.session.scalar(select(func.max(ResidentWhistle.ref_no)).where(ResidentWhistle.ref_no.like(prefix + "%")))
    return f"{prefix}{(int(last[len(prefix):]) + 1) if last else 1:04d}"


@transactional
def submit(data, photos=(), *, max_photos=6, photo_limit=None):
    """居民吹哨: a resident's report (no login).  Fields are checked before any file is stored;
    returns the record with its reference number JMyyyymmddNNNN."""
    values = _public_form(data)
    photos = [p for p in photos if p is not None and p.filename]
    if len(photos) > max_photos:
        raise Invalid(f"相关照片最多{max_photos}张", {"photos": [f"相关照片最多{max_photos}张"]})
    stored = _store_photos(photos, photo_limit)
    at = now()
    whistle = ResidentWhistle(submitted_at=at, status="pending", phone_hash=blind_index(values["phone"]), **values)
    whistle.photos = [ResidentWhistlePhoto(stored_name=s, original_name=n, size=size, content_type=ct, created_at=at)
                      for s, n, size, ct in stored]
    for attempt in range(5):
        # two residents submitting in the same instant may draw the same number: the unique
        # index refuses the second, which draws again
        whistle.ref_no = _next_ref_no(at)
        try:
            with db.session.begin_nested():
                db.session.add(whistle)
                db.session.flush()
            break
        except IntegrityError:
            if attempt == 4:
                raise
    record("resident", "居民吹哨", target=f"resident_whistle#{whistle.id}",
           detail={"ref_no": whistle.ref_no, "community_id": whistle.community_id, "photos": len(stored)})
    return whistle


# --- the grid member's list ---------------------------------------------------------------------
def scoped(actor):
    """``select(ResidentWhistle)`` inside the actor's data scope."""
    return select(ResidentWhistle).where(ResidentWhistle.scope_clause(scope_for(actor)))


def filtered(actor, status=None, phone=None):
    """The list's rows: in scope, optionally one status and one exact phone number."""
    stmt = scoped(actor)
    if status:
        stmt = stmt.where(ResidentWhistle.status == status)
    if phone:
        stmt = stmt.where(ResidentWhistle.phone_hash == blind_index(phone))
    return stmt


def count(stmt):
    """How many rows ``stmt`` selects (the list's 共 N 条 and the workbench tile)."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def page_of(stmt, page=0, page_size=20):
    """(total, rows) of one page, newest first."""
    total = count(stmt)
    rows = db.session.scalars(stmt.order_by(ResidentWhistle.id.desc()).offset(page * page_size).limit(page_size)
                              .options(selectinload(ResidentWhistle.photos), selectinload(ResidentWhistle.handled_by))
                              ).unique().all()
    return total, rows


def load(actor, whistle_id, lock=False):
    """One record inside the actor's scope (locked for an action), or NotFound."""
    if not valid_key(whistle_id):
        raise NotFound(NOT_FOUND)
    stmt = scoped(actor).where(ResidentWhistle.id == int(whistle_id)).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update(of=ResidentWhistle)
    whistle = db.session.scalars(stmt).unique().first()
    if whistle is None:
        log_out_of_scope(ResidentWhistle, whistle_id)
        raise NotFound(NOT_FOUND)
    return whistle


def may_act(actor, whistle):
    """Only a grid member of a grid of the record's 村/社区 verifies, finishes or escalates it."""
    unit = actor.unit
    return (unit is not None and unit.kind == UnitKind.GRID.value and unit.parent_id == whistle.community_id
            and any(r.name == GRID_MEMBER for r in actor.roles))


def allowed(actor, whistle):
    """The actions ``actor`` may take on ``whistle`` now (the buttons a list row shows)."""
    if not may_act(actor, whistle):
        return []
    return [name for name, (_, states) in ACTIONS.items() if whistle.status in states]


def _begin(actor, whistle_id, name, version):
    label, states = ACTIONS[name]
    whistle = load(actor, whistle_id, lock=True)
    if not may_act(actor, whistle):
        raise Forbidden(f"只有本村/社区的网格员可以“{label}”")
    if version is not None:
        if isinstance(version, bool) or not isinstance(version, (int, str)) or not str(version).isdigit():
            raise Invalid("版本号无效", {"version": ["版本号必须是整数"]})
        if int(version) != whistle.version:
            raise Conflict(STALE_MESSAGE)
    if whistle.status not in states:
        raise Conflict(f"该记录{whistle.status_label}，不能{label}")
    return whistle


def _done(actor, whistle, status, note=None):
    whistle.status, whistle.note = status, note
    whistle.handled_by_id, whistle.handled_at = actor.id, now()


@transactional
def verify(actor, whistle_id, *, version=None, **input):
    """已核实: the grid member has checked the report on the spot."""
    whistle = _begin(actor, whistle_id, "verify", version)
    _done(actor, whistle, "verified", whistle.note)
    record("resident", "已核实", target=f"resident_whistle#{whistle.id}", user=actor)
    return whistle


@transactional
def close(actor, whistle_id, *, version=None, **input):
    """已办结 with a note (处理说明)."""
    whistle = _begin(actor, whistle_id, "close", version)
    form = Form(input)
    note = form.text("note", "办结说明", max_len=2000)
    form.done()
    _done(actor, whistle, "closed", note)
    record("resident", "已办结", target=f"resident_whistle#{whistle.id}", detail={"note": note}, user=actor)
    return whistle


def _copy_photos(actor, whistle):
    """The record's photos as ticket attachments (own stored copies: a ticket's files live and are
    served with the ticket)."""
    rows = []
    for photo in whistle.photos:
        stored = uuid.uuid4().hex
        shutil.copyfile(os.path.join(storage_dir(), photo.stored_name), os.path.join(storage_dir(), stored))
        rows.append(Attachment(stored_name=stored, original_name=photo.original_name, size=photo.size,
                               content_type=photo.content_type, uploader_id=actor.id, uploader_unit_id=actor.unit_id))
    return rows


@transactional
def escalate(actor, whistle_id, *, version=None, **input):
    """提级上报: a ticket (source 居民吹哨) filled from the record, reported by the grid member and
    escalated in the same transaction, so that it waits in the grid leader's 提级上报审核."""
    whistle = _begin(actor, whistle_id, "escalate", version)
    form = Form(input)
    target = form.choice("target", "提级上报去向", ("upper", "department"), required=False, default="upper")
    form.done()
    body = {
        "title": input.get("title") or f"居民吹哨：{whistle.description[:60]}",
        "description": f"{whistle.description}\n（居民吹哨编号：{whistle.ref_no}）",
        "address": input.get("address") or whistle.address,
        "category_id": input.get("category_id"), "urgency": input.get("urgency") or "一般",
        "party_name": whistle.reporter_name, "party_phone": whistle.phone,
    }
    ticket = services.report(actor, **body)
    ticket.source = SOURCE
    db.session.flush()      # escalate reloads the ticket from the database
    services.escalate(actor, ticket.id, target=target, reason=input.get("reason"), unit_id=input.get("unit_id"),
                      task=input.get("task"))
    ticket.attachments.extend(_copy_photos(actor, whistle))
    _done(actor, whistle, "escalated", input.get("reason"))
    whistle.ticket_id = ticket.id
    record("resident", "提级上报", target=f"resident_whistle#{whistle.id}", detail={"ticket_id": ticket.id},
           user=actor)
    return whistle


# --- serialisation and files ------------------------------------------------------------------
def whistle_dict(whistle, actor, full=False):
    """A record for lists (name, phone and address masked) or, ``full``, for its detail."""
    show = (lambda v, kind: v) if full else mask
    return {
        "id": whistle.id, "ref_no": whistle.ref_no, "community_id": whistle.community_id,
        "community": whistle.community.full_name or whistle.community.name, "description": whistle.description,
        "photos": [{"id": p.id, "name": p.original_name, "size": p.size} for p in whistle.photos],
        "reporter_name": show(whistle.reporter_name, "name"), "phone": show(whistle.phone, "phone"),
        "address": show(whistle.address, "address"), "submitted_at": fmt(whistle.submitted_at),
        "status": whistle.status, "status_label": whistle.status_label, "note": whistle.note,
        "handled_by": whistle.handled_by.display_name if whistle.handled_by else None,
        "handled_at": fmt(whistle.handled_at) if whistle.handled_at else None, "ticket_id": whistle.ticket_id,
        "version": whistle.version, "actions": allowed(actor, whistle),
    }


def detail(actor, whistle_id):
    """The unmasked record; viewing personal data is written to the operation log."""
    whistle = load(actor, whistle_id)
    record("resident", "查看详情", target=f"resident_whistle#{whistle.id}", user=actor)
    db.session.commit()
    return whistle


def photo_file(actor, whistle_id, photo_id):
    """(path, photo) of one photo of a record the actor may see, or NotFound."""
    whistle = load(actor, whistle_id)
    photo = next((p for p in whistle.photos if valid_key(photo_id) and p.id == int(photo_id)), None)
    path = os.path.join(storage_dir(), photo.stored_name) if photo is not None else None
    if photo is None or not os.path.isfile(path):
        log_out_of_scope(ResidentWhistlePhoto, photo_id)
        raise NotFound("照片不存在或无权访问")
    return path, photo



@register_demo_seeder
def seed_demo_resident_whistles(units, users):
    """Two residents' reports to 金地社区 (one already 已核实) for 我的-居民吹哨记录."""
    community = units["金地社区"].id
    submit({"community_id": community, "description": "小区内垃圾无人处理，已堆放多日，气味很大。",
            "reporter_name": "小斌", "phone": "13937453068", "address": "许昌市魏都区金地社区3号楼2单元"})
    second = submit({"community_id": community, "description": "楼道内堆放杂物，存在消防隐患。",
                     "reporter_name": "王芳", "phone": "13803743521", "address": "许昌市魏都区金地社区7号楼1单元"})
    verify(users["cs471_member"], second.id)
