"""In Chromium: demo accounts log in and see their menus; a registry import with one bad
row shows the error report; an export of a filtered list downloads a readable file."""
import io

import openpyxl

from tests.browser.conftest import log_in, shot
from tests.registries.helpers import read_xlsx


def test_login_page_and_menus(page):
    page.goto("/login/")
    assert "许昌市市域基层治理平台" in page.title()
    shot(page, "01-login")
    log_in(page, "admin")
    nav = page.inner_text(".navbar")
    assert "系统管理" in nav
    page.click("text=系统管理")
    page.click("text=单位管理")
    page.wait_for_load_state("networkidle")
    assert "许昌市" in page.content() and "单位路径" in page.content()
    shot(page, "02-admin-units")


def test_grid_member_sees_no_system_menu(page):
    log_in(page, "cs471_member")
    assert "小彩" in page.content()
    assert "系统管理" not in page.inner_text(".navbar")
    shot(page, "03-grid-member-home")


def _template_with_one_bad_row(page):
    response = page.request.get("/partyorgregistryview/template/")
    assert response.ok
    header = [str(h) for h in read_xlsx(response.body())[0]]
    good = {"*党组织编码": "BR001", "*党组织名称": "浏览器测试支部", "*组织类型": "社区", "*组织层级": "党支部",
            "*行政区划": "魏都区 / 西大街街道 / 金地社区", "*状态": "正常", "负责人电话": "13903749999"}
    bad = dict(good, **{"*党组织编码": "BR002", "*组织类型": "不存在的类型"})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in (good, bad):
        ws.append([row.get(h) for h in header])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_with_one_bad_row_shows_the_error_report(page, tmp_path):
    log_in(page, "weidu_handler")
    page.goto("/partyorgregistryview/list/")
    shot(page, "04-party-org-list")
    path = tmp_path / "党组织导入.xlsx"
    path.write_bytes(_template_with_one_bad_row(page))
    page.click("button:has-text('导入')")
    page.wait_for_selector("#import-dialog", state="visible")
    page.set_input_files("#import-dialog input[type=file]", str(path))
    page.click("#import-dialog button[type=submit]")
    result = page.wait_for_selector(".js-result:not(.hidden)")
    text = result.inner_text()
    assert "很抱歉，导入失败" in text and "第 3 行" in text
    link = page.wait_for_selector(".js-error-report:not(.hidden)")
    shot(page, "05-import-error-report")
    with page.expect_download() as info:
        link.click()
    report = read_xlsx(open(info.value.path(), "rb").read())
    assert report[0][:4] == ["行号", "列号", "表头", "原因"] and report[1][0] == 3


def test_export_of_a_filtered_list(page):
    log_in(page, "weidu_handler")
    page.goto("/partyorgregistryview/list/")
    page.fill("input[name=s_name]", "金地")
    page.click("button:has-text('搜索')")
    page.wait_for_load_state("networkidle")
    shot(page, "06-party-org-filtered")
    with page.expect_download() as info:
        page.click("a:has-text('导出')")
    rows = read_xlsx(open(info.value.path(), "rb").read())
    assert rows[0][0] == "党组织编码"
    assert [r[1] for r in rows[1:]] == ["中共金地社区支部委员会"]
