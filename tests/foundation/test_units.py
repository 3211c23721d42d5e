"""The unit tree: demo shape, path display, moves, kind rules, API."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.org import Unit, UnitKind
from app.services.units import UnitError
from tests.conftest import login_page


def _unit(name):
    return db.session.scalar(select(Unit).where(Unit.name == name))


def test_demo_tree_shape(ctx):
    counts = dict(db.session.execute(select(Unit.kind, func.count()).group_by(Unit.kind)).all())
    assert counts[UnitKind.CITY.value] == 1
    assert counts[UnitKind.CITY_DEPT.value] >= 2
    assert counts[UnitKind.COUNTY.value] >= 3
    assert counts[UnitKind.COUNTY_DEPT.value] >= 3
    assert counts[UnitKind.TOWNSHIP.value] >= 6
    assert counts[UnitKind.COMMUNITY.value] >= 12
    assert counts[UnitKind.GRID.value] >= 24
    grid = _unit("CS-471")
    assert grid.full_name == "魏都区 / 西大街街道 / 金地社区 / CS-471"
    assert grid.is_within(_unit("魏都区")) and not grid.is_within(_unit("建安区"))


def test_moving_a_community_rewrites_the_subtree(ctx):
    township = Unit(name="测试街道", kind="township", parent=_unit("魏都区"))
    community = Unit(name="测试社区", kind="community", parent=township)
    grid = Unit(name="T-1", kind="grid", parent=community)
    db.session.add_all([township, community, grid])
    db.session.commit()
    assert grid.full_name == "魏都区 / 测试街道 / 测试社区 / T-1"
    target = Unit(name="测试镇", kind="township", parent=_unit("建安区"))
    db.session.add(target)
    db.session.commit()
    community.parent = target
    db.session.commit()
    db.session.expire_all()
    grid = _unit("T-1")
    assert grid.full_name == "建安区 / 测试镇 / 测试社区 / T-1"
    assert grid.path.startswith(_unit("建安区").path)
    community = _unit("测试社区")
    community.name = "新测试社区"
    db.session.commit()
    db.session.expire_all()
    assert _unit("T-1").full_name == "建安区 / 测试镇 / 新测试社区 / T-1"


@pytest.mark.parametrize("kind,parent", [("grid", "魏都区"), ("county", "西大街街道"), ("community", None),
                                         ("city", "许昌市"), ("nonsense", "许昌市")])
def test_kind_must_fit_parent(ctx, kind, parent):
    db.session.add(Unit(name="错误单位", kind=kind, parent=_unit(parent) if parent else None))
    with pytest.raises(UnitError):
        db.session.flush()
    db.session.rollback()


def test_unit_cannot_move_below_itself(ctx):
    township = _unit("文峰街道")
    township.parent = _unit("文峰社区")
    with pytest.raises(UnitError):
        db.session.flush()
    db.session.rollback()


def test_admin_adds_and_disables_units_in_the_page(app):
    client = app.test_client()
    login_page(client, "admin")
    with app.app_context():
        parent_id = _unit("小吕镇").id
    resp = client.post("/unitview/add", data={"name": "页面社区", "kind": "community", "parent": str(parent_id),
                                              "sort_order": "0", "enabled": "y"}, follow_redirects=True)
    assert resp.status_code == 200
    resp = client.post("/unitview/add", data={"name": "错误网格", "kind": "grid", "parent": str(parent_id),
                                              "sort_order": "0"}, follow_redirects=True)
    assert "网格的上级单位必须是" in resp.get_data(as_text=True)
    with app.app_context():
        unit = _unit("页面社区")
        assert unit.full_name == "建安区 / 小吕镇 / 页面社区"
        assert _unit("错误网格") is None
        unit_id = unit.id
    resp = client.post("/unitview/action_post", data={"action": "disable", "rowid": [str(unit_id)]},
                       follow_redirects=True)
    assert resp.status_code == 200
    with app.app_context():
        assert _unit("页面社区").enabled is False


def test_units_api(api):
    client = api("cs471_member")
    resp = client.get("/api/v1/units/?q=(filters:!((col:kind,opr:eq,value:county)),page_size:100)")
    assert resp.status_code == 200
    names = {r["name"] for r in resp.json["result"]}
    assert {"魏都区", "建安区", "禹州市"} <= names
    row = resp.json["result"][0]
    assert {"id", "name", "kind", "parent_id", "path", "full_name"} <= set(row)
