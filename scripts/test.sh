#!/usr/bin/env bash
# Runs the whole test suite (vitest) on a fresh checkout: bootstrap first, because the CLI
# end-to-end tests spawn the built binary. Extra args go to vitest, e.g. --reporter=json.
set -euo pipefail

CATENA_NEEDS_PNPM=1 # it runs pnpm test: bootstrap must find (or install) pnpm even with nothing to build
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$CATENA_ROOT"
exec pnpm test "$@"
