#!/usr/bin/env bash
# Runs a second command alongside the first, to use a core the first leaves idle.
#
#   scripts/alongside.sh LOG BACKGROUND... -- FOREGROUND...
#
# BACKGROUND runs in a process group of its own, its output in LOG; FOREGROUND runs as usual. When FOREGROUND ends,
# this waits for BACKGROUND. If FOREGROUND fails, or this script is stopped (INT, TERM), BACKGROUND's whole group is
# killed: nothing it started is left running. Exits 0 only when both succeeded; when BACKGROUND failed, prints the
# end of LOG.
#
# `make test` builds the classroom (scripts/classroom.sh build, about 7 minutes of a cold machine's cargo) while the
# notebooks run one kernel at a time, which keeps about one core busy (both for a few seconds while a kernel analyses
# its `:dep`, scripts/evcxr).
set -uo pipefail
[ $# -ge 4 ] || { echo "usage: scripts/alongside.sh LOG BACKGROUND... -- FOREGROUND..." >&2; exit 2; }
log="$1"; shift
background=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do background+=("$1"); shift; done
[ "${1:-}" = "--" ] && [ $# -ge 2 ] && [ ${#background[@]} -gt 0 ] \
  || { echo "usage: scripts/alongside.sh LOG BACKGROUND... -- FOREGROUND..." >&2; exit 2; }
shift
mkdir -p "$(dirname "$log")"

setsid "${background[@]}" > "$log" 2>&1 &
group=$!
stop_background() { kill -TERM -- "-$group" 2>/dev/null; wait "$group" 2>/dev/null; }
trap 'stop_background; exit 130' INT TERM
echo "alongside: '${background[*]}' runs in the background (log: $log)" >&2

"$@"
status=$?
if [ $status -ne 0 ]; then
  stop_background
  exit $status
fi
wait "$group"
background_status=$?
trap - INT TERM
if [ $background_status -ne 0 ]; then
  echo "alongside: '${background[*]}' failed (exit status $background_status); the end of $log:" >&2
  tail -n 40 "$log" >&2
  exit $background_status
fi
echo "alongside: '${background[*]}' done (log: $log)" >&2
