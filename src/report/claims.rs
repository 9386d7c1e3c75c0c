//! The "Claims checked here" table that ends every notebook, shown for the reader *and* kept as data: one evcxr
//! output bundle with the HTML table (what the page shows) and the claims as JSON under [`CLAIMS_MIME`], which
//! Jupyter stores in the executed notebook and frontends do not draw. The report index reads its verdicts from
//! that JSON (`scripts/run_notebooks.py`), never from the rendered HTML.

use crate::error::Result;
use crate::experiments::{claims_frame, Claim};

use super::table::Table;

/// The MIME type of a notebook's checked claims: a JSON array of `{"id", "claim", "evidence", "criterion",
/// "verdict"}` objects, `verdict` one of `"holds"`, `"fails"`, `"not applicable"` ([`crate::experiments::Verdict::label`]).
pub const CLAIMS_MIME: &str = "application/vnd.demystify-resnet.claims+json";

/// The claims of one run as a table to display and as data ([`CLAIMS_MIME`]).
#[derive(Debug, Clone)]
pub struct ClaimsTable {
    table: Table,
    claims: Vec<Claim>,
}

impl ClaimsTable {
    /// The table titled "Claims checked on this run", one row per claim ([`claims_frame`]).
    pub fn new(claims: &[Claim]) -> Result<Self> {
        Ok(Self {
            table: Table::new(&claims_frame(claims)?).title("Claims checked on this run"),
            claims: claims.to_vec(),
        })
    }

    /// The displayed table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The claims as the JSON array stored under [`CLAIMS_MIME`].
    pub fn to_json(&self) -> String {
        serde_json::Value::Array(
            self.claims
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.id,
                        "claim": c.claim,
                        "evidence": c.evidence,
                        "criterion": c.criterion,
                        "verdict": c.verdict.label(),
                    })
                })
                .collect(),
        )
        .to_string()
    }

    /// evcxr display: `text/html` and `text/plain` of the table, and the claims as [`CLAIMS_MIME`], in one bundle.
    pub fn evcxr_display(&self) {
        match (self.table.to_html(), self.table.to_text()) {
            (Ok(html), Ok(text)) => super::evcxr::emit_bundle(&[
                ("text/html", &html),
                ("text/plain", &text),
                (CLAIMS_MIME, &self.to_json()),
            ]),
            (Err(e), _) | (_, Err(e)) => panic!("the claims table could not be displayed: {e}"),
        }
    }
}

impl super::EvcxrDisplay for ClaimsTable {
    fn evcxr_display(&self) {
        ClaimsTable::evcxr_display(self)
    }
}
