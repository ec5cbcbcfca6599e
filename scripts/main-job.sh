#!/usr/bin/env bash
# Runs the example pipeline end to end (labels 299 sample Banking77 queries with the banking-intents
# cascade and prints how many each tier answered, the precision and the deferrals) on a fresh
# checkout: bootstrap first, so only npm has to be on the machine. Extra args go to the CLI.
set -euo pipefail

# ---- The main job: edit this command line if the CLI changes (paths are relative to the repo root).
MAIN_JOB=(node packages/cli/bin/catena.js eval banking-intents
  --data packages/chains/data/banking77/sample.jsonl)
# ----

source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$CATENA_ROOT"
echo "catena: running: ${MAIN_JOB[*]}${*:+ $*}" >&2
exec "${MAIN_JOB[@]}" "$@"
