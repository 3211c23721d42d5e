"""Role administrators manage users (with their unit), roles and data scope in Chinese pages."""
from sqlalchemy import select

from app.extensions import appbuilder, db
from app.models.org import AppUser, RoleDataScope, Unit
from tests.conftest import api_token, login_page


def test_security_pages_are_chinese(app):
    client = app.test_client()
    login_page(client, "admin")
    for url, title in [("/users/list/", "用户列表"), ("/roles/list/", "角色列表"), ("/users/add", "添加用户"),
                       ("/roledatascopeview/list/", "数据权限")]:
        html = client.get(url).get_data(as_text=True)
        assert title in html, url
    assert "所属单位" in client.get("/users/add").get_data(as_text=True)


def test_admin_creates_a_user_in_a_unit_who_can_log_in(app):
    client = app.test_client()
    login_page(client, "admin")
    with app.app_context():
        unit_id = db.session.scalar(select(Unit.id).where(Unit.name == "府后社区"))
        role_id = appbuilder.sm.find_role("管理员").id
    resp = client.post("/users/add", data={
        "first_name": "新用户", "last_name": "", "username": "fuhou_new", "unit": str(unit_id), "phone": "",
        "active": "y", "email": "fuhou_new@xuchang.local", "roles": [str(role_id)],
        "password": "Fuhou@2025x", "conf_password": "Fuhou@2025x"}, follow_redirects=True)
    assert resp.status_code == 200
    with app.app_context():
        user = db.session.scalar(select(AppUser).where(AppUser.username == "fuhou_new"))
        assert user is not None and user.unit.name == "府后社区"
        assert [r.name for r in user.roles] == ["管理员"]
    assert api_token(app.test_client(), "fuhou_new", "Fuhou@2025x")


def test_shipped_roles_have_a_data_scope(ctx):
    names = ["网格员", "网格长", "管理员", "负责人", "职能部门", "党建管理员", "数据管理员", "系统管理员"]
    for name in names:
        role = appbuilder.sm.find_role(name)
        assert role is not None, name
        scope = db.session.scalar(select(RoleDataScope).where(RoleDataScope.role_id == role.id))
        assert scope is not None and scope.enabled, name


def test_a_user_without_a_role_is_refused_with_a_message(app):
    client = app.test_client()
    login_page(client, "admin")
    with app.app_context():
        unit_id = db.session.scalar(select(Unit.id).where(Unit.name == "府后社区"))
    resp = client.post("/users/add", data={
        "first_name": "无角色", "username": "no_role_user", "unit": str(unit_id), "active": "y",
        "email": "no_role@xuchang.local", "password": "Fuhou@2025x", "conf_password": "Fuhou@2025x"},
        follow_redirects=True)
    assert resp.status_code == 200 and "请至少选择一个角色" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AppUser).where(AppUser.username == "no_role_user")) is None
