#!/usr/bin/env bash
# Time to first output of the main job (`bash scripts/main-job.sh`): seconds until its first line
# (a bootstrap note on stderr), until the first line of the job's own report (stdout) and until it
# ends. The first run after a change installs and builds ("cold"); the next finds everything up to
# date ("warm").
#   bash bench/main-job/first-output.sh [--cold]   (--cold deletes the install and build stamps first)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ ${1:-} == --cold ]]; then
  rm -f "$root/node_modules/.catena-install-stamp" "$root/node_modules/.catena-build-stamp"
fi
now() { date +%s.%N; }
start=$(now) first="" report=""
while IFS= read -r line; do
  [[ $first ]] || first=$(now)
  if [[ $line == catena:* ]]; then echo "  $line" >&2; else [[ $report ]] || report=$(now); fi
done < <(bash "$root/scripts/main-job.sh" 2>&1)
end=$(now)
awk -v s="$start" -v f="$first" -v r="$report" -v e="$end" \
  'BEGIN { printf "first line after %.2f s, first report line after %.2f s, done after %.2f s\n", f - s, r - s, e - s }'
