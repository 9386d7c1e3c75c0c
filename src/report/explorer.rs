//! Explorers: boxes in the exported report pages that recompute a closed form in the page, in WebAssembly, when a
//! reader changes a setting (the `web/` crate, loaded by `web/page.js`). In a notebook an explorer is a short
//! note and its settings; `scripts/run_notebooks.py` inlines the module and the script into each page that has
//! one, and the script turns the box into controls and a figure.
//!
//! Each explorer starts at the settings of the notebook's own run, so its first picture repeats the closed-form
//! part of the report's figure next to it. The settings cross to the page once, as JSON in a data attribute
//! (written here with serde_json, read there with `JSON.parse`).

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::experiments::{
    ConditionVsDepthConfig, DataSpec, MatrixFreeConfig, SpectrumAtZeroConfig,
};
use crate::net::Architecture;
use crate::report::display::EvcxrDisplay;
use crate::report::table::escape_html;

/// The HTML class of an explorer's box (`web/page.js` looks for it; `scripts/check_reports.py` does not count
/// its figure among the notebook's).
pub const EXPLORER_CLASS: &str = "demystify-explorer";

/// An explorer and the settings it starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct Explorer {
    /// `condition_vs_depth`, `spectrum_at_zero` or `dense_memory`: which box `web/page.js` builds.
    pub kind: &'static str,
    /// The starting settings, as the page reads them.
    pub settings: Value,
}

/// The teacher problem's settings as the page's generator takes them; other data have no in-page generator.
fn teacher_settings(data: &DataSpec) -> Result<Value> {
    match data {
        DataSpec::Teacher(t) if t.noise_std == 0.0 && t.whiten => Ok(json!({
            "samples": t.samples, "scale": t.scale, "seed": t.seed,
        })),
        _ => Err(Error::Unsupported(
            "an explorer draws the whitened, noise-free teacher problem in the page; this config's data is \
             another data set"
                .into(),
        )),
    }
}

impl Explorer {
    /// Notebook 03's explorer: `κ(H(0))` against `L` from the closed forms (`theory::closed_form_spectrum`) for
    /// shortcut depths 1, 2, 3, at `config`'s width and teacher data, over its depths and closed-form depths.
    pub fn condition_vs_depth(config: &ConditionVsDepthConfig) -> Result<Explorer> {
        Ok(Explorer {
            kind: "condition_vs_depth",
            settings: json!({
                "width": config.width,
                "teacher": teacher_settings(&config.data)?,
                "depths": config.all_depths(),
                "shortcuts": config.shortcuts.iter().filter(|&&n| n <= 3).collect::<Vec<_>>(),
            }),
        })
    }

    /// Notebook 02's explorer: the closed-form spectrum at zero (distinct eigenvalues and their multiplicities)
    /// for a chosen shortcut depth `n`, depth `L` and width `D`, starting at `config`'s `L`, `D`, data and its
    /// first shortcut depth of 1–3 (2 when it has it).
    pub fn spectrum_at_zero(config: &SpectrumAtZeroConfig) -> Result<Explorer> {
        let shortcut = if config.shortcuts.contains(&2) {
            2
        } else {
            config
                .shortcuts
                .iter()
                .copied()
                .find(|&n| n <= 3)
                .unwrap_or(2)
        };
        Ok(Explorer {
            kind: "spectrum_at_zero",
            settings: json!({
                "width": config.width,
                "depth": config.depth,
                "shortcut": shortcut,
                "teacher": teacher_settings(&config.data)?,
            }),
        })
    }

    /// Notebook 07's explorer: the memory a dense Hessian of `P` parameters needs (`8P²` bytes, `16P²` with its
    /// eigenvalues) next to the matrix-free route (`8kP` bytes for `k` Lanczos vectors, `k` Hessian-vector
    /// products instead of `P`), starting at `config`'s network and Lanczos steps.
    pub fn dense_memory(config: &MatrixFreeConfig) -> Result<Explorer> {
        let shortcut = match config.network.architecture {
            Architecture::Residual { shortcut } => shortcut,
            Architecture::Plain => 1,
        };
        Ok(Explorer {
            kind: "dense_memory",
            settings: json!({
                "params": config.network.num_params(),
                "width": config.network.width,
                "shortcut": shortcut,
                "depth": config.network.depth,
                "vectors": config.lanczos.max_steps,
                "limit_bytes": config.hessian.max_dense_bytes,
            }),
        })
    }

    /// The box as HTML: a `div` of class [`EXPLORER_CLASS`] whose `data-explorer` attribute holds
    /// `{"kind": …, "settings": …}`, and a note for where no page script runs (the notebook itself).
    pub fn to_html(&self) -> String {
        let data = json!({"kind": self.kind, "settings": self.settings}).to_string();
        format!(
            "<div class=\"{EXPLORER_CLASS}\" data-explorer=\"{}\"><p style=\"font-family:sans-serif;color:#555\">\
             <b>Explorer</b> ({kind}): in the exported report this box computes the closed forms in the page \
             (WebAssembly) as you change its settings, starting from {}. In the notebook, change the config above \
             and run the cells again.</p></div>",
            escape_html(&data),
            escape_html(&self.settings.to_string()),
            kind = self.kind,
        )
    }
}

impl Explorer {
    /// evcxr display: the box as `text/html` ([`Explorer::to_html`]).
    pub fn evcxr_display(&self) {
        crate::report::evcxr::emit_bundle(&[("text/html", &self.to_html())]);
    }
}

impl EvcxrDisplay for Explorer {
    fn evcxr_display(&self) {
        Explorer::evcxr_display(self)
    }
}
