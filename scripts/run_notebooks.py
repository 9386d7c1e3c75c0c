"""Execute the notebooks headlessly on the evcxr kernel and export each as a self-contained, offline HTML report.

Usage: python3 scripts/run_notebooks.py [--quick] [--solutions] [--out reports] [NOTEBOOK ...]

* Runs each notebook in `notebooks/` (or those named) with nbclient and the `rust` (evcxr) kernel, in the
  notebooks folder, stopping at the first cell error and printing the notebook, the cell and the message. The
  notebooks of a folder share one kernel, cleared with evcxr's `:clear` between them (FolderKernel): each starts
  with nothing defined, and only the folder's first one waits for the kernel's first analysis of the crate.
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
  reports/executed/<name>.ipynb with its record reports/executed/<name>.json (mode, commit, date, machine, run
  time, the checked claims, the highest resident memory of the kernel and what it started while the notebook ran), reports/index.html and reports/timings.json. Every page gets a navigation bar
  (previous / index / next), a table of contents built from its section headings, and a footer saying how it was
  made (quick or full, commit, date, machine, run time). The index renders each notebook's introduction (Markdown
  and math), its mode, and the verdicts of its "Claims checked here" table, read from the data the notebook's
  claims cell emits (`application/vnd.demystify-resnet.claims+json`), never from the rendered HTML.
* An interrupted build loses nothing: the build runs in a staging folder beside the output (seeded with the
  pages already there, so a run of some notebooks keeps the others) and replaces the output only when it is
  complete; the index is made from the records of the pages actually in it. On SIGTERM, SIGINT or any failure,
  every kernel the build started is killed with its process group (found by JPY_PARENT_PID, which jupyter_client
  gives each kernel and its children inherit) and the staging folder is removed.
"""
import argparse, base64, datetime, functools, html, json, os, re, shutil, signal, subprocess, sys, time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from nbconvert.filters import markdown2html

import kernel_build
import stage_costs
from measured_on import commit, machine
from process_table import PeakResident, processes_with_env

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
from warm_kernels import clear_evcxr  # noqa: E402 (deploy/: the students' servers clear kernels the same way)
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


EXPLORER_BOX = 'class="demystify-explorer"'  # demystify_resnet::report::explorer::EXPLORER_CLASS
EXERCISE_BOX = 'class="demystify-exercise"'  # demystify_resnet::exercises::EXERCISE_CLASS


@functools.cache
def web_module() -> str:
    """The page's WebAssembly module (web/, built by scripts/wasm_core.sh, which prints its path last), base64."""
    built = subprocess.run([str(ROOT / "scripts" / "wasm_core.sh")], cwd=ROOT, check=True, capture_output=True, text=True)
    return base64.b64encode(Path(built.stdout.strip().splitlines()[-1]).read_bytes()).decode()


def with_page_script(page: str) -> str:
    """A page with an explorer or an exercise box gets the WebAssembly module and web/page.js inlined before
    </body> (nothing to fetch: the page stays one offline file); other pages are unchanged."""
    if EXPLORER_BOX not in page and EXERCISE_BOX not in page:
        return page
    script = (ROOT / "web" / "page.js").read_text()
    inline = (f'<script type="text/javascript">window.DEMYSTIFY_WEB_WASM = "{web_module()}";</script>\n'
              f'<script type="text/javascript">{script}</script>\n')
    return page.replace("</body>", inline + "</body>", 1)


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


class FolderKernel:
    """One evcxr kernel for the notebooks of one folder, cleared between them.

    A fresh kernel's first cells wait for rust-analyzer, inside evcxr, to analyse this crate's whole dependency graph
    (the `:dep` cell and the first `let`: 25-40 s of one core, docs/classroom.md "The per-kernel cost"), whatever
    the notebook computes. evcxr's `:clear` drops every variable, item, `use` and dependency of the cells run so far
    and restarts the process the cells run in, but keeps that analysis. So each notebook after a folder's first one
    starts in a kernel with nothing defined, as a fresh one would, without the wait; before it runs, `:vars` must
    list no variable. The kernel starts in the folder (the notebooks' `:dep` paths are relative to it), once per
    folder: notebooks/ and notebooks/solutions/."""

    def __init__(self, folder: Path, timeout: int):
        self.folder, self.timeout = folder, timeout
        self.km: KernelManager | None = None
        self.notebooks_run = 0

    def execute(self, nb, allow_errors: bool = False):
        """Executes `nb` (nbclient) on this folder's kernel: started at the first call (or when the last one died or
        was discarded), cleared at the later ones. Raises what nbclient raises (CellExecutionError, DeadKernelError,
        CellTimeoutError)."""
        client = self._client(nb, allow_errors)
        try:
            client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()

    def _client(self, nb, allow_errors: bool) -> NotebookClient:
        if self.km is not None and not self.km.is_alive():
            self.discard()
        if self.km is None:
            # nbclient's own client for it is asynchronous (it watches for a dead kernel and a cell's timeout while it
            # waits for output); so is the one the clearing below uses.
            self.km = KernelManager(kernel_name="rust", client_class="jupyter_client.asynchronous.AsyncKernelClient")
            self.km.start_kernel(cwd=str(self.folder))
        if self.notebooks_run:
            self.clear()
        self.notebooks_run += 1
        return NotebookClient(nb, km=self.km, timeout=self.timeout, allow_errors=allow_errors,
                              resources={"metadata": {"path": str(self.folder)}})

    def clear(self) -> None:
        """`:clear`, then `:vars`, which must print no variable (clear_evcxr, as the students' servers clear a
        restarted kernel)."""
        async def cleared():
            kc = self.km.client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=60)
                return await clear_evcxr(kc, self.timeout)
            finally:
                kc.stop_channels()
        failed = run_sync(cleared)()  # on the event loop nbclient runs on
        if failed:
            raise SystemExit(f"{self.folder}: the kernel was not cleared between notebooks ({failed})")

    def shutdown(self) -> None:
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=not self.km.is_alive())
        self.km = None

    def discard(self) -> None:
        """Stops this kernel (after a notebook that killed it or timed out); the next notebook gets a fresh one."""
        self.shutdown()
        self.notebooks_run = 0


class FolderKernels:
    """The FolderKernel of each folder, started as asked for: `of(folder)` gives the one kernel for that folder."""

    def __init__(self, timeout: int):
        self.timeout = timeout
        self.kernels: dict[Path, FolderKernel] = {}

    def of(self, folder: Path) -> FolderKernel:
        if folder not in self.kernels:
            self.kernels[folder] = FolderKernel(folder, self.timeout)
        return self.kernels[folder]

    def shutdown(self, keep: Path | None = None) -> None:
        """Shuts down (and forgets) every folder's kernel but `keep`'s."""
        for folder in [f for f in self.kernels if f != keep]:
            self.kernels.pop(folder).shutdown()


def build_kernel_dependencies(first: Path, kernel: FolderKernel) -> float:
    """The dependency build as a stage of its own: the first notebook's folder kernel runs its set-up cells (`:dep`
    on this crate, then `use demystify_resnet::prelude::*`), which compiles the crate and its dependencies into
    EVCXR_TMPDIR. Returns the seconds it took."""
    nb = nbformat.read(first, as_version=4)
    set_up = [c for c in nb.cells if c.cell_type == "code"][:1]
    if not set_up or not set_up[0].source.startswith(":dep"):
        raise SystemExit(f"{first.name}: the first code cell should load the crate with :dep")
    nb.cells = set_up + [nbformat.v4.new_code_cell("use demystify_resnet::prelude::*;")]
    started = time.time()
    kernel.execute(nb)
    return time.time() - started


def run(path: Path, out: Path, kernel: FolderKernel, with_solutions: bool = False) -> dict:
    stop_on_sigterm()  # nbclient's own handler is removed after each notebook, leaving the default
    nb = nbformat.read(path, as_version=4)
    started = time.time()
    # The memory a student's server would need for this notebook: the kernel and everything it starts (cargo, rustc,
    # the process that runs the cells), sampled while it runs (docs/classroom.md, "Sizing a course").
    watch = PeakResident(lambda: started_by(os.getpid()))
    try:
        with watch:
            kernel.execute(nb)
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
            if o.get("output_type") == "execute_result":
                # The kernel's own counter runs on across the notebooks of its folder (FolderKernel); nbclient numbers
                # the cells from 1, and a result carries its cell's number.
                o["execution_count"] = cell.get("execution_count")
            kept.append(o)
        cell["outputs"] = kept
    (out / "executed").mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / "executed" / path.name)
    figures = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if "application/vnd.plotly.v1+json" in o.get("data", {}))
    title, summary = first_markdown(nb)
    record = {"notebook": path.stem, "seconds": round(seconds, 1), "figures": figures, "title": title,
              "summary": summary, "claims": checked_claims(nb), "peak_resident_bytes": watch.peak, **provenance()}
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    body = NOTEBOOK_LINK.sub(lambda m: f'<a href="../{m.group(1)}.html">', link_solutions(body, with_solutions))
    body = body.replace("</main>", provenance_footer(record) + "</main>", 1)
    if record["mode"] == "quick":
        body = body.replace("<main>", "<main>" + QUICK_BANNER, 1)
    (out / f"{path.stem}.html").write_text(with_page_script(offline(body, run.mathjax)))
    (out / "executed" / f"{path.stem}.json").write_text(json.dumps(record, indent=1))
    print(f"{path.name}: {seconds:.1f} s, {figures} figures, at most {watch.peak / 1e9:.2f} GB resident (the kernel "
          f"and what it started)", flush=True)
    return record


CLAIMS_MIME = "application/vnd.demystify-resnet.claims+json"  # demystify_resnet::report::CLAIMS_MIME


def checked_claims(nb) -> list:
    """The claims the notebook's claims cell emitted as data (`ClaimsTable`, CLAIMS_MIME): a list of {id, claim,
    evidence, criterion, verdict}."""
    found = []
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = o.get("data", {}).get(CLAIMS_MIME)
            if data is not None:
                found.extend(json.loads(data) if isinstance(data, str) else data)
    return found


def provenance() -> dict:
    """How a page was made: mode, commit, date (UTC), machine."""
    return {"mode": "quick" if os.environ.get("DEMYSTIFY_QUICK") == "1" else "full", "commit": commit(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine()}


QUICK_BANNER = ('<div class="dr-quick" style="font-family:sans-serif;font-size:0.9em;background:#fff8e1;'
                'border-left:4px solid #f9a825;padding:6px 10px;margin:8px 0">Quick mode: every analysis in its small '
                'version (same code, smaller sweeps), so sizes and some numbers differ from what the text describes for '
                'the full run. <code>make reports</code> builds the full analyses.</div>')


def provenance_footer(record: dict) -> str:
    """The footer every page carries: which mode made it, from which commit, when, on what, and how long it ran."""
    mode = "quick mode (small sweeps)" if record["mode"] == "quick" else "full mode"
    return ('<footer class="dr-provenance" style="font-family:sans-serif;font-size:0.85em;color:#555;margin:24px 0 8px 0;'
            'padding:6px 10px;border-top:1px solid #ccc">Made by <code>scripts/run_notebooks.py</code> in '
            f'<b>{mode}</b> · commit <code>{html.escape(record["commit"])}</code> · {html.escape(record["date"])} · '
            f'{html.escape(record["machine"])} · ran in {record["seconds"]:.1f} s</footer>')


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


def records(folder: Path) -> list:
    """The records of the pages actually in `folder` (executed/<name>.json beside <name>.html), in notebook order."""
    return [json.loads(p.read_text()) for p in sorted((folder / "executed").glob("[0-9][0-9]_*.json"))
            if (folder / f"{p.stem}.html").exists()]


def index_page(results: list, solutions: list = (), out: Path | None = None) -> str:
    def entry(r):
        verdicts = [(c["id"], c["verdict"]) for c in r.get("claims", [])]
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
        made = (f"<div style=\"font-size:0.85em;color:#555\">{'quick mode (small sweeps)' if r.get('mode') == 'quick' else 'full mode'}"
                f" · commit <code>{html.escape(r.get('commit', '?'))}</code> · {html.escape(r.get('date', '?'))}</div>")
        return (f"<li><div class=\"dr-entry\"><div class=\"dr-text\"><a href=\"{r['notebook']}.html\">"
                f"<b>{html.escape(r['title'])}</b></a><div>{markdown2html(r['summary'])}</div>{claims}{made}</div>"
                f"{thumb}</div></li>")
    items = "\n".join(entry(r) for r in results)
    if solutions:
        items += "\n</ol>\n<h2>Worked solutions (instructor's copy)</h2>\n<ul>\n" + "\n".join(
            f"<li><a href=\"solutions/{r['notebook']}.html\">{html.escape(r['title'])}</a></li>" for r in solutions) + "\n</ul><ol>"
    modes = {r.get("mode") for r in results}
    mode = ("quick mode (small sweeps)" if modes == {"quick"} else "full analyses" if modes == {"full"}
            else "some pages in quick mode, some in full mode: each entry says which")
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
<code>scripts/run_notebooks.py</code>, {mode}; every page works offline.</p>
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


# What a report build writes into its output folder; anything else there (reports/test, reports/classroom) belongs to
# other tools and is carried over untouched when the build publishes.
REPORT_ENTRIES = ("executed", "solutions", "index.html", "timings.json")


def is_report_entry(path: Path) -> bool:
    return path.name in REPORT_ENTRIES or (path.suffix == ".html" and path.name[:2].isdigit())


def staging_folder(published: Path) -> Path:
    """A fresh staging folder beside `published` (same file system, so publishing is a rename), seeded with the
    report pages already published, so that a run of some notebooks keeps the others."""
    staging = published.parent / f".{published.name}.staging"
    previous = published.parent / f".{published.name}.previous"
    if previous.is_dir() and not published.exists():  # killed between publish()'s two renames
        previous.rename(published)
    shutil.rmtree(staging, ignore_errors=True)  # left by a build that was killed with SIGKILL
    shutil.rmtree(previous, ignore_errors=True)
    staging.mkdir(parents=True)
    for entry in sorted(published.iterdir()) if published.is_dir() else []:
        if is_report_entry(entry):
            (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, staging / entry.name)
    return staging


def publish(staging: Path, published: Path) -> None:
    """Replaces `published` by the complete `staging` folder (two renames, never a half-written folder), then moves
    back what other tools keep in it."""
    previous = published.parent / f".{published.name}.previous"
    if published.exists():
        published.rename(previous)
    staging.rename(published)
    for entry in sorted(previous.iterdir()) if previous.is_dir() else []:
        if not is_report_entry(entry) and not (published / entry.name).exists():
            entry.rename(published / entry.name)
    shutil.rmtree(previous, ignore_errors=True)


def stop_on_sigterm() -> None:
    """SIGTERM ends the build like Ctrl-C: as an exception, so the `finally` in main() cleans up."""
    def stop(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)


def started_by(parent_pid: int) -> list[int]:
    """Pids of the processes whose environment says a kernel of `parent_pid` started them (or is them):
    jupyter_client sets JPY_PARENT_PID for each kernel, and the kernel's children inherit it."""
    return processes_with_env(f"JPY_PARENT_PID={parent_pid}")


def kill_kernels() -> None:
    """Kills the process group of every process this build's kernels started (`started_by` this process),
    including a kernel's compiled-cell subprocess when the kernel itself was killed first."""
    groups = set()
    for pid in started_by(os.getpid()):
        try:
            groups.add(os.getpgid(pid))
        except ProcessLookupError:
            continue
    for group in groups - {os.getpgid(0)}:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass


def build(args, out: Path) -> tuple[list, list]:
    """Runs the notebooks (and solutions) into `out`, writes the index and timings; returns both result lists."""
    paths = [NOTEBOOKS / (n if n.endswith(".ipynb") else n + ".ipynb") for n in args.notebooks] or \
        sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        names = ", ".join(p.stem for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
        raise SystemExit(f"no such notebook: {', '.join(missing)} (the notebooks are: {names})")
    kernels = FolderKernels(args.timeout)
    evcxr_tmpdir = kernel_build.prepare()
    new_profile = not kernel_build.build_is_current(evcxr_tmpdir)
    run.mathjax = mathjax_source()
    mode = "quick" if args.quick else "full"
    cold = not stage_costs.dependency_build_present(evcxr_tmpdir)
    if cold or new_profile:
        print(f"building the kernel's dependencies ({'empty EVCXR_TMPDIR' if cold else 'new cargo profile'}) ...",
              flush=True)
        seconds = build_kernel_dependencies(paths[0], kernels.of(paths[0].parent))
        if cold:  # a rebuild after a profile change reuses part of the old build: not the cold cost
            stage_costs.record("dependency_build", seconds)
        kernel_build.mark_built(evcxr_tmpdir)
        print(f"kernel's dependency build: {seconds / 60:.1f} min", flush=True)
    results = [run(p, out, kernels.of(p.parent), args.solutions) for p in paths]
    solutions = []
    if args.solutions:
        # The notebooks' kernel is done: stopped before the solutions run, so that it holds no memory meanwhile and the
        # solutions' peak memory (every kernel this process started, sampled in run()) is their own kernel's.
        kernels.shutdown(keep=NOTEBOOKS / "solutions")
        wanted = {p.stem for p in paths}
        solution_paths = [p for p in sorted((NOTEBOOKS / "solutions").glob("[0-9][0-9]_*_solutions.ipynb"))
                          if p.stem.removesuffix("_solutions") in wanted]
        solutions = [run(p, out / "solutions", kernels.of(p.parent), True) for p in solution_paths]
    kernels.shutdown()
    for group, folder, index_href in ((results, out, "index.html"), (solutions, out / "solutions", "../index.html")):
        names = [r["notebook"] for r in group]
        for k, name in enumerate(names):
            add_navigation(folder / f"{name}.html", names[k - 1] if k > 0 else None,
                           names[k + 1] if k + 1 < len(names) else None, index_href)
    shown = records(out)  # this run's pages and the earlier ones kept beside them
    (out / "index.html").write_text(offline(index_page(shown, records(out / "solutions"), out), run.mathjax))
    (out / "timings.json").write_text(json.dumps({"quick": args.quick, "notebooks": results, "solutions": solutions,
                                                  "total_seconds": round(sum(r["seconds"] for r in results), 1)}, indent=1))
    if not args.notebooks:  # the whole set: what `make reports` and `make test` run
        stage_costs.record(f"notebooks_{mode}", sum(r["seconds"] for r in results))
        if solutions:
            stage_costs.record(f"solutions_{mode}", sum(r["seconds"] for r in solutions))
    if args.timings_row:
        record_timings(args.timings_row, results, args.quick)
    return results, solutions


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
    published = Path(args.out).resolve()
    out = staging_folder(published)
    stop_on_sigterm()
    try:
        results, solutions = build(args, out)
        publish(out, published)
    finally:
        kill_kernels()
        shutil.rmtree(out, ignore_errors=True)
    out = published
    print(f"wrote {out}/index.html ({len(results)} reports, {sum(r['seconds'] for r in results):.0f} s)")


if __name__ == "__main__":
    main()
