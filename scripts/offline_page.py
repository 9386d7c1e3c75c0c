"""A report page opened in headless Chromium with the network cut off, with its explorer and exercise boxes started:
what scripts/explorer_test.py and scripts/exercise_test.py drive."""
from pathlib import Path

from check_reports import chromium_path


def launch(playwright):
    """Headless Chromium from Debian, every host name unresolvable (nothing can leave the machine)."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND"])


def open_page(browser, path: Path):
    """Opens `path` at 1280×900 and waits for web/page.js to start its boxes. Returns the page, the list that
    collects blocked network requests, the list that collects console errors and uncaught exceptions, and whether
    the boxes started (`document.body.dataset.pageBoxes == "ready"`)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    external, errors = [], []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:", "blob:"))
               else (external.append(route.request.url), route.abort()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri(), wait_until="load", timeout=120_000)
    page.wait_for_function("document.body.dataset.pageBoxes !== undefined", timeout=30_000)
    return page, external, errors, page.evaluate("document.body.dataset.pageBoxes") == "ready"
