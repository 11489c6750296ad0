"""The published site as a person uses it: headless Chromium on a real HTTP server, plus axe-core.

Serves ``built / "output"`` on 127.0.0.1, opens the catalogue, types in the search box, follows
every link, reads a portrait, takes screenshots (into ``PORTRAITS_SCREENSHOT_DIR`` if set) and runs
the axe-core accessibility engine (bundled by the PyPI package ``axe-core-python``: no network).

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``,
``/usr/bin/chromedriver``) and the PyPI packages ``selenium`` and ``axe-core-python``; without
them these tests are skipped with the reason. The PDF checks need ``pdftoppm`` (poppler-utils).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .httpserver import LocalServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

# Three contrasting portraits: large urban, rural, with communes outside the region.
AXE_PORTRAITS = ["CLPE44001", "CLPE53002", "CLPE44003"]
AXE_BLOCKING = {"serious", "critical"}
# Rated "serious" by current axe-core (4.12) but "moderate" by the 4.4 that axe-core-python bundles:
# a table that scrolls sideways on a phone must be reachable with the keyboard.
AXE_ALWAYS_BLOCKING = {"scrollable-region-focusable"}
PHONE_WIDTH = 390


def _portrait_path(tid: str, name: str = "portrait.html") -> str:
    return f"portraits/clpe/{tid}/{name}"


# --------------------------------------------------------------------------------------- fixtures

def _axe_source() -> str:
    """axe.min.js as shipped inside a PyPI package; the newest axe-core if several are installed."""
    import re
    from importlib import resources

    found = []
    for package in ("axe_core_python", "axe_playwright_python"):
        try:
            path = resources.files(package) / "axe.min.js"
        except ModuleNotFoundError:
            continue
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            m = re.search(r"axe v(\d+)\.(\d+)\.(\d+)", text[:200])
            found.append((tuple(int(x) for x in m.groups()) if m else (0,), text))
    if not found:
        pytest.skip("axe-core not installed (pip install axe-core-python)")
    return max(found, key=lambda f: f[0])[1]


@pytest.fixture(scope="module")
def site(built):
    with LocalServer(built / "output") as server:
        yield server.url


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    value = os.environ.get("PORTRAITS_SCREENSHOT_DIR", "").strip()
    path = Path(value) if value else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(f"{CHROMIUM} or {CHROMEDRIVER} absent (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                "--disable-extensions", "--lang=fr-FR", "--window-size=1280,900",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # script errors, read by the tests
    # An explicit driver path: Selenium Manager is never asked to download anything.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _desktop(driver):
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})


def _phone(driver):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 2, "mobile": True})


def _screenshot(driver, path: Path, full: bool = False, max_height: int = 8000) -> Path:
    """The viewport, or the whole page (up to max_height CSS px) through the DevTools protocol."""
    import base64

    params = {"format": "png"}
    if full:
        width, height = driver.execute_script(
            "return [document.documentElement.clientWidth, document.documentElement.scrollHeight]")
        params |= {"captureBeyondViewport": True,
                   "clip": {"x": 0, "y": 0, "width": width, "height": min(height, max_height), "scale": 1}}
    data = driver.execute_cdp_cmd("Page.captureScreenshot", params)["data"]
    path.write_bytes(base64.b64decode(data))
    return path


def _open(driver, url: str):
    driver.get(url)
    assert driver.execute_script("return document.readyState") == "complete"


# Every link target, HTML <a href> and SVG <a href>/<a xlink:href> (a map) alike, as an absolute URL.
_LINKS_JS = """
return Array.from(document.querySelectorAll('a'), a =>
    a.getAttribute('href') || a.getAttributeNS('http://www.w3.org/1999/xlink', 'href'))
  .filter(h => h && !h.startsWith('#'))
  .map(h => new URL(h, document.baseURI).href);"""


def _norm(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c)).lower()


def _status(url: str) -> int:
    request = urllib.request.Request(url, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def _axe(driver, source: str) -> list[dict]:
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(source)
    result = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
           .then(r => done({violations: r.violations}))
           .catch(e => done({error: String(e)}));""")
    assert "error" not in result, result
    return result["violations"]


# Words of table cells cut in the middle across two lines (a column squeezed to a few characters).
_SPLIT_WORDS_JS = """
const bad = []; const re = /[^\\s\\-\\/]+/g;
for (const cell of document.querySelectorAll('table th, table td')) {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    re.lastIndex = 0; let m;
    while ((m = re.exec(node.data))) {
      const range = document.createRange();
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const lines = new Set(Array.from(range.getClientRects(), r => Math.round(r.top)));
      if (lines.size > 1) bad.push(m[0]);
    }
  }
}
return bad;"""


def _check_phone_layout(driver, where: str):
    """At phone width: no sideways scrolling of the whole page, no word of a table cut in two."""
    page_width, screen = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    wide = driver.execute_script("""
        const W = document.documentElement.clientWidth, out = [];
        const clipped = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
                                 if (getComputedStyle(p).overflowX !== 'visible') return true; return false; };
        for (const e of document.querySelectorAll('body *')) {
          const r = e.getBoundingClientRect();
          if (r.right > W + 1 && !clipped(e)) out.push(e.tagName.toLowerCase() + ': ' + (e.textContent || '').trim().slice(0, 60));
        }
        return out.slice(0, 5);""")
    split = driver.execute_script(_SPLIT_WORDS_JS)
    problems = []
    if page_width > screen:
        problems.append(f"page {page_width} px wide in a {screen} px phone screen; too wide: {wide}")
    if split:
        problems.append(f"{len(split)} word(s) of tables cut across lines, e.g. {split[:8]}")
    assert not problems, f"{where}: " + " ; ".join(problems)


def _describe(violations: list[dict], where: str) -> str:
    lines = []
    for v in violations:
        lines.append(f"{where}: [{v['impact']}] {v['id']} — {v['help']} ({len(v['nodes'])} node(s))")
        for node in v["nodes"][:3]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:200]
            lines.append(f"    {node['target']} {summary}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ tests

def _wait_search(driver, query: str):
    """Type ``query`` in the catalogue search and wait until its answer is announced."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    box = driver.find_element(By.ID, "recherche")
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "nb-resultats").text == "")
    if not query:
        return ""
    driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
                          box, query)
    return WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "nb-resultats").text)


def test_catalogue_search_filters_rows(browser, site, shots):
    """A territory's name still filters the tables; the rows shown are those named like the query
    plus those holding a commune found."""
    from selenium.webdriver.common.by import By

    _desktop(browser)
    _open(browser, site + "/index.html")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    _screenshot(browser, shots / "catalogue.png", full=True)

    rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-search]")
    assert len(rows) >= 20
    assert all(r.is_displayed() for r in rows)
    label = browser.find_element(By.CSS_SELECTOR, "label[for=recherche]")
    assert label.text.strip()

    for query in ("Angers", "alencon"):  # as typed on a phone: no accent, no capital
        count = _wait_search(browser, query)
        named = [_norm(query) in _norm(r.get_attribute("data-search")) for r in rows]
        holding = set(browser.execute_script(
            "return Array.from(document.querySelectorAll('#resultats-communes a'), a => a.getAttribute('href'))"))
        shown = [r.is_displayed() for r in rows]
        links = [r.find_element(By.CSS_SELECTOR, "th a").get_attribute("href").split("/", 3)[-1] for r in rows]
        assert any(named) and not all(shown), query
        for r, n, sh, link in zip(rows, named, shown, links):
            assert sh == (n or link in holding), (query, r.get_attribute("data-search"))
        assert f"; {sum(shown)} territoire" in count, count
        _screenshot(browser, shots / f"catalogue-recherche-{query}.png")

    _wait_search(browser, "")
    assert all(r.is_displayed() for r in rows)


def _clpe_of(db, commune: str) -> tuple[str, str]:
    return db.execute("select t.territory_id, t.label from ref.territory_commune tc join ref.territory t "
                      "using (set_id, territory_id) where tc.set_id = 'clpe' and tc.commune_code = ?",
                      [commune]).fetchone()


@pytest.fixture(scope="module")
def published(built):
    import duckdb

    con = duckdb.connect(str(built / "output" / "portraits.duckdb"), read_only=True)
    yield con
    con.close()


# query typed -> INSEE code of the commune it must find first
FIND = [("Nantes", "44109"), ("44109", "44109"), ("st nazaire", "44184"), ("ST-NAZAIRE", "44184"),
        ("Ancenis", "44003"), ("44000", "44109"), ("chemere", "44005"), ("44160", "44003")]


@pytest.mark.parametrize("query,code", FIND)
def test_find_my_commune_opens_its_portraits(browser, site, shots, published, query, code):
    """By name (any case, accents, hyphens, "St"), INSEE code, postcode, or the name or code of a
    commune merged since (Chéméré, delegated commune of Chaumes-en-Retz; 44160, the former code of Ancenis, now Ancenis-Saint-Géréon): the commune
    comes first, with the territory of every set holding it; its clpe portrait opens; the map
    highlights that territory."""
    from selenium.webdriver.common.by import By

    _desktop(browser)
    _open(browser, site + "/index.html")
    label = published.execute("select label from ref.commune where commune_code = ?", [code]).fetchone()[0]
    tid, tlabel = _clpe_of(published, code)
    count = _wait_search(browser, query)
    assert "commune" in count and "trouvée" in count, count
    first = browser.find_elements(By.CSS_SELECTOR, "#resultats-communes > li")[0]
    assert first.find_element(By.TAG_NAME, "h3").text == f"{label} ({code})"
    n_sets = published.execute("select count(distinct set_id) from ref.territory_commune where commune_code = ?",
                               [code]).fetchone()[0]
    assert len(first.find_elements(By.CSS_SELECTOR, ".commune-territories > li")) == n_sets
    assert browser.find_elements(By.CSS_SELECTOR, f'a.match[data-territory="clpe/{tid}"]')
    _screenshot(browser, shots / f"trouver-{_norm(query).replace(' ', '-')}.png")
    link = first.find_element(By.LINK_TEXT, tlabel)
    assert link.get_attribute("href").endswith(f"portraits/clpe/{tid}/portrait.html")
    link.click()
    assert tlabel in browser.title


def test_commune_anchor_and_hostile_queries(browser, site):
    """``index.html#commune-44109`` shows Nantes's territories; HTML, quotes and a very long
    string find nothing, inject nothing and raise no script error."""
    from selenium.webdriver.common.by import By

    _desktop(browser)
    _open(browser, site + "/index.html#commune-44109")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#resultats-communes h3"))
    assert browser.find_element(By.CSS_SELECTOR, "#resultats-communes h3").text == "Nantes (44109)"
    for query in ('<img src=x onerror="window.pwned=1">', "\"'); window.pwned=1; //", "Nantes" * 2000):
        count = _wait_search(browser, query)
        assert count, query
        assert not browser.execute_script("return window.pwned === 1")
        assert not browser.find_elements(By.CSS_SELECTOR, "#resultats-communes img, main img[src=x]")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]]
    assert not errors, errors


def test_ou_m_adresser_at_phone_width_matches_the_command(browser, site, shots, published):
    """« Où m'adresser ? » on a phone: Laval, young people: the same places in the same order as
    ``portraits annuaire orienter --commune 53130 --public jeunes_16_25``."""
    import re

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from pipelines.annuaire_cli import orienter_lines

    lines = orienter_lines(published, "53130", "jeunes_16_25", 10)
    expected = [m.group(1) for m in (re.match(r"^\s*\d+\.\s+≈?\s*[\d,]+ km\s+(.*?) \[", l) for l in lines) if m]
    assert len(expected) == 10
    _phone(browser)
    try:
        _open(browser, site + "/index.html#ou-m-adresser")
        browser.find_element(By.ID, "ou-commune").send_keys("laval")
        Select(browser.find_element(By.ID, "ou-public")).select_by_value("jeunes_16_25")
        browser.find_element(By.CSS_SELECTOR, "#ou-form button[type=submit]").click()
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#ou-resultats > li"))
        status = browser.find_element(By.ID, "ou-statut").text
        assert "Laval (53130)" in status, status
        names = [li.find_element(By.CSS_SELECTOR, ".lieu-nom strong").text
                 for li in browser.find_elements(By.CSS_SELECTOR, "#ou-resultats > li")]
        assert names == expected
        assert "Réseau de référence" in browser.find_element(By.ID, "ou-reference").text
        browser.execute_script("document.getElementById('ou-m-adresser').scrollIntoView()")
        _screenshot(browser, shots / "ou-m-adresser-telephone.png")
        _check_phone_layout(browser, "index.html#ou-m-adresser")
        violations = _axe(browser, _axe_source())
        blocking = [v for v in violations if v["impact"] in AXE_BLOCKING or v["id"] in AXE_ALWAYS_BLOCKING]
        assert not blocking, _describe(blocking, "Où m'adresser ? (téléphone)")
        # an ambiguous or unknown commune: a sentence, no list
        box = browser.find_element(By.ID, "ou-commune")
        box.clear()
        box.send_keys("zzzz")
        browser.find_element(By.CSS_SELECTOR, "#ou-form button[type=submit]").click()
        WebDriverWait(browser, 10).until(lambda d: "inconnue" in d.find_element(By.ID, "ou-statut").text)
        assert not browser.find_elements(By.CSS_SELECTOR, "#ou-resultats > li")
    finally:
        _desktop(browser)


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo (poppler-utils) not installed")
def test_essentiel_from_the_catalogue_has_4_pages(browser, site, tmp_path):
    from selenium.webdriver.common.by import By

    _desktop(browser)
    _open(browser, site + "/index.html")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a[href$='essentiel.pdf']")]
    assert len(links) >= 20
    pdf = tmp_path / "essentiel.pdf"
    with urllib.request.urlopen(links[0], timeout=20) as r:
        pdf.write_bytes(r.read())
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+4$", info, re.M), info


def test_every_catalogue_link_answers_200(browser, site):
    _desktop(browser)
    _open(browser, site + "/index.html")
    hrefs = browser.execute_script(_LINKS_JS)
    assert len(hrefs) >= 20
    origin = urllib.parse.urlsplit(site).netloc
    own = sorted({h for h in hrefs if urllib.parse.urlsplit(h).netloc == origin})  # no network for the others
    assert any(h.endswith("/portrait.pdf") for h in own) and any(h.endswith("/portrait.html") for h in own)
    broken = {}
    for href in own:
        status = _status(urllib.parse.urldefrag(href).url)
        if status != 200:
            broken[href] = status
    assert not broken, broken


def test_portrait_page_reads_well(browser, site, shots):
    from selenium.webdriver.common.by import By

    _desktop(browser)
    _open(browser, site + "/index.html")
    # The name in the table of territories (the catalogue map links to the same page, without text).
    link = browser.find_element(By.CSS_SELECTOR, f'tr[data-search] a[href="{_portrait_path("CLPE44001")}"]')
    label = link.text.strip()
    link.click()  # as a person: through the catalogue
    assert browser.current_url.endswith(_portrait_path("CLPE44001"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert browser.title.strip() and label in browser.title
    h1s = browser.find_elements(By.TAG_NAME, "h1")
    assert len(h1s) == 1 and h1s[0].text.strip() == label

    images = browser.find_elements(By.TAG_NAME, "img")
    assert images, "the portrait should show its charts"
    for img in images:
        assert (img.get_attribute("alt") or "").strip(), img.get_attribute("outerHTML")[:200]
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img), \
            "an image did not load"
    _screenshot(browser, shots / "portrait-CLPE44001-haut.png")
    _screenshot(browser, shots / "portrait-CLPE44001-page.png", full=True)

    # The table of contents and other in-page links lead somewhere.
    dangling = browser.execute_script("""
        return Array.from(document.querySelectorAll('a[href^="#"]'), a => a.getAttribute('href'))
                    .filter(h => h.length > 1 && !document.getElementById(decodeURIComponent(h.slice(1))));""")
    assert not dangling, f"in-page links to no element: {dangling}"

    # Same-site links of the portrait (if any) are not broken either.
    origin = urllib.parse.urlsplit(site).netloc
    hrefs = browser.execute_script(_LINKS_JS)
    for href in {urllib.parse.urldefrag(h).url for h in hrefs if urllib.parse.urlsplit(h).netloc == origin}:
        assert _status(href) == 200, href


@pytest.mark.parametrize("tid", AXE_PORTRAITS)
def test_portrait_at_phone_width(browser, site, shots, tid):
    _phone(browser)
    try:
        _open(browser, f"{site}/{_portrait_path(tid)}")
        _screenshot(browser, shots / f"portrait-{tid}-telephone.png")
        if tid == AXE_PORTRAITS[0]:
            _screenshot(browser, shots / f"portrait-{tid}-telephone-page.png", full=True)
        _check_phone_layout(browser, tid)
    finally:
        _desktop(browser)


def test_catalogue_at_phone_width(browser, site, shots):
    _phone(browser)
    try:
        _open(browser, site + "/index.html")
        _screenshot(browser, shots / "catalogue-telephone.png")
        _check_phone_layout(browser, "index.html")
    finally:
        _desktop(browser)


@pytest.mark.parametrize("width", ["ordinateur", "telephone"])
@pytest.mark.parametrize("page", ["index.html"] + [_portrait_path(t) for t in AXE_PORTRAITS])
def test_axe_no_serious_violation(browser, site, page, width):
    source = _axe_source()
    (_phone if width == "telephone" else _desktop)(browser)
    try:
        _open(browser, f"{site}/{page}")
        violations = _axe(browser, source)
    finally:
        _desktop(browser)
    where = f"{page} ({width})"
    if violations:
        print(_describe(violations, where))  # every impact, shown with -s or on failure
    blocking = [v for v in violations if v["impact"] in AXE_BLOCKING or v["id"] in AXE_ALWAYS_BLOCKING]
    assert not blocking, "axe-core: serious/critical violations\n" + _describe(blocking, where)


def test_axe_catches_a_planted_defect(browser, site):
    """Guards the check above: on a page with an unlabelled image and field, axe does report them."""
    source = _axe_source()
    _desktop(browser)
    _open(browser, site + "/index.html")
    browser.execute_script(
        "const d = document.createElement('div');"
        "d.innerHTML = '<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\"><input type=\"text\">';"
        "document.querySelector('main').appendChild(d);")
    found = {v["id"] for v in _axe(browser, source)}
    assert {"image-alt", "label"} <= found, found


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
@pytest.mark.parametrize("tid", AXE_PORTRAITS)
def test_pdf_pages_render(built, tmp_path, tid):
    from PIL import Image

    pdf = built / "output" / _portrait_path(tid, "portrait.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "p")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert 2 <= len(pages) <= 30, len(pages)
    for p in pages:
        lo, hi = Image.open(p).convert("L").getextrema()
        assert hi - lo > 100, f"blank page {p.name} of {tid}"
