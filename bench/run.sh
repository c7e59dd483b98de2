#!/usr/bin/env bash
# Runs every benchmark in one invocation and rewrites bench/RESULTS.md (~7 min).
# `bash bench/run.sh --quick` checks the harness: fewer rounds, prints only.
set -u
cd "$(dirname "$0")/.."
node --import tsx bench/run.ts "$@"
rc=$?
# Everything the run started is stopped by pid; make sure nothing of ours is left.
if pgrep -af 'bench/hello-worker\.ts|bench/hello-service'; then
  echo "bench/run.sh: leftover benchmark processes above" >&2
  rc=1
fi
exit $rc
