"""The exercises of the exported reports, answered in headless Chromium with the network cut off, as a student
with only a browser would answer them.

Usage: python3 scripts/exercise_test.py [REPORTS_DIR] > REPORTS_DIR/exercise_checks.json   (default: reports/test)

Needs an export with the worked solutions (`run_notebooks.py --solutions`) and REPORTS_DIR/displayed_answers.json
(`scripts/displayed_answers.py`). For every exercise box of the student pages it types, into the box, and presses
Check (the page's WebAssembly runs the notebook's own judge):

| input | expected |
|---|---|
| the worked solution (the record that `exercises::confirm` leaves in the executed solutions notebook) | correct |
| the value computed from the digits a table displays, where the prompt says to read it (1.2, 2.2, 3.1, 5.1, 6.1) | correct |
| the worked solution's wrong answer | not yet, with a hint |
| nothing | not attempted |
| text | not yet, with a message that quotes the text |

No page may log a console error or make a network request. The student pages must not hold any exercise's
"correct" message (as the solutions notebook's checker wrote it); a worked solution of 4 or more significant digits
must not be in its exercise box, nor anywhere in the page when its truth is recorded (sealed in the box). Every exercise of the notebooks must have a box. Screenshots:
REPORTS_DIR/screenshots/exercise-<number>.png after the wrong answer, and exercise-3.1-correct.png,
exercise-4.1-text.png. Prints per exercise where its truth comes from (in-page or recorded) and the verdicts, as
JSON; exits non-zero on any failure.
"""
import html, json, math, sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from offline_page import launch, open_page

FEEDBACK_MIME = "application/vnd.demystify-resnet.feedback+json"  # demystify_resnet::exercises::FEEDBACK_MIME
WORKED_MIME = "application/vnd.demystify-resnet.worked-solution+json"  # exercises::WORKED_SOLUTION_MIME
EXERCISES = 16  # demystify_core::exercises::ExerciseId::ALL

# Types `text` into exercise `number`'s box, presses Check, and resolves with the feedback box once it changed.
ANSWER = """([number, text]) => new Promise((resolve) => {
  const box = [...document.querySelectorAll('.demystify-exercise')].find(b => JSON.parse(b.dataset.exercise).number === number);
  const before = Number(box.dataset.checked || 0);
  box.querySelector('input').value = text;
  box.querySelector('button').click();
  const wait = () => {
    if (Number(box.dataset.checked || 0) === before) return setTimeout(wait, 5);
    const f = box.querySelector('.exercise-feedback');
    resolve({verdict: f.dataset.verdict, text: f.textContent});
  };
  wait();
})"""


def worked_solutions(reports: Path) -> dict:
    """Exercise number → {solution, wrong, message}: the worked solutions and the checker's "correct" message."""
    found = {}
    for path in sorted((reports / "solutions" / "executed").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            for o in cell.get("outputs", []):
                data = o.get("data", {})
                if WORKED_MIME in data:
                    w = data[WORKED_MIME]
                    w = json.loads(w) if isinstance(w, str) else w
                    f = data.get(FEEDBACK_MIME)
                    f = json.loads(f) if isinstance(f, str) else f
                    found[w["number"]] = {**w, "message": f["message"] if f else ""}
    return found


def displayed_answers(reports: Path) -> dict:
    """Exercise number → the answer a student computes from the digits the tables show (displayed_answers.json)."""
    shown = json.loads((reports / "displayed_answers.json").read_text())
    (a, b), (c, d) = shown["2.2"]["m"]
    # σ_max of a 2×2 matrix from its Frobenius norm and determinant.
    frob, det = a * a + b * b + c * c + d * d, a * d - b * c
    sigma_max = math.sqrt((frob + math.sqrt(max(frob * frob - 4 * det * det, 0.0))) / 2)
    f = shown["5.1"]
    escape = math.log(1 / 1e-4) / math.log(1 + f["learning_rate"] * f["sigma_max"]) + f["constant"]
    t = shown["1.2"]
    loss = 0.5 * t["tr_syy"] - t["tr_sxy"] + 0.5 * t["tr_sxx"]
    digits_sigma = shown["6.1"]["sigma"]
    return {"3.1": repr(shown["3.1"]["condition_number"]), "2.2": repr(sigma_max), "5.1": repr(escape),
            "1.2": repr(loss), "6.1": repr(digits_sigma[0] / digits_sigma[-1])}


def significant_digits(text: str) -> int:
    mantissa = text.lower().split("e")[0].lstrip("-+").replace(".", "").lstrip("0")
    return len(mantissa)


def main():
    reports = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/test").resolve()
    worked = worked_solutions(reports)
    displayed = displayed_answers(reports)
    pages = [p for p in sorted(reports.glob("[0-9][0-9]_*.html")) if 'class="demystify-exercise"' in p.read_text()]
    (reports / "screenshots").mkdir(exist_ok=True)
    failures, results = [], []
    if len(worked) != EXERCISES:
        failures.append(f"{len(worked)} worked-solution records in the solutions notebooks, expected {EXERCISES}")
    with sync_playwright() as p:
        browser = launch(p)
        for path in pages:
            source = path.read_text()
            page, external, errors, started = open_page(browser, path)
            if not started:
                failures.append(f"{path.stem}: the page's boxes did not start")
                continue
            boxes = page.evaluate("[...document.querySelectorAll('.demystify-exercise')].map(b => JSON.parse(b.dataset.exercise))")
            for spec in boxes:
                number = spec["number"]
                w = worked.get(number)
                if w is None:
                    failures.append(f"{number}: no worked solution recorded")
                    continue
                cases = [("solution", w["solution"], "correct"), ("wrong", w["wrong"], "not yet"),
                         ("blank", "", "not attempted"), ("text", "about seven", "not yet")]
                if number in displayed:
                    cases.insert(1, ("displayed", displayed[number], "correct"))
                verdicts = {}
                for case, text, expected in cases:
                    got = page.evaluate(ANSWER, [number, text])
                    verdicts[case] = {"typed": text, **got}
                    ok = got["verdict"] == expected
                    if case == "wrong":
                        ok = ok and len(got["text"].split("—", 1)[-1].strip()) > 10
                    if case == "text":
                        ok = ok and "about seven" in got["text"]
                    if not ok:
                        failures.append(f"{number} {case}: typed {text!r}, expected {expected}, got {got['verdict']}: {got['text'][:160]}")
                    box = page.locator(".demystify-exercise").nth(boxes.index(spec))
                    if case == "wrong":
                        box.scroll_into_view_if_needed()
                        box.screenshot(path=str(reports / "screenshots" / f"exercise-{number}.png"))
                    if (number, case) in (("3.1", "solution"), ("4.1", "text")):
                        box.screenshot(path=str(reports / "screenshots" / f"exercise-{number}-{'correct' if case == 'solution' else case}.png"))
                # The answer is not in the student page's source: the checker's "correct" message nowhere, and the
                # worked solution not in the box; for a recorded truth (sealed in the box) nowhere in the page. An
                # in-page exercise's value may appear in the notebook's own tables and figures (2.2 derives σ_max(M),
                # which notebook 02 tabulates; 3.1 is read off a table): that is the lesson, not the box leaking it.
                message = w["message"]
                if message and (message in source or html.escape(message) in source):
                    failures.append(f"{number}: its 'correct' message is in the student page's source")
                box_html = page.locator(".demystify-exercise").nth(boxes.index(spec)).evaluate("b => b.outerHTML")
                where = source if spec["source"] == "recorded" else box_html
                if spec["kind"] != "choice" and significant_digits(w["solution"]) >= 4 and w["solution"] in where:
                    failures.append(f"{number}: the worked solution {w['solution']} is in the student page's "
                                    f"{'source' if where is source else 'exercise box'}")
                results.append({"page": path.stem, "number": number, "source": spec["source"], "verdicts": verdicts})
                print(f"{path.stem} {number} ({spec['source']}): " + ", ".join(f"{c} → {v['verdict']}" for c, v in verdicts.items()),
                      file=sys.stderr)
            if external:
                failures.append(f"{path.stem}: {len(external)} network requests, e.g. {external[0]}")
            if errors:
                failures.append(f"{path.stem}: {len(errors)} console errors, e.g. {errors[0][:200]}")
            page.close()
        browser.close()
    checked = {r["number"] for r in results}
    if len(checked) != EXERCISES:
        failures.append(f"{len(checked)} exercises have a box in the pages, expected {EXERCISES}: {sorted(checked)}")
    json.dump(results, sys.stdout, indent=1)
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    in_page = sum(r["source"] == "in-page" for r in results)
    print(f"exercises: {len(results)} answered in {len(pages)} pages ({in_page} checked from the closed forms in the "
          f"page, {len(results) - in_page} against recorded values), {len(failures)} failures", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
