# Shared by scripts/serve and scripts/test: install only what is missing.
# Debian packages need `apt-get update` once before the first install on a new machine.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)

# ensure_debian PKG... : installs the packages that dpkg does not list as installed.
ensure_debian() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The C libraries the server links and loads.
RUNTIME_PACKAGES=(libsqlite3-dev libspatialite-dev libsqlite3-mod-spatialite libproj-dev proj-data)
RUNTIME_PACKAGES+=(zlib1g-dev)  # gzip responses (Sources/CZlib)

require_swift() {
  command -v swift >/dev/null 2>&1 || { echo "swift is not on PATH (Swift 6.1 or newer is needed)" >&2; exit 1; }
}

build_release() {
  (cd "$ROOT" && swift build -c release --product zamin)
}
