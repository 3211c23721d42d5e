#!/usr/bin/env bash
# Shared install step (sourced): virtualenv, pinned requirements, compiled translations.
set -euo pipefail
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
if ! cmp -s requirements.txt .venv/.installed-requirements 2>/dev/null; then
  if ! pip install -q --disable-pip-version-check -r requirements.txt 2>.venv/pip-install.log; then
    cat .venv/pip-install.log >&2
    exit 1
  fi
  cp requirements.txt .venv/.installed-requirements
fi
pybabel compile -d translations >/dev/null
