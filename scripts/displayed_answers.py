"""Reads, off exported quick-mode reports, the values that the "read it off the table" exercises ask for, exactly as
a student sees them (the displayed digits), and writes them as JSON for tests/displayed_answers.rs.

Usage: python3 scripts/displayed_answers.py REPORTS > REPORTS/displayed_answers.json

* 3.1: κ of the shortcut-2 table of report 03 (a column, or the caption's `condition_number = …` when every row
  holds the same value).
* 2.2: the entries of the table "M = Σ_xy − Σ_xx" of report 02.
* 5.1: η (learning_rate), σ_max(M) (sigma_max_of_m) and the fitted constant c of the n = 2 row of report 05's fits
  table.
* 1.2: tr Σ_xx, tr Σ_xy and tr Σ_yy of the table "Traces of the second moments" of report 01.
* 6.1: the singular values of the digits' M (table "Singular values σ_i of the digits' M") of report 06.

Exits 1 naming the table or column it could not find (a page that changed its tables fails loudly).
"""
import json, re, sys
from html.parser import HTMLParser
from pathlib import Path


class Tables(HTMLParser):
    """Every <table> of a page: its caption text, header texts and the cell texts of each row."""

    def __init__(self):
        super().__init__()
        self.tables, self.stack, self.text, self.skip = [], [], None, 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self.stack.append({"caption": "", "headers": [], "rows": []})
        elif self.stack and tag in ("caption", "th", "td"):
            self.text = []
        elif self.stack and tag == "tr":
            self.stack[-1]["row"] = []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        elif tag == "table" and self.stack:
            self.tables.append(self.stack.pop())
        elif self.stack and self.text is not None and tag in ("caption", "th", "td"):
            text = " ".join("".join(self.text).split())
            table = self.stack[-1]
            if tag == "caption":
                table["caption"] = text
            elif tag == "th":
                table["headers"].append(text)
            else:
                table.setdefault("row", []).append(text)
            self.text = None
        elif self.stack and tag == "tr" and self.stack[-1].get("row"):
            self.stack[-1]["rows"].append(self.stack[-1].pop("row"))

    def handle_data(self, data):
        if self.text is not None and not self.skip:
            self.text.append(data)


def tables(page: Path) -> list:
    parser = Tables()
    parser.feed(page.read_text())
    return parser.tables


def table_titled(page: Path, title: str) -> dict:
    for t in tables(page):
        if t["caption"].startswith(title):
            return t
    raise SystemExit(f"{page.name}: no table titled {title!r}")


def value(table: dict, column: str, row: int = 0) -> float:
    """The displayed value of `column` in `row`, or from the caption's `column = value` when the table moved a
    constant column there."""
    if column in table["headers"]:
        return float(table["rows"][row][table["headers"].index(column)])
    found = re.search(rf"(?:^|[\s;(,]){re.escape(column)} = ([-+0-9.eE]+)", table["caption"])
    if not found:
        raise SystemExit(f"table {table['caption'][:60]!r}: no column or caption value {column!r}")
    return float(found.group(1))


def shown(table: dict, *names: str) -> float:
    """The displayed value under the first of `names` that the table has (a header label or a column name)."""
    for name in names:
        try:
            return value(table, name)
        except SystemExit:
            continue
    raise SystemExit(f"table {table['caption'][:60]!r}: none of {names}")


def main():
    reports = Path(sys.argv[1])
    traces = table_titled(reports / "01_residual_blocks.html", "Traces of the second moments")
    sigma = table_titled(reports / "06_nonlinear_and_real_data.html", "Singular values σ_i of the digits' M")
    two = table_titled(reports / "03_condition_number_vs_depth.html", "Shortcut 2 at W = 0")
    m = table_titled(reports / "02_hessian_at_zero.html", "M = Σ_xy − Σ_xx")
    fits = table_titled(reports / "05_hessian_along_training.html", "Fitted theory curves")
    n2 = next(i for i, r in enumerate(fits["rows"]) if r[fits["headers"].index("shortcut")] == "2")
    print(json.dumps({
        "3.1": {"condition_number": value(two, "condition_number")},
        "2.2": {"m": [[float(x) for h, x in zip(m["headers"], r) if h != "row"] for r in m["rows"]]},
        "5.1": {"learning_rate": value(fits, "learning_rate", n2), "sigma_max": value(fits, "sigma_max_of_m", n2),
                "constant": value(fits, "constant", n2)},
        "1.2": {"tr_sxx": shown(traces, "tr Σ_xx", "tr_sxx"), "tr_sxy": shown(traces, "tr Σ_xy", "tr_sxy"),
                "tr_syy": shown(traces, "tr Σ_yy", "tr_syy")},
        "6.1": {"sigma": [float(r[sigma["headers"].index("sigma_i")]) for r in sigma["rows"]]},
    }, indent=1))


if __name__ == "__main__":
    main()
