#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image. It installs Python 3 if the
# image has no usable one, makes a virtual environment, and installs the grader pinned in requirements.txt
# with its dependencies. Written by `grader export gradescope` (grader [[grader_version]], lesson [[lesson]]);
# export again rather than edit it.
#
# GRADER_AUTOGRADER_ROOT (default /autograder) and GRADER_AUTOGRADER_VENV (default $ROOT/venv) move it
# elsewhere, for trying the autograder out on your own machine.
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${GRADER_AUTOGRADER_ROOT:-/autograder}"
VENV="${GRADER_AUTOGRADER_VENV:-$ROOT/venv}"

python_ok() {  # Python 3.10 or newer, able to make a virtual environment with pip
  command -v python3 >/dev/null 2>&1 &&
    python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1
}

if ! python_ok; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y python3 python3-pip python3-venv
fi
if ! python_ok; then
  echo "setup.sh: the grader needs Python 3.10 or newer with venv; this image has $(python3 --version 2>&1 || echo no python3)." >&2
  echo "setup.sh: choose a newer Ubuntu base image (22.04 or later) in the assignment's autograder settings." >&2
  exit 1
fi

python3 -m venv "$VENV"
cd "$SOURCE"  # requirements.txt may name the bundled wheel by a path relative to this folder
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --progress-bar off -r requirements.txt
"$VENV/bin/grader" --version
