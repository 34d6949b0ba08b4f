"""`perfxl serve` as a person uses it: headless Chromium (the Debian package, driven by Selenium
through the system chromedriver) uploads two samples, waits for the result, sorts and filters,
opens a finding's detail, switches to English, downloads summary.xlsx and checks it. A screenshot
of each page is kept in the test's temp folder (and in $PERFXL_SCREENSHOTS when set)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from web_helpers import SAMPLES, running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
)
if CHROMIUM is None or DRIVER is None:
    pytest.skip(
        "no chromium/chromedriver here (apt-get install chromium chromium-driver; .ci/run does)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture
def browser(tmp_path: Path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()


def _shot(driver, folder: Path, name: str) -> None:
    driver.save_screenshot(str(folder / f"{name}.png"))
    keep = os.environ.get("PERFXL_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(folder / f"{name}.png", Path(keep) / f"{name}.png")


def _click(wait, by: str, what: str) -> None:
    """Click once the element is there, again if the page re-drew it meanwhile."""
    from selenium.common.exceptions import StaleElementReferenceException

    for _ in range(20):
        try:
            wait.until(ec.element_to_be_clickable((by, what))).click()
            return
        except StaleElementReferenceException:
            time.sleep(0.1)
    raise AssertionError(f"could not click {what}")


def test_upload_wait_detail_download(browser, tmp_path: Path) -> None:
    import openpyxl

    samples = sorted(SAMPLES.glob("*.xlsx"))[:3:2]  # two departments
    with running_server(tmp_path / "data") as (base, _):
        wait = WebDriverWait(browser, 60)
        browser.get(base + "/")
        wait.until(ec.presence_of_element_located((By.ID, "new-run")))
        _shot(browser, tmp_path, "1-new")
        browser.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in samples))
        assert "2" in browser.find_element(By.ID, "chosen").text
        browser.find_element(By.ID, "start").click()
        wait.until(ec.presence_of_element_located((By.ID, "overview")))
        assert "#/run/" in browser.current_url
        figures = browser.find_element(By.CLASS_NAME, "figures").text
        assert "工作簿" in figures and "错误" in figures
        _shot(browser, tmp_path, "2-results")

        _click(wait, By.ID, "tab-projects")
        table = wait.until(ec.presence_of_element_located((By.ID, "projects-table")))
        assert len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) == 2
        browser.find_element(By.CSS_SELECTOR, 'th[data-key="errors"]').click()
        Select(browser.find_element(By.ID, "f-department")).select_by_index(1)
        assert len(browser.find_elements(By.CSS_SELECTOR, "#projects-table tbody tr")) == 1
        _shot(browser, tmp_path, "3-projects")

        _click(wait, By.ID, "tab-findings")
        wait.until(ec.presence_of_element_located((By.ID, "findings-table")))
        all_rows = len(browser.find_elements(By.CSS_SELECTOR, "#findings-table tbody tr"))
        Select(browser.find_element(By.ID, "f-severity")).select_by_value("error")
        errors = browser.find_elements(By.CSS_SELECTOR, "#findings-table tbody tr")
        assert 0 < len(errors) <= all_rows
        assert all("sev-error" in r.get_attribute("class") for r in errors)
        _shot(browser, tmp_path, "4-findings")
        errors[0].find_element(By.CLASS_NAME, "detail-link").click()
        flagged = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#sheet td.flagged")))
        assert flagged.is_displayed()
        assert browser.find_element(By.ID, "finding-message").text
        _shot(browser, tmp_path, "5-detail")

        browser.find_element(By.ID, "lang").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "back"), "Back to results"))
        _shot(browser, tmp_path, "6-detail-en")
        browser.find_element(By.ID, "lang").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "back"), "返回结果"))
        _click(wait, By.ID, "back")
        _click(wait, By.ID, "tab-downloads")
        link = wait.until(
            ec.presence_of_element_located(
                (By.CSS_SELECTOR, 'a.download[data-name="summary.xlsx"]')
            )
        )
        _shot(browser, tmp_path, "7-downloads")
        link.click()
        target = browser.downloads / "summary.xlsx"  # type: ignore[attr-defined]
        end = time.monotonic() + 30
        while not target.exists() and time.monotonic() < end:
            time.sleep(0.1)
        assert target.exists(), list(browser.downloads.iterdir())  # type: ignore[attr-defined]
        wb = openpyxl.load_workbook(target, read_only=True)
        assert {"总览", "项目汇总", "问题清单"} <= set(wb.sheetnames)
        wb.close()
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "1-new.png",
        "2-results.png",
        "3-projects.png",
        "4-findings.png",
        "5-detail.png",
        "6-detail-en.png",
        "7-downloads.png",
    ]


def test_season_board_in_the_page(browser, tmp_path: Path) -> None:
    samples = sorted(SAMPLES.glob("*.xlsx"))[:3]
    with running_server(tmp_path / "data", ledger=tmp_path / "season.db") as (base, _):
        wait = WebDriverWait(browser, 60)
        browser.get(base + "/")
        wait.until(ec.presence_of_element_located((By.ID, "record")))
        assert browser.find_element(By.ID, "record").is_selected()
        browser.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in samples))
        browser.find_element(By.ID, "start").click()
        wait.until(ec.presence_of_element_located((By.ID, "overview")))
        _click(wait, By.ID, "nav-season")
        table = wait.until(ec.presence_of_element_located((By.ID, "season-table")))
        assert len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) == 3
        assert "需修改" in browser.find_element(By.CLASS_NAME, "figures").text
        _shot(browser, tmp_path, "8-season")
