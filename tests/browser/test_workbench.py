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
    assert tiles.count() == 6
    shot(page, "07-workbench-county")
    assert all(url.startswith(page.url.split("/")[0] + "//" + page.url.split("/")[2]) for url in requests), \
        [u for u in requests if "127.0.0.1" not in u]
    tiles.nth(1).click()
    page.wait_for_load_state("networkidle")
    assert "我的待办" in page.content()
