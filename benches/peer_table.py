"""Turns the outputs of benches/peer_compare.sh into a ratio table and writes it into README.md between
<!-- peer-results:start --> and <!-- peer-results:end -->. Usage: python peer_table.py WORKDIR README"""
import datetime, os, re, sys

work, readme = sys.argv[1], sys.argv[2]

def fields(line):
    """key=value pairs of a result line (one that starts with P=); {} for any other line."""
    if not line.startswith("P="):
        return {}
    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)

def secs(v):
    return float(v.rstrip("s"))

jax = {int(f["P"]): f for f in map(fields, open(os.path.join(work, "jax.txt"))) if "P" in f}
ours = {int(f["P"]): f for f in map(fields, open(os.path.join(work, "ours.txt"))) if "P" in f}
npy = {int(f["P"]): f for f in map(fields, open(os.path.join(work, "numpy.txt"))) if "P" in f}

rows = ["| P | JAX hessian (warm) | ours: assembly | speed-up | JAX hessian + eigvalsh | ours: assembly + eig (LAPACK) | speed-up | numpy eigvalsh (our matrix) | ours: LAPACK / faer | ours ÷ numpy (LAPACK / faer) |",
        "|---|---|---|---|---|---|---|---|---|---|"]
for p in sorted(set(jax) & set(ours) & set(npy)):
    j, o, n = jax[p], ours[p], npy[p]
    jh, je = secs(j["hessian(warm)"]), secs(j["eigvalsh"])
    oa, ol, of = secs(o["assembly"]), secs(o["eig_lapack-dsyevd"]), secs(o["eig_faer"])
    ne = secs(n["numpy_eigvalsh"])
    rows.append(f"| {p} | {jh:.3f} s | {oa:.3f} s | **{jh / oa:.1f}×** | {jh + je:.3f} s | {oa + ol:.3f} s | **{(jh + je) / (oa + ol):.1f}×** "
                f"| {ne:.3f} s | {ol:.3f} s / {of:.3f} s | **{ol / ne:.2f}** / {of / ne:.2f} |")
verdict = [l for l in open(os.path.join(work, "ours.txt")) if l.startswith("target")]
table = "\n".join(rows)
stamp = datetime.date.today().isoformat()
block = (f"<!-- peer-results:start -->\nMeasured by `benches/peer_compare.sh` on {stamp} (2 cores; one session, one run after the other; "
         f"D = 8, N = 2, 256 samples, zero point):\n\n{table}\n\n{''.join(verdict).strip()}\n<!-- peer-results:end -->")
text = open(readme).read()
new, count = re.subn(r"<!-- peer-results:start -->.*?<!-- peer-results:end -->", lambda _: block, text, flags=re.S)
if count != 1:
    sys.exit("README.md has no peer-results markers")
open(readme, "w").write(new)
print(table)
