"""Times numpy.linalg.eigvalsh on the Hessians our benchmark dumped (benches/peer_compare.sh).
Usage: python numpy_eigvalsh.py DIR   (DIR holds hessian_P.f64, raw little-endian float64, column-major)."""
import glob, os, sys, time

import numpy as np

try:
    import threadpoolctl
    info = ", ".join(f"{i['internal_api']} {i.get('version')} (kernel {i.get('architecture')}, {i['num_threads']} threads)"
                     for i in threadpoolctl.threadpool_info())
    print(f"numpy {np.__version__} with {info}")
except ImportError:
    print(f"numpy {np.__version__}")

for path in sorted(glob.glob(os.path.join(sys.argv[1], "hessian_*.f64")), key=lambda p: int(p.split("_")[-1].split(".")[0])):
    p = int(path.split("_")[-1].split(".")[0])
    h = np.fromfile(path, dtype="<f8").reshape((p, p), order="F")
    np.linalg.eigvalsh(h)  # warm-up
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        ev = np.linalg.eigvalsh(h)
        times.append(time.perf_counter() - t0)
    a = np.abs(ev)
    print(f"P={p} numpy_eigvalsh={sorted(times)[1]:.3f}s cond={a.max() / a.min():.6f}")
