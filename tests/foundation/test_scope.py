"""Data scope: one mechanism on lists, detail, edit, delete, FAB actions, download and API."""
import pytest
from sqlalchemy import select

from app.extensions import appbuilder, db
from app.models.audit import OperationLog
from app.models.notice import Notice
from app.models.org import AppUser, RoleDataScope, ScopeMode, Unit
from app.security.scope import OutOfScope, get_in_scope, scope_for
from tests.conftest import login_page


def _notice_id(title_prefix):
    return db.session.scalar(select(Notice.id).where(Notice.title.like(title_prefix + "%")))


@pytest.fixture()
def weidu_notice(app):
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.name == "金地社区"))
        notice = Notice(title="魏都区内部通知", content="只给魏都区", unit_id=unit.id)
        db.session.add(notice)
        db.session.commit()
        notice_id = notice.id
        db.session.remove()
    return notice_id


def _logged_in(app, username):
    client = app.test_client()
    login_page(client, username)
    return client


def test_list_shows_only_own_territory(app, weidu_notice):
    jianan = _logged_in(app, "jianan_handler").get("/noticeview/list/").get_data(as_text=True)
    weidu = _logged_in(app, "weidu_handler").get("/noticeview/list/").get_data(as_text=True)
    city = _logged_in(app, "city_handler").get("/noticeview/list/").get_data(as_text=True)
    assert "建安区防汛工作部署" in jianan and "魏都区内部通知" not in jianan
    assert "魏都区内部通知" in weidu and "建安区防汛工作部署" not in weidu
    assert "魏都区内部通知" in city and "建安区防汛工作部署" in city


@pytest.mark.parametrize("path", ["/noticeview/show/{id}", "/noticeview/edit/{id}"])
def test_out_of_scope_detail_and_edit_answer_404(app, weidu_notice, path):
    client = _logged_in(app, "jianan_handler")
    assert client.get(path.format(id=weidu_notice)).status_code == 404
    assert _logged_in(app, "weidu_handler").get(path.format(id=weidu_notice)).status_code == 200


def test_out_of_scope_delete_and_actions_change_nothing(app, weidu_notice):
    client = _logged_in(app, "jianan_handler")
    with app.app_context():
        own = _notice_id("建安区防汛")
    assert client.post(f"/noticeview/delete/{weidu_notice}").status_code == 404
    assert client.post(f"/noticeview/action/muldelete/{weidu_notice}").status_code == 404
    # a bulk action mixing an own id with an out-of-scope id is refused as a whole
    resp = client.post("/noticeview/action_post", data={"action": "muldelete", "rowid": [str(own), str(weidu_notice)]})
    assert resp.status_code == 404
    with app.app_context():
        assert db.session.get(Notice, weidu_notice) is not None
        assert db.session.get(Notice, own) is not None
        logged = db.session.scalars(select(OperationLog).where(
            OperationLog.action == "越权访问", OperationLog.target == f"notice#{weidu_notice}")).all()
        assert logged and all(entry.username == "jianan_handler" for entry in logged)


def test_fab_download_view_is_closed(app):
    client = _logged_in(app, "admin")
    assert client.get("/noticeview/download/anything.txt").status_code == 404
    assert client.get("/unitview/download/..%2Fconfig.py").status_code == 404


def test_scope_union_and_deny_by_default(app):
    with app.app_context():
        sm = appbuilder.sm
        user = db.session.scalar(select(AppUser).where(AppUser.username == "jindi_handler"))
        scope = scope_for(user)
        jindi = db.session.scalar(select(Unit).where(Unit.name == "金地社区"))
        assert scope.subtree_paths == (jindi.path,) and not scope.all
        # a role with a custom scope widens the union
        role = sm.add_role("测试自定义范围")
        custom = RoleDataScope(role_id=role.id, mode=ScopeMode.CUSTOM.value,
                               units=[db.session.scalar(select(Unit).where(Unit.name == "建安区"))])
        db.session.add(custom)
        nobody = AppUser(username="scope_nobody", first_name="无权限", last_name="", email="nobody@x.local",
                         active=True, unit_id=jindi.id, roles=[role])
        db.session.add(nobody)
        db.session.commit()
        assert len(scope_for(nobody).subtree_paths) == 1
        custom.enabled = False
        db.session.commit()
        assert scope_for(nobody).empty
        nobody.roles = []
        db.session.commit()
        assert scope_for(nobody).empty
        with pytest.raises(OutOfScope):
            get_in_scope(Notice, _notice_id("建安区防汛"), scope_for(nobody))
        db.session.delete(nobody)
        db.session.delete(custom)
        db.session.delete(role)
        db.session.commit()


def test_page_size_is_capped(app):
    client = _logged_in(app, "admin")
    html = client.get("/unitview/list/?psize_UnitView=100000").get_data(as_text=True)
    assert html.count("/unitview/show/") <= 100
