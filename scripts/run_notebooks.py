"""Execute the notebooks headlessly on the evcxr kernel and export each as a self-contained, offline HTML report.

Usage: python3 scripts/run_notebooks.py [--quick] [--solutions] [--out reports] [NOTEBOOK ...]

* Runs each notebook in `notebooks/` (or those named) with nbclient and the `rust` (evcxr) kernel, in the
  notebooks folder, stopping at the first cell error and printing the notebook, the cell and the message.
* `--quick` sets DEMYSTIFY_QUICK=1 (every analysis in its small version; same code path).
* `--solutions` also runs the worked solutions of the exercises (`notebooks/solutions/`, each checks that the
  crate's checkers accept its answers and reject a wrong one) and exports them to reports/solutions/ — the
  instructor's copy, linked from the notebooks' exercise sections and the index. Without it, reports show the
  exercises only, and their links to the solutions are plain text.
* EVCXR_TMPDIR defaults to /var/tmp/demystify-resnet/evcxr, a persistent folder outside the repository, so the kernels share one build of the
  dependencies (scripts/kernel_build.py, which also installs the kernel's cargo profile). With no build there yet,
  the dependency build runs first as a stage of its own (timed, recorded for scripts/stage_costs.py); the
  notebooks reuse it (and so does the next run).
* Writes reports/<name>.html (offline: no CDN script; MathJax inlined from the plotly crate's bundled copy),
  reports/executed/<name>.ipynb, reports/index.html and reports/timings.json. Every page gets a navigation bar
  (previous / index / next) and a table of contents built from its section headings; the index renders each
  notebook's introduction (Markdown and math) and lists the verdicts of its "Claims checked here" table.
"""
import argparse, functools, html, json, os, re, subprocess, sys, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from nbconvert.filters import markdown2html

import kernel_build
import stage_costs

ROOT = Path(__file__).resolve().parent.parent
# Lines the crate writes to stderr to report progress (demystify_resnet::progress::PREFIX).
PROGRESS = "progress: "
NOTEBOOKS = ROOT / "notebooks"


@functools.cache
def plotly_resource_dirs() -> tuple[Path, ...]:
    """The plotly crate's bundled resource folders, found through cargo metadata once per run (no download)."""
    meta = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--locked"], cwd=ROOT,
                                     check=True, capture_output=True, text=True).stdout)
    return tuple(Path(pkg["manifest_path"]).parent / "resource" for pkg in meta["packages"] if pkg["name"] == "plotly")


def plotly_resource(pattern: str) -> str:
    """A file of the plotly crate's bundled resources (plotly.js, MathJax)."""
    for resource in plotly_resource_dirs():
        found = sorted(resource.glob(pattern))
        if found:
            return found[-1].read_text()
    raise SystemExit(f"{pattern} not found in the plotly crate's resources (run `cargo fetch`)")


def mathjax_source() -> str:
    """MathJax 3 (tex-svg) as bundled by the plotly crate."""
    return plotly_resource("tex-svg-*.js")


EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)
EXTERNAL_LINK = re.compile(r"<link[^>]*\shref=\"https?://[^\"]*\"[^>]*>", re.I)
MATHJAX_CONFIG = """<script type="text/javascript">
window.MathJax = { tex: { inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
                          processEscapes: true }, svg: { fontCache: 'global' } };
</script>"""


def offline(page: str, mathjax: str) -> str:
    """Drops every script/stylesheet that would load from the network and inlines MathJax."""
    page = EXTERNAL_SCRIPT.sub("", page)
    page = EXTERNAL_LINK.sub("", page)
    inline = f"{MATHJAX_CONFIG}\n<script type=\"text/javascript\">{mathjax}</script>\n"
    return page.replace("</head>", inline + "</head>", 1)


def standalone(paragraph: str) -> str:
    """A paragraph that introduces what follows it ends with a colon; as a summary on its own it ends with its last
    complete sentence instead (or with a full stop, when it is a single sentence)."""
    text = paragraph.strip()
    if not text.endswith(":"):
        return text
    cut = text.rfind(". ", 0, len(text) - 1)
    return text[: cut + 1] if cut > 0 else text[:-1] + "."


def first_markdown(nb) -> tuple[str, str]:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines = cell.source.strip().splitlines()
            title = lines[0].lstrip("# ").strip()
            # The first paragraph after the title, as Markdown (rendered on the index with its math).
            paragraphs = "\n".join(lines[1:]).strip().split("\n\n")
            return title, standalone(paragraphs[0]) if paragraphs else ""
    return "", ""


SOLUTION_LINK = re.compile(r'<a href="solutions/([^"]+)\.ipynb">(.*?)</a>', re.S)
NOTEBOOK_LINK = re.compile(r'<a href="\.\./([0-9][0-9]_[^"/]+)\.ipynb">')


def link_solutions(page: str, with_solutions: bool) -> str:
    """Points the exercise sections' links at the exported solutions, or turns them into plain text."""
    if with_solutions:
        return SOLUTION_LINK.sub(lambda m: f'<a href="solutions/{m.group(1)}.html">{m.group(2)}</a>', page)
    return SOLUTION_LINK.sub(lambda m: m.group(2), page)


def build_kernel_dependencies(first: Path, timeout: int) -> float:
    """The dependency build as a stage of its own: a kernel runs the first notebook's set-up cells (`:dep` on this
    crate, then `use demystify_resnet::prelude::*`), which compiles the crate and its dependencies into
    EVCXR_TMPDIR. Returns the seconds it took."""
    nb = nbformat.read(first, as_version=4)
    set_up = [c for c in nb.cells if c.cell_type == "code"][:1]
    if not set_up or not set_up[0].source.startswith(":dep"):
        raise SystemExit(f"{first.name}: the first code cell should load the crate with :dep")
    nb.cells = set_up + [nbformat.v4.new_code_cell("use demystify_resnet::prelude::*;")]
    client = NotebookClient(nb, kernel_name="rust", timeout=timeout, allow_errors=False,
                            resources={"metadata": {"path": str(first.parent)}})
    started = time.time()
    client.execute()
    return time.time() - started


def run(path: Path, out: Path, timeout: int, with_solutions: bool = False) -> dict:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="rust", timeout=timeout, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.time()
    try:
        client.execute()
    except CellExecutionError as e:
        failing = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
            o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        print(f"\nFAILED: {path.name}, code cell {failing}:", file=sys.stderr)
        if failing is not None:
            print("---- cell source ----\n" + nb.cells[failing].source, file=sys.stderr)
        print("---- error ----\n" + str(e), file=sys.stderr)
        raise SystemExit(1)
    seconds = time.time() - started
    # evcxr reports an error returned by `?` on stderr without failing the cell: treat stderr as a failure, except
    # the crate's progress lines (each starts with PROGRESS), which are dropped so reports carry no clutter.
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        kept = []
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                other = [l for l in o.get("text", "").splitlines() if l.strip() and not l.startswith(PROGRESS)]
                if other:
                    print(f"\nFAILED: {path.name}, code cell {i} wrote to stderr:\n---- cell source ----\n{cell.source}"
                          f"\n---- stderr ----\n" + "\n".join(other), file=sys.stderr)
                    raise SystemExit(1)
                continue  # progress only
            if o.get("output_type") == "stream" and o.get("name") == "stdout":
                # In a kernel the crate's progress lines go to standard output (drawn like printed text, not like
                # an error); the report keeps what the cell printed and drops them.
                text = "".join(l for l in o.get("text", "").splitlines(keepends=True) if not l.startswith(PROGRESS))
                if not text.strip():
                    continue
                o["text"] = text
            kept.append(o)
        cell["outputs"] = kept
    (out / "executed").mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / "executed" / path.name)
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    body = NOTEBOOK_LINK.sub(lambda m: f'<a href="../{m.group(1)}.html">', link_solutions(body, with_solutions))
    (out / f"{path.stem}.html").write_text(offline(body, run.mathjax))
    figures = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if "application/vnd.plotly.v1+json" in o.get("data", {}))
    title, summary = first_markdown(nb)
    print(f"{path.name}: {seconds:.1f} s, {figures} figures", flush=True)
    return {"notebook": path.stem, "seconds": round(seconds, 1), "figures": figures, "title": title, "summary": summary}


CLAIMS_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CLAIMS_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def claim_verdicts(executed: Path) -> list:
    """(id, verdict) of every row of the notebook's "Claims checked here" table (the cell calling claims_frame)."""
    nb = json.loads(executed.read_text())
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or "claims_frame" not in "".join(cell["source"]):
            continue
        for o in cell.get("outputs", []):
            page = "".join(o.get("data", {}).get("text/html", ""))
            for row in CLAIMS_ROW.findall(page):
                cells = [html.unescape(re.sub("<[^>]+>", "", c)).strip() for c in CLAIMS_CELL.findall(row)]
                if len(cells) >= 5:
                    found.append((cells[0], cells[4]))
    return found


def first_figure(executed: Path) -> dict | None:
    """The plotly JSON (data, layout) of the notebook's first figure output, or None."""
    nb = json.loads(executed.read_text())
    for cell in nb["cells"]:
        for o in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            figure = o.get("data", {}).get("application/vnd.plotly.v1+json")
            if figure:
                return figure
    return None


def thumbnail(figure: dict, element_id: str) -> str:
    """The figure redrawn small and static (no legend, no toolbar) by the page's inlined plotly.js."""
    layout = dict(figure.get("layout", {}))
    layout.update(width=440, height=280, showlegend=False, annotations=[],
                  margin={"l": 50, "r": 10, "t": 40, "b": 40}, font={"size": 10})
    title = layout.get("title")
    if isinstance(title, dict):
        layout["title"] = dict(title, font={"size": 12})
    spec = json.dumps({"data": figure.get("data", []), "layout": layout}).replace("</", "<\\/")
    return (f'<div class="dr-thumb" id="{element_id}"></div><script>(function(){{const f = {spec};'
            f'Plotly.newPlot("{element_id}", f.data, f.layout, {{staticPlot: true, displayModeBar: false}});}})();</script>')


HEADING = re.compile(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"', re.S)


def add_navigation(page_path: Path, prev: str | None, nxt: str | None, index_href: str) -> None:
    """Inserts a bar with previous / index / next links and a table of contents of the page's h2 headings."""
    page = page_path.read_text()
    if 'class="dr-nav"' in page:
        return
    links = [f'<a href="{html.escape(prev)}.html">← previous</a>' if prev else "",
             f'<a href="{index_href}">index</a>',
             f'<a href="{html.escape(nxt)}.html">next →</a>' if nxt else ""]
    toc = " · ".join(f'<a href="#{hid}">{re.sub("<[^>]+>", "", text).strip()}</a>' for hid, text in HEADING.findall(page))
    nav = ('<nav class="dr-nav" style="font-family:sans-serif;font-size:0.9em;margin:8px 0 16px 0;padding:6px 10px;'
           'border-bottom:1px solid #ccc">' + " | ".join(l for l in links if l)
           + (f'<div style="margin-top:4px"><b>Contents:</b> {toc}</div>' if toc else "") + "</nav>")
    page_path.write_text(page.replace("<main>", "<main>" + nav, 1))


def index_page(results: list, quick: bool, solutions: list = (), out: Path | None = None) -> str:
    def entry(r):
        verdicts = claim_verdicts(out / "executed" / f"{r['notebook']}.ipynb") if out else []
        counts = {}
        for _, v in verdicts:
            counts[v] = counts.get(v, 0) + 1
        claims = ""
        if verdicts:
            summary = ", ".join(f"{n} {v}" for v, n in counts.items())
            claims = (f"<div style=\"font-size:0.9em\"><b>Claims checked:</b> {html.escape(summary)} — "
                      + ", ".join(f"<code>{html.escape(i)}</code> {html.escape(v)}" for i, v in verdicts) + "</div>")
        figure = first_figure(out / "executed" / f"{r['notebook']}.ipynb") if out else None
        thumb = thumbnail(figure, f"thumb-{r['notebook']}") if figure else ""
        return (f"<li><div class=\"dr-entry\"><div class=\"dr-text\"><a href=\"{r['notebook']}.html\">"
                f"<b>{html.escape(r['title'])}</b></a><div>{markdown2html(r['summary'])}</div>{claims}</div>"
                f"{thumb}</div></li>")
    items = "\n".join(entry(r) for r in results)
    if solutions:
        items += "\n</ol>\n<h2>Worked solutions (instructor's copy)</h2>\n<ul>\n" + "\n".join(
            f"<li><a href=\"solutions/{r['notebook']}.html\">{html.escape(r['title'])}</a></li>" for r in solutions) + "\n</ul><ol>"
    mode = "quick mode (small sweeps)" if quick else "full analyses"
    plotly_js = plotly_resource("plotly.min.js") if out else ""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>demystify-resnet reports</title>
<style>body{{font-family:sans-serif;max-width:76em;margin:2em auto;line-height:1.5}} li{{margin-bottom:1.2em}}
.dr-entry{{display:flex;gap:1.5em;align-items:flex-start}} .dr-text{{flex:1;min-width:0}}
.dr-thumb{{flex:0 0 440px;border:1px solid #ddd}}</style>
<script type="text/javascript">{plotly_js}</script></head>
<body><h1>demystify-resnet: reports</h1>
<p>Executable companion to <i>Demystifying ResNet</i> (Li, Jiao, Han, Weissman, 2016). Read the notebooks in this
order; each states the paper's claim before the experiment that tests it. Generated by
<code>scripts/run_notebooks.py</code> ({mode}); every page works offline.</p>
<ol>
{items}
</ol></body></html>
"""


TIMINGS = re.compile(r"<!-- notebook-timings:start -->.*?<!-- notebook-timings:end -->", re.S)


def record_timings(label: str, results: list, quick: bool) -> None:
    """Adds or replaces the row `label` of the timing table between the notebook-timings markers in
    docs/setup-costs.md."""
    page = ROOT / "docs" / "setup-costs.md"
    text = page.read_text()
    match = TIMINGS.search(text)
    if not match:
        raise SystemExit("docs/setup-costs.md has no notebook-timings markers")
    names = [r["notebook"][:2] for r in results]
    header = "| run | mode | total | " + " | ".join(names) + " |"
    rows = {}
    for line in match.group(0).splitlines():
        if line.startswith("| ") and not line.startswith("| run ") and not line.startswith("|---"):
            rows[line.split("|")[1].strip()] = line
    total = sum(r["seconds"] for r in results)
    rows[label] = (f"| {label} | {'quick' if quick else 'full'} | {total / 60:.1f} min | "
                   + " | ".join(f"{r['seconds']:.0f} s" for r in results) + " |")
    block = ("<!-- notebook-timings:start -->\n" + header + "\n|" + "---|" * (3 + len(names)) + "\n"
             + "\n".join(rows.values()) + "\n<!-- notebook-timings:end -->")
    page.write_text(TIMINGS.sub(lambda _: block, text))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="set DEMYSTIFY_QUICK=1")
    parser.add_argument("--solutions", action="store_true",
                        help="also run notebooks/solutions/ and export them (the instructor's copy)")
    parser.add_argument("--out", default=str(ROOT / "reports"))
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell (the first compiles the crate)")
    parser.add_argument("--timings-row", metavar="LABEL",
                        help="record this run's timings in docs/setup-costs.md's notebook timing table under LABEL")
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args()
    if args.quick:
        os.environ["DEMYSTIFY_QUICK"] = "1"
    evcxr_tmpdir = kernel_build.prepare()
    new_profile = not kernel_build.build_is_current(evcxr_tmpdir)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run.mathjax = mathjax_source()
    paths = [NOTEBOOKS / (n if n.endswith(".ipynb") else n + ".ipynb") for n in args.notebooks] or \
        sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    mode = "quick" if args.quick else "full"
    cold = not stage_costs.dependency_build_present(evcxr_tmpdir)
    if cold or new_profile:
        print(f"building the kernel's dependencies ({'empty EVCXR_TMPDIR' if cold else 'new cargo profile'}) ...",
              flush=True)
        seconds = build_kernel_dependencies(paths[0], args.timeout)
        if cold:  # a rebuild after a profile change reuses part of the old build: not the cold cost
            stage_costs.record("dependency_build", seconds)
        kernel_build.mark_built(evcxr_tmpdir)
        print(f"kernel's dependency build: {seconds / 60:.1f} min", flush=True)
    results = [run(p, out, args.timeout, args.solutions) for p in paths]
    solutions = []
    if args.solutions:
        wanted = {p.stem for p in paths}
        solution_paths = [p for p in sorted((NOTEBOOKS / "solutions").glob("[0-9][0-9]_*_solutions.ipynb"))
                          if p.stem.removesuffix("_solutions") in wanted]
        solutions = [run(p, out / "solutions", args.timeout, True) for p in solution_paths]
    for group, folder, index_href in ((results, out, "index.html"), (solutions, out / "solutions", "../index.html")):
        names = [r["notebook"] for r in group]
        for k, name in enumerate(names):
            add_navigation(folder / f"{name}.html", names[k - 1] if k > 0 else None,
                           names[k + 1] if k + 1 < len(names) else None, index_href)
    (out / "index.html").write_text(offline(index_page(results, args.quick, solutions, out), run.mathjax))
    (out / "timings.json").write_text(json.dumps({"quick": args.quick, "notebooks": results, "solutions": solutions,
                                                  "total_seconds": round(sum(r["seconds"] for r in results), 1)}, indent=1))
    if not args.notebooks:  # the whole set: what `make reports` and `make test` run
        stage_costs.record(f"notebooks_{mode}", sum(r["seconds"] for r in results))
        if solutions:
            stage_costs.record(f"solutions_{mode}", sum(r["seconds"] for r in solutions))
    if args.timings_row:
        record_timings(args.timings_row, results, args.quick)
    print(f"wrote {out}/index.html ({len(results)} reports, {sum(r['seconds'] for r in results):.0f} s)")


if __name__ == "__main__":
    main()
