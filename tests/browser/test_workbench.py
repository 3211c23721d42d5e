"""In Chromium: the county handler's 首页 shows the tiles and draws every chart from local files."""
from tests.browser.conftest import log_in, shot


def test_workbench_tiles_and_charts(page):
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    log_in(page, "weidu_handler")
    page.wait_for_selector("#chart-trend canvas")
    for chart in ("chart-state", "chart-source", "chart-area", "chart-trend", "chart-overdue"):
        assert page.get_attribute(f"#{chart}", "data-rendered") == "1", chart
    tiles = page.locator(".workbench-tile")
    # 待签收, 待办, 即将超期, 已超期, 待审核, 督办我的, 居民吹哨 待核实
    assert tiles.count() == 7
    assert "居民吹哨" in tiles.nth(6).inner_text()
    shot(page, "07-workbench-county")
    assert all(url.startswith(page.url.split("/")[0] + "//" + page.url.split("/")[2]) for url in requests), \
        [u for u in requests if "127.0.0.1" not in u]
    tiles.nth(1).click()
    page.wait_for_load_state("networkidle")
    assert "我的待办" in page.content()
