"""Permission and user changes made on the administrator's pages land in the 操作日志."""
from sqlalchemy import select

from app.extensions import db
from app.models.org import AppUser, Unit
from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role
from tests.security.helpers import log_entries, login, make_user


def _ids(app):
    with app.app_context():
        unit_id = db.session.scalar(select(Unit.id).where(Unit.name == "魏都区"))
        role_id = db.session.scalar(select(Role.id).where(Role.name == "网格员"))
        pv_ids = db.session.scalars(select(PermissionView.id).join(Permission)
                                    .where(Permission.name == "can_list").limit(2)).all()
        db.session.remove()
    return unit_id, role_id, pv_ids


def test_user_and_role_changes_are_logged(app):
    admin = make_user(app, role="系统管理员", prefix="chgadm")
    target = make_user(app, role="网格员", prefix="chgusr")
    client = app.test_client()
    assert login(client, admin).status_code == 302
    unit_id, role_id, pv_ids = _ids(app)
    with app.app_context():
        uid = db.session.scalar(select(AppUser.id).where(AppUser.username == target))
        db.session.remove()

    resp = client.post(f"/users/edit/{uid}", data={
        "first_name": "改名后", "username": target, "unit": str(unit_id), "phone": "13900000000",
        "active": "y", "email": f"{target}@example.cn", "roles": [str(role_id)]})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    entries = log_entries(app, target, category="security")
    assert ("修改用户", "成功") in entries

    resp = client.post("/roles/add", data={"name": "临时审计角色", "permissions": [str(i) for i in pv_ids]})
    assert resp.status_code == 302
    assert ("新增角色", "成功") in log_entries(app, "临时审计角色", category="security")
    with app.app_context():
        rid = db.session.scalar(select(Role.id).where(Role.name == "临时审计角色"))
        db.session.remove()
    resp = client.post(f"/roles/edit/{rid}", data={"name": "临时审计角色", "permissions": [str(pv_ids[0])]})
    assert resp.status_code == 302
    assert ("修改角色权限", "成功") in log_entries(app, "临时审计角色", category="security")


def test_log_in_alone_writes_no_user_change(app):
    user = make_user(app, role="网格员", prefix="chgquiet")
    client = app.test_client()
    assert login(client, user).status_code == 302
    assert [e for e in log_entries(app, user, category="security") if e[0] == "修改用户"] == []
