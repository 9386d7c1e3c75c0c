// What the exported report pages compute: the explorers (src/report/explorer.rs writes their boxes) and the
// exercises' Check buttons (src/exercises/mod.rs writes their boxes). scripts/run_notebooks.py inlines this script
// and the WebAssembly module of web/ into each page that has either. Every number drawn and every verdict shown
// comes from the module, i.e. from demystify-resnet-core's closed forms and the notebooks' own judges; this script
// only reads the controls, calls the module and shows what it returns (Plotly.react for figures: no page reload).
(function () {
  "use strict";

  // ---- the module -----------------------------------------------------------------------------------------
  function decodeBase64(text) {
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  class Module {
    constructor(instance) { this.w = instance.exports; }
    // Calls `name` with the scalar `args` after writing `inputs` (numbers) into the module's input buffer.
    // Returns the output values, or throws an Error with the module's message.
    call(name, inputs, ...args) {
      const w = this.w;
      if (inputs) {
        const ptr = w.input_buffer(inputs.length);
        new Float64Array(w.memory.buffer, ptr, inputs.length).set(inputs);
      }
      const n = w[name](...args);
      if (n < 0) {
        const bytes = new Uint8Array(w.memory.buffer, w.error_ptr(), w.error_len());
        throw new Error(new TextDecoder().decode(bytes));
      }
      return Array.from(new Float64Array(w.memory.buffer, w.output_ptr(), w.output_len()));
    }
  }

  // ---- controls ---------------------------------------------------------------------------------------------
  // A whole number typed into a box: a clear message for text, fractions, or values out of range.
  function wholeNumber(label, text, min, max) {
    const t = String(text).trim();
    if (!/^[0-9]+$/.test(t)) throw new Error(`${label}: "${t}" is not a whole number; type digits only, from ${min} to ${max}.`);
    const v = Number(t);
    if (v < min || v > max) throw new Error(`${label}: ${t} is outside ${min}–${max}.`);
    return v;
  }
  function realNumber(label, text, min, max) {
    const t = String(text).trim();
    const v = t === "" ? NaN : Number(t);
    if (!Number.isFinite(v)) throw new Error(`${label}: "${t}" is not a number; type a decimal number such as 0.5.`);
    if (v < min || v > max) throw new Error(`${label}: ${t} is outside ${min}–${max}.`);
    return v;
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "style") e.style.cssText = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }
  function textBox(name, value, width) {
    return el("input", { type: "text", name, value: String(value), size: String(width || 6), "aria-label": name });
  }
  function select(name, options, value) {
    const s = el("select", { name, "aria-label": name });
    for (const o of options) {
      const opt = el("option", { value: String(o) }, String(o));
      if (o === value) opt.selected = true;
      s.append(opt);
    }
    return s;
  }
  function checkbox(name, checked) {
    const c = el("input", { type: "checkbox", name, "aria-label": name });
    c.checked = checked;
    return c;
  }
  function label(text, control) {
    return el("label", { style: "margin-right:14px;white-space:nowrap" }, text + " ", control);
  }

  function frame(box, intro) {
    box.innerHTML = "";
    box.style.cssText = "border:1px solid #90caf9;background:#f5faff;padding:8px 12px;margin:8px 0;font-family:sans-serif;font-size:14px";
    const head = el("div", { class: "explorer-head", style: "margin-bottom:6px" }, el("b", {}, "Explorer. "), intro);
    const controls = el("div", { class: "explorer-controls", style: "margin-bottom:6px;line-height:2" });
    const title = el("div", { class: "explorer-title", style: "font-weight:bold;text-align:center;margin-top:4px" });
    const plot = el("div", { class: "explorer-plot", style: "width:100%;height:360px" });
    const status = el("div", { class: "explorer-status", role: "status", style: "color:#333;min-height:1.4em" });
    box.append(head, controls, title, plot, status);
    return { controls, title, plot, status };
  }

  // Runs `update` (which returns {title, traces, note, used}), draws it with plotly's own update (`Plotly.react`,
  // the same `layout` object each time), and reports the time or the error.
  function wire(box, parts, inputs, layout, update) {
    const run = () => {
      const started = performance.now();
      try {
        const { title, traces, note, used } = update();
        const computed = performance.now();
        parts.title.textContent = title;
        Plotly.react(parts.plot, traces, layout, PLOT_CONFIG);
        const ms = performance.now() - started;
        box.dataset.updateMs = ms.toFixed(1);
        box.dataset.computeMs = (computed - started).toFixed(1);
        box.dataset.state = "ok";
        // The settings this picture was computed at (the browser test recomputes the values natively from them).
        box.dataset.used = JSON.stringify(used);
        parts.status.style.color = "#333";
        parts.plot.style.opacity = "1";
        parts.status.textContent = `${note} Computed in this page in ${(computed - started).toFixed(1)} ms, drawn in ${ms.toFixed(1)} ms.`;
      } catch (err) {
        box.dataset.state = "error";
        parts.title.textContent = "Not updated: the picture below is for the previous setting. Fix the setting above.";
        parts.plot.style.opacity = "0.35";
        parts.status.style.color = "#b71c1c";
        parts.status.textContent = err.message;
      }
      box.dataset.updates = String(Number(box.dataset.updates || 0) + 1);
    };
    for (const i of inputs) i.addEventListener("change", run);
    run();
  }

  // One config object for every redraw (plotly redraws from scratch when the config changes).
  const PLOT_CONFIG = { displaylogo: false, responsive: true };
  // Log axes labelled once per decade: plotly's default minor labels (2, 5 between decades) made each redraw of the
  // condition-number figure take about 50 ms instead of 20 ms in headless Chromium.
  const axisLog = (title) => ({ title: { text: title }, type: "log", exponentformat: "power", dtick: 1 });

  // ---- notebook 03: κ(H(0)) against L ----------------------------------------------------------------------
  function conditionVsDepth(box, module, s, limits) {
    const [maxDense, maxDepth] = limits;
    const parts = frame(box, `κ(H(0)) against the depth L, from the closed forms, computed in this page (WebAssembly), as the
      figure above plots it: max|λ| / min|λ| over the eigenvalues above 1e-9·max|λ|. It starts at this notebook's
      settings (D = ${s.width}), so its first picture repeats the figure's dashed shortcut-2 line, and its dashed
      shortcut-1 line up to the page's limit: shortcut 1 is a dense P×P eigenproblem, which the page computes up to
      P = ${maxDense}. Shortcut 2 is one SVD of the D×D matrix M, at any L up to ${maxDepth.toLocaleString("en")}.`);
    const n = [1, 2, 3].map((k) => checkbox(`shortcut ${k}`, s.shortcuts.includes(k) && k !== 3));
    const width = select("width D", [2, 4, 8], s.width);
    const scale = textBox("teacher scale s", s.teacher.scale);
    const seed = textBox("seed", s.teacher.seed);
    const largest = textBox("largest depth L", Math.max(...s.depths), 8);
    parts.controls.append(
      "Shortcut depth: ", ...n.map((c, k) => label(String(k + 1), c)),
      label("width D", width), label("teacher scale s", scale), label("seed", seed), label("largest depth L", largest));
    const layout = { xaxis: axisLog("depth L"), yaxis: axisLog("condition number κ"), margin: { t: 20 },
                     legend: { orientation: "h", y: -0.2 } };
    wire(box, parts, [...n, width, scale, seed, largest], layout, () => {
      const d = Number(width.value);
      const sc = realNumber("teacher scale s", scale.value, 0, 1e6);
      const sd = wholeNumber("seed", seed.value, 0, 2 ** 53 - 1);
      const top = wholeNumber("largest depth L", largest.value, 1, maxDepth);
      const depths = [...new Set([...s.depths.filter((l) => l <= top), top])].sort((a, b) => a - b);
      const traces = [], notes = [], shown = [];
      n.forEach((c, k) => {
        if (!c.checked) return;
        const shortcut = k + 1;
        if (shortcut === 3) { notes.push("Shortcut 3: H(0) = 0 at every depth (flat), so it has no condition number and no line."); return; }
        let ls = depths;
        if (shortcut === 1) {
          const deepest = Math.floor(maxDense / (d * d));
          ls = depths.filter((l) => l <= deepest);
          if (ls.length < depths.length) {
            ls = [...new Set([...ls, deepest])].sort((a, b) => a - b);
            notes.push(`Shortcut 1 is drawn up to L = ${deepest} (P = L·D² ≤ ${maxDense}, the page's dense limit).`);
          }
        }
        if (!ls.length) return;
        const out = module.call("condition_curve_abi", ls, shortcut, d, s.teacher.samples, sc, sd, maxDense);
        const x = [], y = [];
        for (let i = 0; i < out.length; i += 5) { x.push(out[i]); y.push(Number.isFinite(out[i + 2]) ? out[i + 2] : null); }
        if (y.every((v) => v === null)) {
          notes.push(`Shortcut ${shortcut}: H(0) = 0 at this setting (with s = 0 the teacher is the identity and M = 0), so there is no condition number and no line.`);
          return;
        }
        shown.push(shortcut);
        traces.push({ x, y, meta: { shortcut }, name: `residual n=${shortcut} @ zero (closed form, in page)`, mode: "lines+markers",
                      line: { dash: "dash" }, marker: { size: 6 } });
      });
      return {
        title: `κ(H(0)) against L, D = ${d}, teacher s = ${sc}, seed ${sd}`,
        traces,
        note: notes.join(" ") || "",
        used: { shortcuts: shown, width: d, teacher: { samples: s.teacher.samples, scale: sc, seed: sd }, largest_depth: top },
      };
    });
  }

  // ---- notebook 02: the spectrum at zero with multiplicities ------------------------------------------------
  function spectrumAtZero(box, module, s, limits) {
    const [maxDense, maxDepth] = limits;
    const parts = frame(box, `The spectrum of the closed-form H(0): each distinct eigenvalue and how many times it
      occurs (eigenvalues within 1e-9·max|λ| counted as one), computed in this page (WebAssembly). It starts at the
      spectrum table's D = ${s.width}, L = ${s.depth} and data (the step-by-step part below uses D = 2). Shortcut 1 is a
      dense P×P eigenproblem, which the page computes up to P = ${maxDense}; shortcut 2 is ±σᵢ(M), each D·L times, at
      any L up to ${maxDepth.toLocaleString("en")}; shortcut 3 is 0, P times.`);
    const shortcut = select("shortcut depth n", [1, 2, 3], s.shortcut);
    const depth = textBox("depth L", s.depth);
    const width = select("width D", [2, 4, 8], s.width);
    const scale = textBox("teacher scale s", s.teacher.scale);
    const seed = textBox("seed", s.teacher.seed);
    parts.controls.append(label("shortcut depth n", shortcut), label("depth L", depth), label("width D", width),
                          label("teacher scale s", scale), label("seed", seed));
    const layout = { xaxis: { title: { text: "eigenvalue λ" }, zeroline: true }, yaxis: { title: { text: "multiplicity" }, tickformat: "d", rangemode: "tozero" },
                     margin: { t: 20 } };
    wire(box, parts, [shortcut, depth, width, scale, seed], layout, () => {
      const n = Number(shortcut.value), d = Number(width.value);
      const l = wholeNumber("depth L", depth.value, 1, maxDepth);
      const sc = realNumber("teacher scale s", scale.value, 0, 1e6);
      const sd = wholeNumber("seed", seed.value, 0, 2 ** 53 - 1);
      const out = module.call("spectrum_at_zero_abi", null, n, l, d, s.teacher.samples, sc, sd, maxDense);
      const x = [], y = [];
      for (let i = 0; i < out.length; i += 2) { x.push(out[i]); y.push(out[i + 1]); }
      const span = Math.max(...x) - Math.min(...x);
      const p = y.reduce((a, b) => a + b, 0);
      return {
        title: `Spectrum of H(0): n = ${n}, L = ${l}, D = ${d} (P = ${p})`,
        traces: [{ type: "bar", x, y, width: span > 0 ? span / 120 : 0.02, name: "multiplicity",
                   hovertemplate: "λ = %{x}<br>%{y} times<extra></extra>" }],
        note: `${x.length} distinct eigenvalue${x.length === 1 ? "" : "s"}, P = ${p} in all.`,
        used: { shortcut: n, depth: l, width: d, teacher: { samples: s.teacher.samples, scale: sc, seed: sd } },
      };
    });
  }

  // ---- notebook 07: dense memory against the matrix-free route -----------------------------------------------
  function humanBytes(b) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let v = b, u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return `${v.toFixed(1)} ${units[u]}`;
  }
  function denseMemory(box, module, s) {
    const parts = frame(box, `What a dense Hessian of P parameters costs, next to the matrix-free route, computed in
      this page (WebAssembly, the crate's own size rules). It starts at this notebook's first network (P = ${s.params})
      and k = ${s.vectors}, the most Lanczos steps its config allows (Lanczos stops earlier when it converges).`);
    const params = textBox("parameters P", s.params, 14);
    const vectors = textBox("Lanczos vectors k", s.vectors);
    parts.controls.append(label("parameters P", params), label("Lanczos vectors k", vectors));
    const layout = { xaxis: axisLog("parameters P"), yaxis: axisLog("bytes"), margin: { t: 20 },
                     legend: { orientation: "h", y: -0.25 } };
    wire(box, parts, [params, vectors], layout, () => {
      const p = wholeNumber("parameters P", params.value, 1, 1e9);
      const k = wholeNumber("Lanczos vectors k", vectors.value, 1, 1e6);
      if (k > p) throw new Error(`Lanczos vectors k: ${k} is more than P = ${p}; Lanczos takes at most P steps.`);
      const grid = [];
      for (let q = 16; q <= Math.min(1e9, Math.max(2 ** 20, 2 * p)); q *= 2) if (q >= k) grid.push(q);
      const ps = [...new Set([...grid, p])].sort((a, b) => a - b);
      const dense = [], withEig = [], free = [];
      for (const q of ps) {
        const [m, e, f] = module.call("dense_memory_abi", null, q, k);
        dense.push(m); withEig.push(e); free.push(f);
      }
      const [m, e, f] = module.call("dense_memory_abi", null, p, k);
      return {
        title: `Memory against P (k = ${k})`,
        traces: [
          { x: ps, y: withEig, name: "dense: H and the eigensolver's working copy (16P² bytes)", mode: "lines" },
          { x: ps, y: dense, name: "dense: H alone (8P² bytes)", mode: "lines", line: { dash: "dot" } },
          { x: ps, y: free, name: `matrix-free: k = ${k} Lanczos vectors (8kP bytes)`, mode: "lines" },
          { x: [p, p], y: [e, f], name: `P = ${p}`, mode: "markers", marker: { size: 10, color: "#000" } },
          { x: [ps[0], ps[ps.length - 1]], y: [s.limit_bytes, s.limit_bytes], name: `the crate's dense-size limit (${humanBytes(s.limit_bytes)})`,
            mode: "lines", line: { color: "#b71c1c", dash: "dash" } },
        ],
        note: `At P = ${p.toLocaleString("en")}: dense H ${humanBytes(m)}, with the eigensolver's working copy ${humanBytes(e)}` +
              `${e > s.limit_bytes ? " (over the limit: the crate refuses it)" : ""}; matrix-free ${humanBytes(f)}, ` +
              `at most ${k} Hessian-vector product${k === 1 ? "" : "s"} instead of the ${p.toLocaleString("en")} that assembling H takes.`,
        used: { params: p, vectors: k },
      };
    });
  }

  const BUILDERS = { condition_vs_depth: conditionVsDepth, spectrum_at_zero: spectrumAtZero, dense_memory: denseMemory };

  // ---- exercises --------------------------------------------------------------------------------------------
  function hexBytes(hex) {
    const bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
    return bytes;
  }
  // The answer box and Check button of one exercise; the verdict and the feedback box come from the module's
  // check_exercise_abi (the notebook's judge), which reads the typed text itself.
  function exercise(box, module) {
    const spec = JSON.parse(box.dataset.exercise);
    const data = hexBytes(spec.data);
    const w = module.w;
    const placeholder = spec.kind === "count" ? "a whole number" : spec.kind === "choice" ? "one of the choices" : "a number";
    const input = el("input", { type: "text", name: `answer-${spec.number}`, size: "24", placeholder,
      "aria-label": `answer to exercise ${spec.number}` });
    const parts = [el("b", {}, `Your answer to ${spec.number}: `), input];
    if (spec.choices.length) {
      const list = el("datalist", { id: `choices-${spec.code}` }, ...spec.choices.map(c => el("option", { value: c })));
      input.setAttribute("list", list.id);
      parts.push(list, el("span", { style: "color:#555;margin-left:6px" }, `(${spec.choices.join(", ")})`));
    }
    const button = el("button", { type: "button", style: "margin-left:8px" }, "Check");
    const how = spec.source === "in-page"
      ? "Checked in this page by the notebook's own checker, on a true value computed here from the closed forms (the notebook's checker gets the same value, to rounding, from the network itself)"
      : "Checked in this page by the notebook's own checker, against the value recorded when this report's notebook ran";
    const form = el("div", { class: "exercise-answer", style: "font-family:sans-serif;margin:6px 0" }, ...parts, button,
      el("div", { style: "color:#555;font-size:90%;margin-top:2px" }, how + "."));
    box.prepend(form);
    const check = () => {
      const text = new TextEncoder().encode(input.value);
      new Uint8Array(w.memory.buffer, w.exercise_data_buffer(data.length), data.length).set(data);
      new Uint8Array(w.memory.buffer, w.answer_buffer(text.length), text.length).set(text);
      const verdict = w.check_exercise_abi(spec.code);
      const old = box.querySelector(".exercise-feedback");
      if (verdict < 0) {
        const message = new TextDecoder().decode(new Uint8Array(w.memory.buffer, w.error_ptr(), w.error_len()));
        old.replaceWith(el("div", { class: "exercise-feedback", "data-verdict": "error", style: "color:#b71c1c;font-family:sans-serif" }, message));
      } else {
        old.outerHTML = new TextDecoder().decode(new Uint8Array(w.memory.buffer, w.feedback_ptr(), w.feedback_len()));
      }
      box.dataset.checked = String(Number(box.dataset.checked || 0) + 1);
    };
    button.addEventListener("click", check);
    input.addEventListener("keydown", e => { if (e.key === "Enter") check(); });
  }

  async function start() {
    const boxes = [...document.querySelectorAll(".demystify-explorer")];
    const exercises = [...document.querySelectorAll(".demystify-exercise")];
    if (!boxes.length && !exercises.length) return;
    let module;
    try {
      const { instance } = await WebAssembly.instantiate(decodeBase64(window.DEMYSTIFY_WEB_WASM), {});
      module = new Module(instance);
    } catch (err) {
      for (const box of [...boxes, ...exercises]) box.append(el("p", { style: "color:#b71c1c" }, `This box could not start its WebAssembly: ${err.message}`));
      document.body.dataset.pageBoxes = "failed";
      return;
    }
    try {
      const limits = module.call("page_limits_abi", null);
      for (const box of boxes) {
        const { kind, settings } = JSON.parse(box.dataset.explorer);
        BUILDERS[kind](box, module, settings, limits);
      }
      for (const box of exercises) exercise(box, module);
      document.body.dataset.pageBoxes = "ready";
    } catch (err) {
      for (const box of [...boxes, ...exercises]) box.append(el("p", { style: "color:#b71c1c" }, `This box could not start: ${err.message}`));
      document.body.dataset.pageBoxes = "failed";
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
