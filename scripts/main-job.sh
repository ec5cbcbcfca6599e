#!/usr/bin/env bash
# Runs the example pipeline end to end (batch-triages the sample support tickets) on a fresh
# checkout: bootstrap first, so only npm has to be on the machine. Extra args go to the CLI.
set -euo pipefail

# ---- The main job: edit this command line if the CLI changes (paths are relative to the repo root).
MAIN_JOB=(node packages/cli/bin/catena.js batch support-triage
  --file packages/chains/data/support-triage/sample.jsonl
  --out .catena/demo/results.jsonl)
# ----

source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$CATENA_ROOT"
# The demo's results are a fresh output each time, not a batch to resume.
rm -f .catena/demo/results.jsonl
echo "catena: running: ${MAIN_JOB[*]}${*:+ $*}" >&2
exec "${MAIN_JOB[@]}" "$@"
