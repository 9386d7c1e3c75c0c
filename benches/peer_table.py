"""Turns the outputs of benches/peer_compare.sh (ours.txt, jax.txt, numpy.txt in WORKDIR) into docs/performance.md's
performance tables, with the machine, the date, and PASS/FAIL per target computed from the ratios of this run,
and writes them into that page as this machine's block (between <!-- peer-results:CPU, ISA:start --> and its end
marker), replacing the block of an earlier run on the same kind of machine and keeping the other machines' blocks.
Usage: python peer_table.py WORKDIR PAGE"""
import datetime
import os
import re
import sys

work, page = sys.argv[1], sys.argv[2]


def fields(line):
    """key=value pairs of a line (values may be quoted); {} for a line without any."""
    return {k: v.strip('"') for k, v in re.findall(r'(\w[\w-]*)=("[^"]*"|\S+)', line)}


def secs(v):
    return float(v.rstrip("s"))


def lines(name):
    return [l.rstrip("\n") for l in open(os.path.join(work, name))]


ours_lines, jax_lines, numpy_lines = lines("ours.txt"), lines("jax.txt"), lines("numpy.txt")
machine_ours = next(fields(l) for l in ours_lines if l.startswith("machine:"))
machine_jax = next(fields(l) for l in jax_lines if l.startswith("machine:"))
numpy_blas = next((l for l in numpy_lines if l.startswith("numpy")), "numpy (BLAS unknown)")
ours = {int(f["P"]): f for f in map(fields, ours_lines) if "exact_all" in f}
memory = {int(f["P"]): l for l, f in ((l, fields(l)) for l in ours_lines) if "peak memory" in l}
jax = {(int(f["P"]), f["dataset"]): f for f in map(fields, jax_lines) if "jax_hessian" in f}
npy = {int(f["P"]): f for f in map(fields, numpy_lines) if "numpy_eigvalsh" in f}
sizes = sorted(p for p in ours if (p, "all") in jax and p in npy)

verdicts = []
assembly = ["| P | samples (both sides) | JAX `jax.hessian` (jit, warm) | ours: exact engine | speed-up | target ≥ 3× | ours: finite differences | bound: write P² f64 | ours ÷ bound | JAX vs ours, max rel. difference |",
            "|---|---|---|---|---|---|---|---|---|---|"]
for p in sizes:
    o = ours[p]
    for dataset, ours_key, label in (("all", "exact_all", "all"), ("compressed", "exact_compressed", "compressed")):
        j = jax[(p, dataset)]
        jt, ot = secs(j["jax_hessian"]), secs(o[ours_key])
        ratio = jt / ot
        ok = "PASS" if ratio >= 3 else "FAIL"
        verdicts.append(f"target P={p} assembly on {label} samples ≥ 3× JAX: {ok} ({ratio:.1f}×)")
        fd = secs(o["fd_compressed"]) if dataset == "compressed" else None
        assembly.append(f"| {p} | {j['samples']} ({'moment-compressed' if dataset == 'compressed' else 'all'}) | {jt:.3f} s | {ot:.3f} s | **{ratio:.1f}×** | {ok} "
                        f"| {'—' if fd is None else f'{fd:.3f} s'} | {secs(o['write_bound']):.3f} s | {ot / secs(o['write_bound']):.1f}× | {j['diff_vs_ours']} |")

eigen = ["| P | numpy `eigvalsh` (our matrix) | ours: LAPACK `dsyevd` | ours: faer | ours ÷ numpy (LAPACK / faer) | target ≤ 1.2 |",
         "|---|---|---|---|---|---|"]
for p in sizes:
    o, n = ours[p], npy[p]
    ne, ol, of = secs(n["numpy_eigvalsh"]), secs(o["eig_lapack-dsyevd"]), secs(o["eig_faer"])
    ok = "PASS" if ol / ne <= 1.2 else "FAIL"
    verdicts.append(f"target P={p} eigensolver within 1.2× numpy: {ok} ({ol / ne:.2f})")
    eigen.append(f"| {p} | {ne:.3f} s | {ol:.3f} s | {of:.3f} s | **{ol / ne:.2f}** / {of / ne:.2f} | {ok} |")

training = []
if os.path.exists(os.path.join(work, "train_ours.txt")) and os.path.exists(os.path.join(work, "train_jax.txt")):
    t_ours = {(f["D"], f["L"], f["m"]): f for f in map(fields, lines("train_ours.txt")) if "steps_per_s" in f}
    t_jax = {(f["D"], f["L"], f["m"], f["variant"]): f for f in map(fields, lines("train_jax.txt")) if "jax_steps_per_s" in f}
    training = ["| D, L, m | ours: fused pass (`train()`), steps/s | ours: dfdx autodiff, steps/s | JAX, units unrolled | JAX, `lax.scan` over units | ours ÷ faster JAX | target ≥ 1.0 | final loss, ours / faster JAX | bound: FLOPs per step ÷ peak | fraction of peak: fused / dfdx |",
                "|---|---|---|---|---|---|---|---|---|---|"]
    for key in sorted(t_ours, key=lambda k: int(k[0])):
        o = t_ours[key]
        variants = {v: t_jax[key + (v,)] for v in ("unrolled", "scan") if key + (v,) in t_jax}
        if len(variants) != 2:
            sys.exit(f"training D={key[0]} L={key[1]} m={key[2]}: the JAX output lacks a variant (has {sorted(variants)})")
        for j in variants.values():
            if o["steps"] != j["steps"]:
                sys.exit(f"steps differ between the two sides: {o['steps']} vs {j['steps']}")
        best = max(variants, key=lambda v: float(variants[v]["jax_steps_per_s"]))
        j = variants[best]
        ratio = float(o["steps_per_s"]) / float(j["jax_steps_per_s"])
        ok = "PASS" if ratio >= 1.0 else "FAIL"
        verdicts.append(f"target D={key[0]} L={key[1]} m={key[2]} training steps/s ≥ 1.0× the faster JAX loop ({best}): {ok} ({ratio:.2f}×)")
        lo, lj = float(o["final_loss"]), float(j["jax_final_loss"])
        training.append(f"| {key[0]}, {key[1]}, {key[2]} | {float(o['steps_per_s']):.1f} | {float(o['dfdx_steps_per_s']):.1f} "
                        f"| {float(variants['unrolled']['jax_steps_per_s']):.1f} | {float(variants['scan']['jax_steps_per_s']):.1f} "
                        f"| **{ratio:.2f}×** | {ok} | {lo:.6e} / {lj:.6e} (rel. diff {abs(lo - lj) / abs(lj):.1e}) "
                        f"| {float(o.get('bound_s_per_step', 'nan')) * 1e3:.3f} ms | {o.get('achieved_fraction_of_peak', '?')} / {o.get('dfdx_fraction_of_peak', '?')} |")

stamp = datetime.date.today().isoformat()
machine_key = f"{machine_ours.get('cpu', '?')}, {machine_ours.get('isa', '?')}"
training_block = ("**Training, equal work.** Full-batch gradient descent, 200 steps at rate 0.05, from the same initial "
                  "weights (small Gaussian, std 0.01) on the same teacher data, shortcut 2, linear: our `train()` (which also checks every step for divergence), with each "
                  "gradient path, against two jit-compiled JAX loops (`lax.fori_loop` over the steps; the units unrolled "
                  "in Python, or `lax.scan` over them). The ratio and the target are against the faster JAX loop.\n\n"
                  + "\n".join(training) + "\n\n") if training else ""
block = f"""<!-- peer-results:{machine_key}:start -->
### {machine_key}

Measured by `benches/peer_compare.sh` on {stamp}; medians of 3 warm runs after one warm-up (JAX's includes the jit
compile).
Machine: `{machine_ours.get('cpu', '?')}` ({machine_ours.get('isa', '?')}), {machine_ours.get('threads', '?')} threads; our OpenBLAS kernel
`{machine_ours.get('blas_kernel', '?')}` (`OPENBLAS_CORETYPE={machine_ours.get('OPENBLAS_CORETYPE', '?')}`); {numpy_blas};
JAX {machine_jax.get('jax', '?')} on CPU. Figures from another machine differ: compare the ratios, which are measured in one
session.

**Hessian assembly, equal work.** D = 8, shortcut 2, the zero point, a 256-sample teacher problem that both sides
read from the same file. Each row gives both sides the same samples. *Moment compression* is an
algorithmic shortcut: a linear network's loss depends on the data only through its second moments, so 256
samples are replaced by 8 with the same moments (same loss, gradient and Hessian: the difference column); those
rows give JAX the same 8 samples.

{chr(10).join(assembly)}

**Eigensolver, same matrix** (the Hessians of the table above).

{chr(10).join(eigen)}

{training_block}{chr(10).join(verdicts)}
<!-- peer-results:{machine_key}:end -->"""
# One block per machine (CPU model and instruction set): this run replaces its machine's block and keeps the
# others, each of which states its own date.
text = open(page).read()
start, end = f"<!-- peer-results:{machine_key}:start -->", f"<!-- peer-results:{machine_key}:end -->"
if start in text:
    new = text[:text.index(start)] + block + text[text.index(end) + len(end):]
elif "<!-- peer-results:end-of-machines -->" in text:
    new = text.replace("<!-- peer-results:end-of-machines -->", block + "\n\n<!-- peer-results:end-of-machines -->")
else:
    sys.exit(f"{page} has no <!-- peer-results:end-of-machines --> marker")
open(page, "w").write(new)
print(block)
for p, line in sorted(memory.items()):
    print(line)
