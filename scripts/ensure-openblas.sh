#!/usr/bin/env bash
# Makes sure the system OpenBLAS (which provides LAPACK's dsyevd for the `lapack` cargo feature) is installed.
# Installs Debian's libopenblas-dev when missing (as root, or through sudo). Exit 0 when the library is there.
set -euo pipefail
# grep reads all of ldconfig's output (grep -q would exit at the first match, and under pipefail ldconfig's
# SIGPIPE would make the check fail at random).
have() { ldconfig -p 2>/dev/null | grep 'libopenblas\.so ' >/dev/null; }
if have; then exit 0; fi
echo "installing libopenblas-dev (system OpenBLAS/LAPACK) ..." >&2
as_root=""
[ "$(id -u)" = 0 ] || as_root="sudo"
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -qq >/dev/null
$as_root apt-get install -y -qq libopenblas-dev >/dev/null
have || { echo "libopenblas.so still not found after installing libopenblas-dev" >&2; exit 1; }
