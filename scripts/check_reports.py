"""Open every exported report in headless Chromium with the network unreachable and check that it works offline.

Usage: python3 scripts/check_reports.py [REPORTS_DIR]   (default: reports)

For each reports/<name>.html, reports/solutions/<name>.html (when exported) and the index: every request that is not a local file is blocked and recorded;
the page must make none, raise no JavaScript error, carry the navigation bar (reports) or show no raw
`$`/`**` markers and draw every thumbnail (index), fit a 1280-px window (no table wider than its space, none
showing more than 30 rows unless its "show all rows" toggle is opened, no raw `$` or `**` in rendered Markdown),
draw as many plotly figures (an `svg.main-svg` inside each
`.js-plotly-plot`) as the executed notebook has figure outputs, and typeset its math (MathJax `mjx-container`); its
record (executed/<name>.json) must hold the peak resident memory of the kernel that ran it (at least 0.5 GB).
A full-page screenshot goes to reports/screenshots/<name>.png for people to look at.
Prints 'N passed, N failed' and exits non-zero on any failure.
"""
import json, re, shutil, sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def chromium_path() -> str:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("Chromium not found (Debian: apt-get install chromium)")


def expected_figures(executed: Path) -> int:
    nb = json.loads(executed.read_text())
    # Every Figure output carries the plotly JSON next to its HTML (the plotly.js bootstrap does not).
    return sum(1 for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
               if "application/vnd.plotly.v1+json" in o.get("data", {}))


MAX_ROWS = 30
# What a reader sees at 1280 px: the page's width; tables wider than the element that holds them; tables showing
# more than MAX_ROWS body rows outside a closed "show all rows" <details>; `$`, `$$` or `**` left in rendered
# Markdown (after MathJax has typeset the math).
LAYOUT = """() => {
  const visible = t => { const d = t.closest('details'); return !d || d.open; };
  const tables = [...document.querySelectorAll('table')].filter(visible);
  const wide = tables.filter(t => t.getBoundingClientRect().width > t.parentElement.getBoundingClientRect().width + 1)
    .map(t => `${Math.round(t.getBoundingClientRect().width)} px in ${Math.round(t.parentElement.getBoundingClientRect().width)} px`);
  const long = tables.filter(t => t.querySelectorAll('tbody tr').length > %d)
    .map(t => `${t.querySelectorAll('tbody tr').length} rows`);
  const raw = [...document.querySelectorAll('.jp-RenderedMarkdown, .jp-RenderedHTMLCommon:not(.jp-OutputArea-output), li')]
    .map(e => { const c = e.cloneNode(true); c.querySelectorAll('code, pre, mjx-container, script').forEach(x => x.remove());
                return c.textContent; })
    .flatMap(t => (t.match(/.{0,20}(\\$|\\*\\*).{0,20}/g) || []));
  return {pageWidth: document.documentElement.scrollWidth, wide, long, raw};
}""" % MAX_ROWS


def main():
    reports = Path(sys.argv[1] if len(sys.argv) > 1 else "reports").resolve()
    pages = sorted(reports.glob("[0-9][0-9]_*.html")) + sorted((reports / "solutions").glob("[0-9][0-9]_*.html"))
    if not pages:
        raise SystemExit(f"no reports in {reports}: run the notebooks first")
    (reports / "screenshots").mkdir(exist_ok=True)
    passed, failed = 0, 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND"])
        for page_path in pages + [reports / "index.html"]:
            name = page_path.stem
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            external, errors = [], []
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:", "blob:"))
                       else (external.append(route.request.url), route.abort()))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(f"failed load: {r.url}") if r.url.startswith("file:") else None)
            page.goto(page_path.as_uri(), wait_until="load", timeout=120_000)
            problems = []
            if name != "index":
                want = expected_figures(page_path.parent / "executed" / f"{name}.ipynb")
                page.wait_for_timeout(1500)
                # The notebook's figures; an explorer's own figure (scripts/explorer_test.py checks those) is not one.
                drawn = page.evaluate("Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                      ".filter(d => !d.closest('.demystify-explorer') && d.querySelector('svg.main-svg')).length")
                boxes = page.evaluate("document.querySelectorAll('.demystify-explorer, .demystify-exercise').length")
                if boxes and page.evaluate("document.body.dataset.pageBoxes") != "ready":
                    problems.append(f"{boxes} explorer and exercise boxes did not start")
                if drawn != want:
                    problems.append(f"{drawn} of {want} figures drawn")
                has_math = page.evaluate("document.body.innerText.includes('$') || document.querySelectorAll('mjx-container').length > 0")
                math = page.evaluate("document.querySelectorAll('mjx-container').length")
                if has_math and math == 0:
                    problems.append("math not typeset")
                # The memory the notebook needed (scripts/run_notebooks.py samples the kernel and what it starts): an
                # evcxr kernel that has loaded this crate holds more than a gigabyte, so less than half of one means
                # the sampler saw no kernel.
                record = page_path.parent / "executed" / f"{name}.json"
                peak = json.loads(record.read_text()).get("peak_resident_bytes") if record.is_file() else "no record"
                if not isinstance(peak, int) or peak < 500_000_000:
                    problems.append(f"its record holds no kernel's peak resident memory (peak_resident_bytes: {peak})")
            else:
                page.wait_for_timeout(1500)
                # Each notebook's first figure, redrawn as a thumbnail beside its entry.
                want = page.evaluate("document.querySelectorAll('.dr-thumb').length")
                drawn = page.evaluate("Array.from(document.querySelectorAll('.dr-thumb')).filter(d => d.querySelector('svg.main-svg')).length")
                if drawn != want:
                    problems.append(f"{drawn} of {want} thumbnails drawn")
                math = page.evaluate("document.querySelectorAll('mjx-container').length")
                # Rendered Markdown and math: no raw TeX delimiters or ** left in the visible text.
                raw = page.evaluate("(() => { const t = document.body.innerText; return (t.match(/\\$/g) || []).length + (t.match(/\\*\\*/g) || []).length; })()")
                if raw:
                    problems.append(f"{raw} raw $ or ** markers visible")
            # A table or figure that evcxr showed as Rust debug text instead of its display (a cell whose last
            # expression holds a `?` can fall back to `Debug`).
            debug_text = page.evaluate("(() => { const t = document.body.innerText; "
                                       "return (t.match(/\\b(Table|Figure|ClaimsTable) \\{/g) || []).length; })()")
            if debug_text:
                problems.append(f"{debug_text} outputs shown as Rust debug text (Table {{ … }}) instead of a table or figure")
            layout = page.evaluate(LAYOUT)
            if layout["pageWidth"] > 1280:
                problems.append(f"page is {layout['pageWidth']} px wide at a 1280-px window")
            if layout["wide"]:
                problems.append(f"{len(layout['wide'])} tables wider than their space, e.g. {layout['wide'][0]}")
            if layout["long"]:
                problems.append(f"{len(layout['long'])} tables show more than {MAX_ROWS} rows unasked, e.g. {layout['long'][0]}")
            if layout["raw"]:
                problems.append(f"raw TeX or Markdown visible in rendered text: {layout['raw'][:2]}")
            if name != "index" and not page.evaluate("document.querySelector('nav.dr-nav a[href$=\"index.html\"]') !== null"):
                problems.append("no navigation bar with a link to the index")
            footer = page.evaluate("(() => { const f = document.querySelector('footer.dr-provenance'); "
                                   "return f && f.offsetHeight > 0 ? f.innerText : ''; })()")
            if name != "index" and not re.search(r"(quick|full) mode.*commit \S+.*cores.*ran in", footer):
                problems.append(f"no visible footer stating mode, commit, machine and run time: {footer[:120]!r}")
            if external:
                problems.append(f"{len(external)} network requests blocked, e.g. {external[0]}")
            if errors:
                problems.append(f"{len(errors)} errors, e.g. {errors[0][:200]}")
            page.screenshot(path=str(reports / "screenshots" / f"{name}.png"), full_page=name == "index")
            page.close()
            if problems:
                failed += 1
                print(f"FAIL {name}: " + "; ".join(problems))
            else:
                passed += 1
                print(f"ok   {name}: {drawn}/{want} figures drawn, {math} formulas typeset, no network, no errors")
        browser.close()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
