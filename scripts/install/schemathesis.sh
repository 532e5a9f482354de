#!/usr/bin/env bash
# Installs schemathesis (property-based API testing against an OpenAPI document) from PyPI into a venv under
# ~/.cache/meldtown, used by acceptance SchemathesisTest through the link $MELDTOWN_HOME/schemathesis-current.
# Idempotent: a venv holding the pinned version is reused.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
hold_install_lock schemathesis

SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
venv="$MELDTOWN_HOME/schemathesis-$SCHEMATHESIS_VERSION"
st="$venv/bin/st"
current="$MELDTOWN_HOME/schemathesis-current"

if [ -x "$st" ] && "$venv/bin/python" -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')" 2>/dev/null; then
  ln -sfn "$venv" "$current"
  log "schemathesis $SCHEMATHESIS_VERSION already installed: $st"
  exit 0
fi
command -v python3 >/dev/null || die "python3 is needed for schemathesis"
log "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
"$venv/bin/python" -c "import schemathesis; print('schemathesis', schemathesis.__version__)" \
  || die "schemathesis did not install"
ln -sfn "$venv" "$current"
log "installed schemathesis $SCHEMATHESIS_VERSION: $st"
