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
_pnpm_ok() { # $1 = pnpm binary; the lockfile format is pnpm 10's. Keeps the version: pnpm starts slowly.
  # stdin closed and no prompt so a corepack shim cannot hang asking to download
  _pnpm_v="$(COREPACK_ENABLE_DOWNLOAD_PROMPT=0 "$1" --version </dev/null 2>/dev/null)" || true
  [[ $_pnpm_v == 10.* ]]
}

_node_pkg="node-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
# `pnpm install` takes seconds even when nothing changed, so skip it when no manifest, the lockfile
# or the workspace file changed since the last good install (the stamp lives in node_modules, so a
# deleted node_modules always installs; delete the stamp to force an install).
_install_stamp="$CATENA_ROOT/node_modules/.catena-install-stamp"
_install_needed() {
  [[ -f $_install_stamp ]] || return 0
  [[ -n $(find "$CATENA_ROOT"/package.json "$CATENA_ROOT"/pnpm-lock.yaml "$CATENA_ROOT"/pnpm-workspace.yaml \
    "$CATENA_ROOT"/.npmrc "$CATENA_ROOT"/packages/*/package.json "$CATENA_ROOT"/tests/package.json \
    "$CATENA_ROOT"/examples/package.json -newer "$_install_stamp" -print -quit 2>/dev/null) ]]
}
# A full tsc build takes ~20 s, so skip it when nothing it reads changed since the last good build
# (the stamp lives in node_modules, so a fresh install always builds; delete it to force a build).
_stamp="$CATENA_ROOT/node_modules/.catena-build-stamp"
_build_needed() {
  [[ -f $_stamp ]] || return 0
  local pkg
  for pkg in "$CATENA_ROOT"/packages/*/; do
    grep -qs '"build":' "$pkg/package.json" && [[ ! -d $pkg/dist ]] && return 0
  done
  # The build's own outputs do not count: on a fresh clone the first build creates the banking
  # artifacts (packages/chains/artifacts/.gitignore) after the stamp is taken.
  [[ -n $(find "$CATENA_ROOT/packages" "$CATENA_ROOT"/tsconfig*.json "$CATENA_ROOT/pnpm-lock.yaml" \
    \( -name node_modules -o -name dist -o -name '*.tsbuildinfo' -o -name '*.catena' -o -name '*.tmp' \
    -o -path "$CATENA_ROOT/packages/chains/artifacts/*/split" \) -prune -o -type f -newer "$_stamp" -print -quit) ]]
}
_need_node="" _need_pnpm="" _pnpm_v="(not needed: nothing to install or build)"
command -v node >/dev/null && _node_ok node || _need_node=1
# pnpm takes a second just to print its version: only look for it when there is work for it, or
# when the caller runs pnpm itself (CATENA_NEEDS_PNPM=1, as scripts/test.sh does).
if [[ ${CATENA_NEEDS_PNPM:-} ]] || _install_needed || _build_needed; then
  command -v pnpm >/dev/null && _pnpm_ok pnpm || _need_pnpm=1
fi

if [[ $_need_node$_need_pnpm ]]; then
  # pnpm.cjs runs on the first node on PATH, so .tools goes first before checking what it has
  export PATH="$_toolbin:$PATH"
  _pkgs=() _install=""
  if [[ $_need_node ]]; then
    _pkgs+=("$_node_pkg@22")
    _node_ok "$_toolbin/node" || _install="Node 22"
  fi
  if [[ $_need_pnpm ]]; then
    _pkgs+=(pnpm@10)
    _pnpm_ok "$_toolbin/pnpm" || _install+="${_install:+ and }pnpm 10"
  fi
  if [[ $_install ]]; then
    command -v npm >/dev/null ||
      _die "npm not found. Install Node.js (any version, with npm), or Node >= 22.12 and pnpm 10 yourself."
    _say "installing $_install into .tools ..."
    # Always name every package .tools provides: npm prunes whatever its manifest does not list.
    if ! _log=$(npm install --prefix "$_tools" --no-fund --no-audit --loglevel=error "${_pkgs[@]}" 2>&1); then
      echo "$_log" >&2
      _die "npm install into .tools failed (is the npm registry reachable? check network/proxy settings)."
    fi
  fi
  _node_ok node || _die "$(command -v node || echo node) is not Node >= 22.12, even with .tools on PATH."
  [[ -z $_need_pnpm ]] || _pnpm_ok pnpm || _die "$(command -v pnpm || echo pnpm) is not pnpm 10, even with .tools on PATH."
fi

# All output to stderr so that stdout of the calling script stays the job's own output.
_say "using Node $(node --version) ($(command -v node)), pnpm $_pnpm_v"

if _install_needed; then
  _say "installing dependencies (pnpm install) ..."
  _started="$(mktemp)" # taken before the install, so edits made during it still count as changes
  pnpm --dir "$CATENA_ROOT" install --frozen-lockfile --reporter=append-only --loglevel=warn >&2 ||
    _die "pnpm install failed (see above)."
  touch -r "$_started" "$_install_stamp" && rm -f "$_started"
else
  _say "dependencies up to date (pnpm install skipped)"
fi

if _build_needed; then
  _say "building packages (pnpm build) ..."
  touch "$_stamp.new" # taken before the build, so edits made during it still count as changes
  if ! _log=$(pnpm --dir "$CATENA_ROOT" build 2>&1); then
    echo "$_log" >&2
    _die "pnpm build failed (see above)."
  fi
  mv "$_stamp.new" "$_stamp"
else
  _say "packages up to date (build skipped)"
fi
unset _install_stamp _started _tools _toolbin _pnpm_v _node_pkg _need_node _need_pnpm _pkgs _install _log _stamp
