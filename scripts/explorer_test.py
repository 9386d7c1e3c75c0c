"""The explorers of the exported reports, driven in headless Chromium with the network cut off.

Usage: python3 scripts/explorer_test.py [--enforce-budgets] [--table docs/performance.md] [REPORTS_DIR]
       > REPORTS_DIR/explorer_values.json   (default: reports/test)

For each page with explorer boxes (notebooks 02, 03 and 07): the page must start its explorers from the inlined
WebAssembly module with no network request and no console error. Each explorer's controls are moved to three
settings; the plotted values and the settings they were computed at are written as JSON to standard output, and
`tests/explorer_values.rs` (DEMYSTIFY_EXPLORER_VALUES=that file) recomputes them with the native crate and
compares them to 1e-12. Text typed into a number box must give a message in the box and no exception. The update
times of the issue's budgets are measured, five updates each (computing and plotly's redraw), and the median is
held to the budget (shortcut 2 and 3 at L = 10^5, D = 8: under 50 ms; shortcut 1 at the page's largest P: under
1 s); each is printed on standard error with PASS or FAIL. Times are a benchmark, not a test: they fail the run only
with --enforce-budgets (`make bench-pages`), never in `make test`, where other work may share the cores. With
--table FILE, the times go into FILE between `<!-- page-results:start -->` and `<!-- page-results:end -->`, headed
by the date, commit, machine and Chromium version of the run; a screenshot of each explorer
after a change goes to REPORTS_DIR/screenshots/explorer-<kind>.png. Exits non-zero on any failure.
"""
import datetime, json, statistics, sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from offline_page import launch, open_page
from measured_on import commit, machine

# Sets the explorer's controls (by their aria-label) without an event each, then sends one change event, and
# resolves once the explorer has redrawn (its update counter moved).
APPLY = """([kind, values]) => new Promise((resolve) => {
  const box = [...document.querySelectorAll('.demystify-explorer')].find(b => JSON.parse(b.dataset.explorer).kind === kind);
  const before = Number(box.dataset.updates || 0);
  let last = null;
  for (const [name, value] of Object.entries(values)) {
    const c = box.querySelector(`[aria-label="${name}"]`);
    if (!c) throw new Error(`no control ${name}`);
    if (c.type === 'checkbox') c.checked = value; else c.value = String(value);
    last = c;
  }
  last.dispatchEvent(new Event('change'));
  const wait = () => Number(box.dataset.updates || 0) > before ? resolve(READ(box)) : setTimeout(wait, 5);
  wait();
})"""
READ = """(box) => ({
  state: box.dataset.state, status: box.querySelector('.explorer-status').textContent,
  used: box.dataset.state === 'ok' ? JSON.parse(box.dataset.used) : null,
  update_ms: Number(box.dataset.updateMs), compute_ms: Number(box.dataset.computeMs),
  traces: (box.querySelector('.explorer-plot').data || []).map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y), meta: t.meta || null})),
})"""
APPLY = APPLY.replace("READ(box)", f"({READ})(box)")

# Three settings per explorer (the numerical agreement), in the controls' own words.
SETTINGS = {
    "condition_vs_depth": [
        {"shortcut 1": True, "shortcut 2": True, "shortcut 3": False, "width D": 4, "teacher scale s": "0.5", "seed": "0", "largest depth L": "100000"},
        {"shortcut 1": True, "shortcut 2": True, "shortcut 3": True, "width D": 8, "teacher scale s": "1.25", "seed": "7", "largest depth L": "64"},
        {"shortcut 1": True, "shortcut 2": True, "shortcut 3": False, "width D": 2, "teacher scale s": "0.2", "seed": "123", "largest depth L": "256"},
    ],
    "spectrum_at_zero": [
        {"shortcut depth n": 2, "depth L": "3", "width D": 4, "teacher scale s": "0.5", "seed": "0"},
        {"shortcut depth n": 1, "depth L": "5", "width D": 4, "teacher scale s": "0.8", "seed": "11"},
        {"shortcut depth n": 3, "depth L": "7", "width D": 8, "teacher scale s": "0.5", "seed": "2"},
    ],
    "dense_memory": [
        {"parameters P": "131072", "Lanczos vectors k": "150"},
        {"parameters P": "4096", "Lanczos vectors k": "30"},
        {"parameters P": "1000000", "Lanczos vectors k": "300"},
    ],
}
# The update-time budgets: (explorer, settings, what, budget in ms).
BUDGETS = [
    ("condition_vs_depth", {"shortcut 1": False, "shortcut 2": True, "shortcut 3": False, "width D": 8, "largest depth L": "100000"},
     "shortcut 2, L up to 10^5, D = 8", 50),
    ("condition_vs_depth", {"shortcut 1": False, "shortcut 2": False, "shortcut 3": True, "width D": 8, "largest depth L": "100000"},
     "shortcut 3, L up to 10^5, D = 8", 50),
    ("spectrum_at_zero", {"shortcut depth n": 2, "depth L": "100000", "width D": 8}, "spectrum, shortcut 2, L = 10^5, D = 8", 50),
    ("condition_vs_depth", {"shortcut 1": True, "shortcut 2": False, "shortcut 3": False, "width D": 4, "largest depth L": "48"},
     "shortcut 1 up to the page's largest P (D = 4, L = 48, P = 768)", 1000),
    ("spectrum_at_zero", {"shortcut depth n": 1, "depth L": "12", "width D": 8}, "spectrum, shortcut 1 at the page's largest P (D = 8, L = 12, P = 768)", 1000),
]
# Text in a number box: a message in the box, no exception.
BAD_INPUT = {"condition_vs_depth": {"seed": "abc"}, "spectrum_at_zero": {"depth L": "three"},
             "dense_memory": {"parameters P": "1e3x"}}


def main():
    argv = sys.argv[1:]
    table = None
    if "--table" in argv:
        i = argv.index("--table")
        table = Path(argv[i + 1])
        del argv[i:i + 2]
    args = [a for a in argv if a != "--enforce-budgets"]
    enforce = "--enforce-budgets" in argv
    measured = []
    reports = Path(args[0] if args else "reports/test").resolve()
    pages = [p for p in sorted(reports.glob("[0-9][0-9]_*.html")) if 'class="demystify-explorer"' in p.read_text()]
    (reports / "screenshots").mkdir(exist_ok=True)
    failures, values, kinds_seen = [], [], set()
    with sync_playwright() as p:
        browser = launch(p)
        for path in pages:
            page, external, errors, started = open_page(browser, path)
            if not started:
                failures.append(f"{path.stem}: explorers did not start")
                continue
            kinds = page.evaluate("[...document.querySelectorAll('.demystify-explorer')].map(b => JSON.parse(b.dataset.explorer).kind)")
            for kind in kinds:
                kinds_seen.add(kind)
                first = page.evaluate(f"({READ})([...document.querySelectorAll('.demystify-explorer')].find(b => JSON.parse(b.dataset.explorer).kind === '{kind}'))")
                if first["state"] != "ok":
                    failures.append(f"{path.stem} {kind}: the first picture failed: {first['status']}")
                values.append({"page": path.stem, "kind": kind, "setting": "the notebook's", **first})
                for i, setting in enumerate(SETTINGS[kind]):
                    got = page.evaluate(APPLY, [kind, setting])
                    if got["state"] != "ok" or not got["traces"]:
                        failures.append(f"{path.stem} {kind} setting {i + 1}: {got['status']}")
                    values.append({"page": path.stem, "kind": kind, "setting": str(i + 1), **got})
                box = page.locator(".demystify-explorer", has=page.locator(".explorer-plot")).nth(kinds.index(kind))
                box.scroll_into_view_if_needed()
                box.screenshot(path=str(reports / "screenshots" / f"explorer-{kind}.png"))
                bad = page.evaluate(APPLY, [kind, BAD_INPUT[kind]])
                if bad["state"] != "error" or "not a whole number" not in bad["status"]:
                    failures.append(f"{path.stem} {kind}: text in a number box gave {bad['state']!r}: {bad['status']!r}")
                else:
                    print(f"{path.stem} {kind}: text in a number box: {bad['status']!r}", file=sys.stderr)
                box.screenshot(path=str(reports / "screenshots" / f"explorer-{kind}-bad-input.png"))
                page.evaluate(APPLY, [kind, SETTINGS[kind][0]])
                for budget_kind, setting, what, budget in BUDGETS:
                    if budget_kind != kind:
                        continue
                    # Each measurement is a full update (compute and redraw), as a reader's change of setting is.
                    runs = [page.evaluate(APPLY, [kind, setting]) for _ in range(5)]
                    times = [r["update_ms"] for r in runs]
                    typical = statistics.median(times)
                    verdict = "PASS" if typical < budget else "FAIL"
                    if verdict == "FAIL" and enforce:
                        failures.append(f"{what}: median {typical:.1f} ms, budget {budget} ms")
                    measured.append((what, typical, max(times), statistics.median(r['compute_ms'] for r in runs),
                                     budget, verdict))
                    print(f"{verdict} update time, {what}: median of 5 {typical:.1f} ms (computing "
                          f"{statistics.median(r['compute_ms'] for r in runs):.1f} ms, the rest is plotly's redraw), "
                          f"slowest {max(times):.1f} ms; budget {budget} ms", file=sys.stderr)
            if external:
                failures.append(f"{path.stem}: {len(external)} network requests, e.g. {external[0]}")
            if errors:
                failures.append(f"{path.stem}: {len(errors)} console errors, e.g. {errors[0][:200]}")
            page.close()
        version = browser.version
        browser.close()
    if table:
        write_table(table, measured, version, reports)
    missing = set(SETTINGS) - kinds_seen
    if missing:
        failures.append(f"no page has the explorers {sorted(missing)}")
    json.dump(values, sys.stdout, indent=1)
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    print(f"explorers: {len(kinds_seen)} checked on {len(pages)} pages, {len(values)} pictures recorded, "
          f"{len(failures)} failures", file=sys.stderr)
    sys.exit(1 if failures else 0)


def write_table(path: Path, measured: list, version: str, reports: Path) -> None:
    """The update times as a Markdown table between the page-results markers of `path`."""
    start, end = "<!-- page-results:start -->", "<!-- page-results:end -->"
    rows = "\n".join(f"| {what} | {typical:.1f} ms | {worst:.1f} ms | {compute:.1f} ms | {budget} ms | {verdict} |"
                     for what, typical, worst, compute, budget, verdict in measured)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"{start}\nMeasured by `make bench-pages` on {when}, commit {commit()}, on the pages in `{reports.relative_to(Path.cwd()) if reports.is_relative_to(Path.cwd()) else reports}/`: "
             f"{machine()}, headless Chromium {version}. Each update is a change of setting (computing in WebAssembly, "
             f"then plotly's redraw); the median of 5 is held to the budget.\n\n"
             f"| update | median of 5 | slowest | computing (median) | budget | verdict |\n|---|---|---|---|---|---|\n"
             f"{rows}\n{end}")
    text = path.read_text()
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n## Explorers in the report pages\n\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
