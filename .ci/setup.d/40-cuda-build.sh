#!/usr/bin/env bash
# Tools for the kernels/ compile test (pytest marker cuda_build), cached under $ENVKIT_CACHE_DIR:
#   cuda-venv-torch2.13.0-cu130/  a venv with PyPI's CUDA 13.0 build of torch (4.7 GB, ~70 s cold)
#   cuobjdump-13.2.51/            nvidia-cuda-cuobjdump (the local CUDA 13.0 has none; PyPI has >= 13.2.51)
#   cccl-cu12-12.8.90/            CUDA 12.8's CCCL 2.7 headers, for the API check of the .cu sources
#   torch-2.9.1-include/          the headers of torch 2.9.1 (the rtx5090 recipe's cu128 build), for the
#                                 API check of selective_scan.cpp (a 900 MB download, 60 MB kept)
# Source of every pin and trap: shared/research/kernels-feasibility.md (sections 1, 2 and 3).
# Idempotent: each piece is skipped when its "complete" marker exists. Skipped entirely when there is no
# nvcc (the compile test then skips with that reason) or when ENVKIT_SKIP_CUDA_BUILD=1.
# A failed install (PyPI unreachable, disk full) does not fail CI: it is written to
# $CACHE/cuda-build-setup.failed, and the cuda_build tests skip with that text as their reason.
set -Eeuo pipefail
CACHE="${ENVKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/envkit}"
say() { echo "40-cuda-build: $*"; }
failed_marker="$CACHE/cuda-build-setup.failed"
step="starting"
on_error() {
  mkdir -p "$CACHE"
  echo "$(date -u +%FT%TZ) .ci/setup.d/40-cuda-build.sh failed while $step (command: $1)" > "$failed_marker"
  say "FAILED while $step; the cuda_build tests will skip with that reason ($failed_marker)"
  exit 0
}
trap 'on_error "$BASH_COMMAND"' ERR

if [ "${ENVKIT_SKIP_CUDA_BUILD:-0}" = "1" ]; then
  say "ENVKIT_SKIP_CUDA_BUILD=1: not installing the CUDA build tools"
  exit 0
fi
CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
if [ ! -x "$CUDA_HOME/bin/nvcc" ]; then
  say "no nvcc at $CUDA_HOME/bin/nvcc: the cuda_build tests will skip"
  exit 0
fi
mkdir -p "$CACHE"
PY="${PYTHON:-python3}"

# PyPI only, without this machine's local find-links: with them pip picks the local 2.13.0+cpu file,
# because a local version sorts above the plain one (kernels-feasibility.md section 1, "Gotcha").
pypi() { PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= "$@"; }

venv="$CACHE/cuda-venv-torch2.13.0-cu130"
if [ ! -e "$venv/.complete" ]; then
  step="installing torch 2.13.0 (cu130) from PyPI into $venv"
  say "$step (about 4.7 GB)"
  rm -rf "$venv"
  "$PY" -m venv "$venv"
  pypi "$venv/bin/python" -m pip install -q torch==2.13.0 numpy==1.26.4 ninja "setuptools>=77.0.3,<82" wheel
  "$venv/bin/python" -c "import torch, sys; sys.exit(0 if (torch.version.cuda or '').startswith('13.') else 1)"
  touch "$venv/.complete"
fi

tool="$CACHE/cuobjdump-13.2.51"
if [ ! -e "$tool/.complete" ]; then
  step="installing nvidia-cuda-cuobjdump==13.2.51 into $tool"
  say "$step"
  rm -rf "$tool"
  pypi "$PY" -m pip install -q --target "$tool" nvidia-cuda-cuobjdump==13.2.51
  touch "$tool/.complete"
fi

cccl="$CACHE/cccl-cu12-12.8.90"
if [ ! -e "$cccl/.complete" ]; then
  step="installing nvidia-cuda-cccl-cu12==12.8.90 (CUDA 12.8's CCCL 2.7 headers) into $cccl"
  say "$step"
  rm -rf "$cccl"
  pypi "$PY" -m pip install -q --target "$cccl" nvidia-cuda-cccl-cu12==12.8.90
  touch "$cccl/.complete"
fi
headers="$CACHE/torch-2.9.1-include"
if [ ! -e "$headers/.complete" ]; then
  step="extracting torch 2.9.1's headers into $headers"
  say "$step"
  rm -rf "$headers" "$headers.download"
  pypi "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_28_x86_64 -d "$headers.download" torch==2.9.1
  "$PY" - "$headers.download" "$headers" <<'PYTHON'
import pathlib, sys, zipfile
(wheel,) = pathlib.Path(sys.argv[1]).glob("torch-2.9.1-*.whl")
with zipfile.ZipFile(wheel) as archive:
    archive.extractall(sys.argv[2], [n for n in archive.namelist() if n.startswith("torch/include/")])
PYTHON
  rm -rf "$headers.download"
  touch "$headers/.complete"
fi
rm -f "$failed_marker"
say "ready: $venv, $tool, $cccl, $headers"
