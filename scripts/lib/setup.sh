# Shared by scripts/demo and scripts/test: install what safeops needs, idempotently.
# Sourced, not run. Re-installs only when pyproject.toml or package-lock.json changed.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

_stamp_ok() {  # _stamp_ok STAMPFILE INPUT... : true when INPUTs are unchanged since the stamp
  local stamp="$1"; shift
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(cat "$@" | sha256sum)" ]
}

_write_stamp() { local stamp="$1"; shift; cat "$@" | sha256sum > "$stamp"; }

ensure_python_env() {
  if [ ! -x "$PY" ]; then
    say "creating the virtual environment in .venv"
    python3 -m venv "$VENV"
  fi
  if ! _stamp_ok "$VENV/.safeops-installed" "$ROOT/pyproject.toml"; then
    say "installing safeops and its Python dependencies"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -e "$ROOT[dev]"
    _write_stamp "$VENV/.safeops-installed" "$ROOT/pyproject.toml"
  fi
}

ensure_node_tools() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "installing Node.js and npm (Debian packages)"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm >/dev/null; fi
  fi
  if [ ! -d "$ROOT/node_modules" ] || ! _stamp_ok "$ROOT/node_modules/.safeops-installed" "$ROOT/package-lock.json"; then
    say "installing anvil, cast, solc, OpenZeppelin and the Safe SDK from npm (pinned in package.json)"
    # `npm install` honours the lock file; `npm ci` rejects one that lists only this
    # platform's optional anvil binary, which is what npm writes.
    (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error)
    _write_stamp "$ROOT/node_modules/.safeops-installed" "$ROOT/package-lock.json"
  fi
}

ensure_keyring_tools() {  # gnome-keyring under a private D-Bus session, for the keyring tests
  if command -v gnome-keyring-daemon >/dev/null && command -v dbus-daemon >/dev/null; then return; fi
  say "installing gnome-keyring and dbus (Debian packages) for the OS keyring tests"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends gnome-keyring dbus >/dev/null
}
