"""Turns the outputs of benches/peer_compare.sh (ours.txt, jax.txt, numpy.txt in WORKDIR) into docs/performance.md's
performance tables, with the machine, the date, and PASS/FAIL per target computed from the ratios of this run,
and writes them into that page between <!-- peer-results:start --> and <!-- peer-results:end -->.
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
assembly = ["| P | samples (both sides) | JAX `jax.hessian` (jit, warm) | ours: exact engine | speed-up | target ≥ 3× | ours: finite differences | bound: write P² f64 | JAX vs ours, max rel. difference |",
            "|---|---|---|---|---|---|---|---|---|"]
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
                        f"| {'—' if fd is None else f'{fd:.3f} s'} | {secs(o['write_bound']):.3f} s | {j['diff_vs_ours']} |")

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
    t_jax = {(f["D"], f["L"], f["m"]): f for f in map(fields, lines("train_jax.txt")) if "jax_steps_per_s" in f}
    training = ["| D, L, m | ours: steps/s | JAX: steps/s | ours ÷ JAX | target ≥ 1.0 | final loss, ours / JAX | bound: FLOPs per step ÷ peak | ours: fraction of peak |",
                "|---|---|---|---|---|---|---|---|"]
    for key in sorted(t_ours, key=lambda k: int(k[0])):
        o, j = t_ours[key], t_jax.get(key)
        if j is None:
            continue
        if o["steps"] != j["steps"]:
            sys.exit(f"steps differ between the two sides: {o['steps']} vs {j['steps']}")
        ratio = float(o["steps_per_s"]) / float(j["jax_steps_per_s"])
        ok = "PASS" if ratio >= 1.0 else "FAIL"
        verdicts.append(f"target D={key[0]} L={key[1]} m={key[2]} training steps/s ≥ 1.0× JAX: {ok} ({ratio:.2f}×)")
        lo, lj = float(o["final_loss"]), float(j["jax_final_loss"])
        training.append(f"| {key[0]}, {key[1]}, {key[2]} | {float(o['steps_per_s']):.1f} | {float(j['jax_steps_per_s']):.1f} | **{ratio:.2f}×** | {ok} "
                        f"| {lo:.6e} / {lj:.6e} (rel. diff {abs(lo - lj) / abs(lj):.1e}) | {float(o.get('bound_s_per_step', 'nan')) * 1e3:.3f} ms | {o.get('achieved_fraction_of_peak', '?')} |")

stamp = datetime.date.today().isoformat()
training_block = ("**Training, equal work.** Full-batch gradient descent, 200 steps at rate 0.05, from the same initial "
                  "weights on the same data: our `train()` (which also checks every step for divergence) against a "
                  "jit-compiled JAX loop (`lax.fori_loop`).\n\n" + "\n".join(training) + "\n\n") if training else ""
block = f"""<!-- peer-results:start -->
Measured by `benches/peer_compare.sh` on {stamp}: D = 8, shortcut 2, the zero point, a 256-sample teacher problem
that both sides read from the same file; medians of 3 warm runs after one warm-up (JAX's includes the jit compile).
Machine: `{machine_ours.get('cpu', '?')}`, {machine_ours.get('threads', '?')} threads; our OpenBLAS kernel
`{machine_ours.get('blas_kernel', '?')}` (`OPENBLAS_CORETYPE={machine_ours.get('OPENBLAS_CORETYPE', '?')}`); {numpy_blas};
JAX {machine_jax.get('jax', '?')} on CPU. Figures from another machine differ: compare the ratios, which are measured in one
session.

**Hessian assembly, equal work.** Each row gives both sides the same samples. *Moment compression* is an
algorithmic shortcut: a linear network's loss depends on the data only through its second moments, so 256
samples are replaced by 8 with the same moments (same loss, gradient and Hessian: the difference column); those
rows give JAX the same 8 samples.

{chr(10).join(assembly)}

**Eigensolver, same matrix.**

{chr(10).join(eigen)}

{training_block}{chr(10).join(verdicts)}
<!-- peer-results:end -->"""
text = open(page).read()
new, count = re.subn(r"<!-- peer-results:start -->.*?<!-- peer-results:end -->", lambda _: block, text, flags=re.S)
if count != 1:
    sys.exit(f"{page} has no peer-results markers")
open(page, "w").write(new)
print(block)
for p, line in sorted(memory.items()):
    print(line)
