#!/usr/bin/env sh
# Prints the OPENBLAS_CORETYPE for this CPU: SkylakeX with AVX-512, Haswell with AVX2, nothing otherwise.
# Distribution OpenBLAS builds older than the CPU (Debian 12's 0.3.21 on Intel Emerald Rapids) do not recognise
# it and fall back to their generic "Prescott" kernels, which makes dsyevd 1.5-2x slower; naming the family
# restores the tuned kernels. The Makefile exports it unless it is already set. Kernel families are the ones
# OpenBLAS's DYNAMIC_ARCH builds accept (see its docs, "OPENBLAS_CORETYPE").
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
case " $flags " in
  *" avx512f "*) echo SkylakeX ;;
  *" avx2 "*) echo Haswell ;;
  *) ;;
esac
