//! Plotly figures that display in evcxr/Jupyter *and* survive HTML export, and that save as standalone offline
//! HTML files.
//!
//! plotly's own `evcxr_display` emits only `application/vnd.plotly.v1+json`, which nbconvert's HTML export
//! drops. [`Figure::evcxr_display`] emits that *and* `text/html` (a `div` plus a script calling
//! `Plotly.newPlot`) in one output bundle. The script needs plotly.js on the page: [`plotly_bootstrap`], shown
//! once at the top of a notebook, embeds it (no CDN). Standalone files embed plotly.js themselves.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use plotly::Plot;

use crate::error::Result;

static FIGURE_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// plotly.js (the version bundled by the `plotly` crate), as a string: the first script of plotly's offline
/// sources (the second, MathJax, is not needed for our figures).
pub fn plotly_js() -> String {
    let sources = Plot::offline_js_sources();
    let start = sources.find('>').map_or(0, |i| i + 1);
    let end = sources.find("</script>").unwrap_or(sources.len());
    sources[start..end].to_string()
}

/// The display value of [`plotly_bootstrap`].
#[derive(Debug, Clone, Copy)]
pub struct PlotlyBootstrap;

impl PlotlyBootstrap {
    /// The HTML: plotly.js inline, loaded as a global even where an AMD loader (require.js) is present.
    pub fn to_html(&self) -> String {
        format!(
            "<script type=\"text/javascript\">window.__dr_define = window.define; window.define = undefined;</script>\n\
             <script type=\"text/javascript\">{}</script>\n\
             <script type=\"text/javascript\">window.define = window.__dr_define;</script>\n\
             <p style=\"font-size:0.8em;color:#666\">plotly.js loaded (embedded, offline).</p>",
            plotly_js()
        )
    }
    /// evcxr display: emits the script as `text/html`.
    pub fn evcxr_display(&self) {
        super::evcxr::emit_bundle(&[("text/html", &self.to_html())]);
    }
}

/// Show this once, near the top of a notebook, before any [`Figure`]: it loads plotly.js into the page from
/// the crate (no network), so every figure's HTML output can draw — in Jupyter and in exported reports.
pub fn plotly_bootstrap() -> PlotlyBootstrap {
    PlotlyBootstrap
}

/// A plotly figure with a stable HTML id.
#[derive(Clone)]
pub struct Figure {
    plot: Plot,
    id: String,
}

impl std::fmt::Debug for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Figure")
            .field("id", &self.id)
            .field("traces", &self.plot.data().len())
            .finish()
    }
}

fn slug(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-")
}

impl Figure {
    /// Wraps a plot; `name` (e.g. its title) makes the HTML id readable (`dr-fig-<slug>-<hex>`). The suffix mixes
    /// a counter, the clock and the plot's JSON, so ids stay unique on a page even where the counter restarts
    /// (in evcxr each cell may carry its own copy of this crate's statics).
    pub fn new(plot: Plot, name: &str) -> Self {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        FIGURE_COUNTER.fetch_add(1, Ordering::Relaxed).hash(&mut h);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        nanos.hash(&mut h);
        plot.to_json().hash(&mut h);
        Self {
            plot,
            id: format!("dr-fig-{}-{:016x}", slug(name), h.finish()),
        }
    }
    /// The plotly plot (traces and layout).
    pub fn plot(&self) -> &Plot {
        &self.plot
    }
    /// The element id of the figure's `div`.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The plotly JSON (`{"data": [...], "layout": {...}}`).
    pub fn to_json(&self) -> String {
        self.plot.to_json()
    }
    /// A `div` and a script that draws into it; needs plotly.js on the page ([`plotly_bootstrap`]).
    pub fn to_inline_html(&self) -> String {
        self.plot.to_inline_html(Some(&self.id))
    }
    /// A complete HTML document with plotly.js embedded: opens offline in any browser.
    pub fn to_standalone_html(&self, title: &str) -> String {
        format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{}</title>\n\
             <script type=\"text/javascript\">{}</script></head>\n<body>\n{}\n</body></html>\n",
            super::table::escape_html(title),
            plotly_js(),
            self.to_inline_html()
        )
    }
    /// Writes [`Figure::to_standalone_html`] to `path` (creating parent folders).
    pub fn write_html(&self, path: impl AsRef<Path>, title: &str) -> Result<()> {
        crate::files::write_creating_dirs(path.as_ref(), self.to_standalone_html(title))
    }
    /// evcxr display: `text/html` (drawn by the page's plotly.js, kept by nbconvert's HTML export) and
    /// `application/vnd.plotly.v1+json` (JupyterLab's native plotly renderer) in one output bundle.
    pub fn evcxr_display(&self) {
        super::evcxr::emit_bundle(&[
            ("text/html", &self.to_inline_html()),
            ("application/vnd.plotly.v1+json", &self.to_json()),
        ]);
    }
}
