"""Every chart stands alone in a report (issue #19), in a real browser: in 截图模式, for a viewer
limited to one district and for a city-wide viewer, every chart of every page is titled with its
scope, year and as-of date, its camera button saves a PNG named after that scope and date, every
tick label is a whole name from the data, and no text runs past the edge of the picture."""

from __future__ import annotations

import re

import pytest

from pledge import auth, metrics
from tests.browser import log_in, open_page, page_problems, running_app, wait_until_drawn
from tests.fixtures import city_in

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

AS_OF = "截至2025年7月31日"  # the default as-of: the month end of the latest month with data
SHOTS = "/tmp/charts-standalone"
VIEWERS = {  # account → (district, the scope every title must name, pages with charts)
    "xishan": ("西山区", "西山区", ["总览", "区县", "企业", "质权人"]),
    "city": (None, "全市", ["总览", "区县", "企业", "质权人", "月度通报"]),
}
# What the charts of a page are about, in the title after the scope (the districts page shows the
# detail of the first district in the list: 东湖区 for the city).
CHARTS_JS = """els => els.map(el => {
    const svg = el.querySelector('.main-svg').getBoundingClientRect();
    const texts = Array.from(el.querySelectorAll('.main-svg text')).filter(t => t.textContent.trim());
    const outside = texts.filter(t => {
        const b = t.getBoundingClientRect();
        return b.width > 0 && (b.left < svg.left - 1 || b.right > svg.right + 1 || b.top < svg.top - 1
                               || b.bottom > svg.bottom + 1);
    }).map(t => t.textContent);
    return {
        title: (el.querySelector('.gtitle') || {textContent: ''}).textContent,
        ticks: Array.from(el.querySelectorAll('.xtick text, .ytick text')).map(t => t.textContent),
        file: el._context.toImageButtonOptions.filename,
        outside: outside,
    };
})"""
NUMERIC_TICK = re.compile(r"^[\d,.\-−]+%?$|^\d{1,2}月$")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    store = city_in(tmp_path_factory.mktemp("charts"))
    auth.add_user(store, "xishan", "password-x", "viewer", district="西山区")
    auth.add_user(store, "city", "password-c", "viewer")
    with store.read() as con:
        names = {
            *con.execute("SELECT name FROM v_districts").fetchdf()["name"],
            *con.execute("SELECT DISTINCT bank FROM v_loans").fetchdf()["bank"],
            *metrics.top_enterprises(con, 2025, metrics.default_as_of(con, 2025), 100)["name"],
            *metrics.patents_by_type(con, 2025, metrics.default_as_of(con, 2025))["patent_type"],
        }
    with running_app(store.path) as url:
        yield url, names


@pytest.mark.parametrize("account", list(VIEWERS))
def test_every_chart_in_presentation_mode_stands_alone(setup, browser, account):
    url, names = setup
    district, scope, pages = VIEWERS[account]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, url, account, "password-x" if district else "password-c")
    seen = 0
    for name in pages:
        open_page(page, name, timeout_ms=60_000)
        page.get_by_text("截图模式").click()
        page.get_by_role("button", name="退出截图模式").wait_for(timeout=60_000)  # a rerun drawing every chart
        wait_until_drawn(page, timeout_ms=60_000)
        assert page_problems(page) == [], name
        found = page.eval_on_selector_all('[data-testid="stPlotlyChart"] .js-plotly-plot', CHARTS_JS)
        drawn = page.locator('[data-testid="stPlotlyChart"]')
        for i in range(drawn.count()):  # each chart as it would be pasted into a report
            drawn.nth(i).scroll_into_view_if_needed()
            drawn.nth(i).screenshot(path=f"{SHOTS}-{account}-{name}-{i + 1}.png")
        for chart in found:
            title, ticks, file_name = chart["title"], chart["ticks"], chart["file"]
            where = f"{account} {name}: {title}"
            # The districts page's detail charts name the chosen district (东湖区 for the city).
            named = scope if not (name == "区县" and "各区县" not in title and district is None) else "东湖区"
            assert title.startswith(named), where
            as_of, stamp = AS_OF, "20250731"  # every page and the bulletin: the month end
            assert "2025年" in title and as_of in title, where
            assert file_name.startswith(named) and file_name.endswith(f"_截至{stamp}"), (where, file_name)
            if district:
                assert "全市" not in title and "各区县" not in title, where
            words = [t for t in ticks if t.strip() and not NUMERIC_TICK.match(t.strip())]
            assert all(t in names for t in words), (where, [t for t in words if t not in names])
            assert chart["outside"] == [], (where, chart["outside"])
        seen += len(found)
        page.get_by_role("button", name="退出截图模式").click()
        page.locator('[data-testid="stSidebar"]').wait_for(state="visible")
        wait_until_drawn(page)
    assert seen >= len(pages)
    page.close()
