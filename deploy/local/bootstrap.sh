#!/usr/bin/env bash
# Installs everything Leerrecht needs on a fresh Debian machine of this kind, and nothing twice:
# a Python virtualenv with the project, Java 17 and Maven (to run the real Kafka broker from its
# Maven Central artifacts), the broker's jars, and Debian's PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: $*; install it with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  if [ ! -f /tmp/.leerrecht-apt-updated ]; then apt-get update -qq && touch /tmp/.leerrecht-apt-updated; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "Python >= 3.11 is needed (found: $("$PY" --version 2>&1))" >&2
  exit 1
fi
command -v java >/dev/null || { say "installing Java 17"; apt_install openjdk-17-jre-headless; }
command -v mvn >/dev/null || { say "installing Maven"; apt_install maven; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { say "installing PostgreSQL"; apt_install postgresql; }
command -v runuser >/dev/null || apt_install util-linux
# The UI tests drive Debian's Chromium (never a downloaded browser build).
command -v chromium >/dev/null || { say "installing Chromium for the browser tests"; apt_install chromium; }

stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  say "creating .venv and installing the project"
  [ -d .venv ] || "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test,dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# Spectral lints every service's OpenAPI against the NL API Design Rules (deploy/adr/spectral.yaml), from
# npm into a project-local folder, version pinned (tests/leerrecht/test_openapi_adr.py runs it).
SPECTRAL_VERSIE=6.16.3
command -v npm >/dev/null || { say "installing Node.js and npm for the API linter"; apt_install nodejs npm; }
if [ ! -x ".local/spectral/node_modules/.bin/spectral" ] || \
   [ "$(cat .local/spectral/.versie 2>/dev/null)" != "$SPECTRAL_VERSIE" ]; then
  say "installing @stoplight/spectral-cli $SPECTRAL_VERSIE into .local/spectral"
  mkdir -p .local/spectral
  npm install --prefix .local/spectral --no-audit --no-fund --loglevel=error \
    "@stoplight/spectral-cli@$SPECTRAL_VERSIE" >/dev/null
  echo "$SPECTRAL_VERSIE" > .local/spectral/.versie
fi
# kubeconform validates the generated Kubernetes manifests (tests/deploy) against the schemas vendored
# in deploy/k8s/schemas; built from its Go module, pinned, into a project-local bin.
KUBECONFORM_VERSION=v0.7.0
if [ ! -x .local/bin/kubeconform ] || [ ! -f ".local/bin/.kubeconform-$KUBECONFORM_VERSION" ]; then
  command -v go >/dev/null || { say "installing Go"; apt_install golang-go; }
  say "installing kubeconform $KUBECONFORM_VERSION into .local/bin"
  mkdir -p .local/bin
  GOBIN="$PWD/.local/bin" go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  rm -f .local/bin/.kubeconform-* && touch ".local/bin/.kubeconform-$KUBECONFORM_VERSION"
fi
say "resolving Apache Kafka and Keycloak from Maven Central (cached in .local/kafka-lib, .local/keycloak-*)"
.venv/bin/python -m leerrecht.localinfra install
say "ready"
