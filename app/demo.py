"""Demo data for development: the unit tree, the fixed demo accounts, dictionaries.

Feature modules add their own demo rows by registering a function with
``register_demo_seeder``; they run after the base data, in registration order.
"""
from flask import current_app
from werkzeug.security import generate_password_hash

from app.extensions import appbuilder, db
from app.models.notice import Notice
from app.models.org import AppUser, Unit, UnitKind
from app.security.roles import (DATA_CLERK, DEPT_HANDLER, GRID_LEADER, GRID_MEMBER, HANDLER, HEAD,
                                PARTY_CLERK, SYS_ADMIN)

# county → (department, {township: {community: [grids]}})
TREE = {
    "魏都区": ("魏都区住房和城乡建设局", {
        "西大街街道": {"金地社区": ["CS-471", "CS-472"], "府后社区": ["CS-481", "CS-482"]},
        "文峰街道": {"文峰社区": ["WF-101", "WF-102"], "七里店社区": ["WF-201", "WF-202"]},
    }),
    "建安区": ("建安区住房和城乡建设局", {
        "尚集镇": {"吕桥村": ["SJ-101", "SJ-102"], "甄庄村": ["SJ-201", "SJ-202"]},
        "小吕镇": {"小吕村": ["XL-101", "XL-102"], "王庄村": ["XL-201", "XL-202"]},
    }),
    "禹州市": ("禹州市住房和城乡建设局", {
        "许由街道": {"许由社区": ["XY-101", "XY-102"], "东关社区": ["XY-201", "XY-202"]},
        "颍川街道": {"颍川社区": ["YC-101", "YC-102"], "西关社区": ["YC-201", "YC-202"]},
    }),
}
CITY_DEPTS = ["市住房和城乡建设局", "市城管局"]

# username, name, unit name, roles
DEMO_USERS = [
    ("admin", "系统管理员", "许昌市", [SYS_ADMIN]),
    ("cs471_member", "小彩", "CS-471", [GRID_MEMBER]),
    ("cs471_leader", "李文龙", "CS-471", [GRID_LEADER]),
    ("jindi_handler", "张昊", "金地社区", [HANDLER, PARTY_CLERK, DATA_CLERK]),
    ("jindi_head", "小宋", "金地社区", [HEAD]),
    ("fuhou_handler", "王保珠", "府后社区", [HANDLER]),
    ("xidajie_handler", "赵红霞", "西大街街道", [HANDLER]),
    ("xidajie_head", "刘街道", "西大街街道", [HEAD]),
    ("wenfeng_handler", "周街道", "文峰街道", [HANDLER]),
    ("weidu_handler", "孟华宇", "魏都区", [HANDLER, PARTY_CLERK, DATA_CLERK]),
    ("weidu_head", "王区长", "魏都区", [HEAD]),
    ("weidu_zjj", "李虎", "魏都区住房和城乡建设局", [DEPT_HANDLER]),
    ("jianan_handler", "陈平", "建安区", [HANDLER, PARTY_CLERK, DATA_CLERK]),
    ("city_handler", "姜红晓", "许昌市", [HANDLER, PARTY_CLERK, DATA_CLERK]),
    ("city_head", "许市长", "许昌市", [HEAD]),
    ("city_zjj", "丁晓超", "市住房和城乡建设局", [DEPT_HANDLER]),
    ("city_cgj", "王城管", "市城管局", [DEPT_HANDLER]),
]
DEMO_USERNAMES = [u[0] for u in DEMO_USERS]

_extra_seeders = []


def register_demo_seeder(fn):
    """Register ``fn(units_by_name, users_by_name)`` to add a feature's demo rows."""
    _extra_seeders.append(fn)
    return fn


def _unit(name, kind, parent=None, code=None, order=0):
    unit = Unit(name=name, kind=kind.value, parent=parent, code=code, sort_order=order)
    db.session.add(unit)
    db.session.flush()
    return unit


def seed_units():
    units = {}
    city = units["许昌市"] = _unit("许昌市", UnitKind.CITY, code="411000")
    for i, name in enumerate(CITY_DEPTS):
        units[name] = _unit(name, UnitKind.CITY_DEPT, city, order=i)
    for ci, (county_name, (dept, townships)) in enumerate(TREE.items()):
        county = units[county_name] = _unit(county_name, UnitKind.COUNTY, city, order=10 + ci)
        units[dept] = _unit(dept, UnitKind.COUNTY_DEPT, county)
        for ti, (township_name, communities) in enumerate(townships.items()):
            township = units[township_name] = _unit(township_name, UnitKind.TOWNSHIP, county, order=ti)
            for mi, (community_name, grids) in enumerate(communities.items()):
                community = units[community_name] = _unit(community_name, UnitKind.COMMUNITY, township, order=mi)
                for gi, grid in enumerate(grids):
                    units[grid] = _unit(grid, UnitKind.GRID, community, code=grid, order=gi)
    return units


def seed_users(units, password):
    sm = appbuilder.sm
    hashed = generate_password_hash(password)
    users = {}
    for username, name, unit_name, role_names in DEMO_USERS:
        user = AppUser(username=username, first_name=name, last_name="", email=f"{username}@xuchang.local",
                       active=True, password=hashed, unit_id=units[unit_name].id,
                       roles=[sm.find_role(r) for r in role_names])
        db.session.add(user)
        users[username] = user
    db.session.flush()
    return users


def seed_notices(units, users):
    db.session.add_all([
        Notice(title="关于开展城市道路安全隐患排查的通知", content="请各街道、社区组织网格员开展道路塌陷隐患排查。",
               unit_id=units["魏都区"].id, created_by_id=users["weidu_handler"].id),
        Notice(title="建安区防汛工作部署", content="汛期将至，请各乡镇做好积水点位巡查。",
               unit_id=units["建安区"].id, created_by_id=users["jianan_handler"].id),
        Notice(title="全市网格化治理工作要点", content="市域基层治理平台正式上线运行。",
               unit_id=units["许昌市"].id, created_by_id=users["city_handler"].id),
    ])


def seed_demo_data(password):
    """Load all demo data into an empty database (development and tests only)."""
    if current_app.config.get("ENV_NAME") == "production":
        raise RuntimeError("生产环境不允许加载演示数据")
    units = seed_units()
    users = seed_users(units, password)
    seed_notices(units, users)
    for seeder in _extra_seeders:
        seeder(units, users)
    db.session.commit()
