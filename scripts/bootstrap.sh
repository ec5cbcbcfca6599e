#!/usr/bin/env bash
# Gets a checkout ready to run: Node >= 22.12 and pnpm 10 on PATH, dependencies installed,
# packages built. Source it (the PATH change then sticks) or run it directly.
# Only npm is assumed: missing tools are installed into <repo>/.tools from the npm registry,
# because that is the one thing a machine with any Node (e.g. CI's Node 20) can reach.
set -euo pipefail

CATENA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_tools="$CATENA_ROOT/.tools"
_toolbin="$_tools/node_modules/.bin"

_say() { echo "catena: $*" >&2; }
_die() { echo "catena: error: $*" >&2; exit 1; }

_node_ok() { # $1 = node binary; engines in package.json require >= 22.12
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' >/dev/null 2>&1
}
_pnpm_ok() { # $1 = pnpm binary; the lockfile format is pnpm 10's
  # stdin closed and no prompt so a corepack shim cannot hang asking to download
  [[ "$(COREPACK_ENABLE_DOWNLOAD_PROMPT=0 "$1" --version </dev/null 2>/dev/null)" == 10.* ]]
}

_want=() # what has to come from .tools (empty: the machine already has it)
_node_pkg="node-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
command -v node >/dev/null && _node_ok node || _want+=("$_node_pkg@22")
command -v pnpm >/dev/null && _pnpm_ok pnpm || _want+=("pnpm@10")

if ((${#_want[@]})); then
  _missing=()
  [[ " ${_want[*]} " == *" $_node_pkg@22 "* ]] && ! _node_ok "$_toolbin/node" && _missing+=("Node 22")
  # pnpm.cjs runs on whatever node is first on PATH, so put .tools first before checking it
  export PATH="$_toolbin:$PATH"
  [[ " ${_want[*]} " == *" pnpm@10 "* ]] && ! _pnpm_ok "$_toolbin/pnpm" && _missing+=("pnpm 10")
  if ((${#_missing[@]})); then
    command -v npm >/dev/null ||
      _die "npm not found. Install Node.js (any version, with npm), or Node >= 22.12 and pnpm 10 yourself."
    _say "installing ${_missing[*]} into .tools ..."
    # Install everything .tools provides in one go: npm prunes packages its manifest doesn't list.
    if ! _log=$(npm install --prefix "$_tools" --no-fund --no-audit --loglevel=error "${_want[@]}" 2>&1); then
      echo "$_log" >&2
      _die "npm install into .tools failed (is https://registry.npmjs.org reachable? check proxy/network settings)."
    fi
  fi
  _node_ok node || _die "$(command -v node || echo node) is not Node >= 22.12 after installing into .tools."
  _pnpm_ok pnpm || _die "$(command -v pnpm || echo pnpm) is not pnpm 10 after installing into .tools."
fi

_say "using Node $(node --version) ($(command -v node)), pnpm $(pnpm --version)"

# All output to stderr so that stdout of the calling script stays the job's own output.
_say "installing dependencies (pnpm install) ..."
pnpm --dir "$CATENA_ROOT" install --frozen-lockfile --reporter=append-only --loglevel=warn >&2 ||
  _die "pnpm install failed (see above)."

_say "building packages (pnpm build) ..."
if ! _log=$(pnpm --dir "$CATENA_ROOT" build 2>&1); then
  echo "$_log" >&2
  _die "pnpm build failed (see above)."
fi
unset _tools _toolbin _want _missing _node_pkg _log
