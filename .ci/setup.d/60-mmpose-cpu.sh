#!/usr/bin/env bash
# A CPU venv with the real MMPose stack (RTMDet + RTMPose) for the live-pose MMPose estimator test,
# cached at $ENVKIT_CACHE_DIR/live-pose/mmpose-venv-<key>. Recipe and traps: shared/research/
# openmmlab-install.md section 4 (variant A, numpy 1.x):
#   - mmcv 2.1.0 has only an sdist: its 77 CPU-op translation units are compiled once with
#     --no-build-isolation (torch must be visible) and --no-cache-dir (pip's wheel cache would hand back
#     an op-less build), and the wheel is kept at $ENVKIT_CACHE_DIR/wheels/<key>/ for every later venv.
#     The compile uses Python's own CFLAGS plus -g0 (no debug info; -O3 stays, so the ops run as fast as
#     before). Measured on single translation units against torch 2.13.0's headers (g++ 12, CPU seconds on
#     a busy 2-core machine): nms.cpp 35.1 s with Python's `-g -O3`, 13.9 s with -g0 (11.8-13.3 s at
#     -O0..-O2 -g0); cpu/deform_conv.cpp 42.4 s -> 15.0 s. Debug info is two thirds of the work (the
#     object shrinks from 2.7 MB to about 35 KB). The whole compile with -g0, measured: 1,107 CPU-s for 69
#     of the 77 objects plus the link (a run resumed after 8; 33 min wall at load 5-8, niced), so about
#     20 CPU-minutes in all, some 10 min on an idle 2-core machine, where -g took ~25 min idle and ~47 min
#     busy. Fewer ops would not stay honest: mmcv.ops' ext_loader asserts that every op's symbol exists. The sdist is unpacked into $ENVKIT_CACHE_DIR/wheels/<key>-src and built
#     in place, so an interrupted compile resumes with the objects ninja already made;
#   - setuptools>=77.0.3,<82 (torch needs >=77.0.3; mmcv's setup.py and mmengine need pkg_resources);
#   - chumpy only builds without isolation (it is metadata-only for mmpose and is never imported);
#   - PyPI has no CPU torchvision: 0.28.0 (+cu130) is installed --no-deps and its two fake-op
#     registrations for torchvision::nms/qnms are made conditional on the C++ ops having loaded, so the
#     Python parts that mmpose.apis imports work (mmpose never calls torchvision ops).
# Idempotent (a "complete" marker) and restartable; ENVKIT_SKIP_MMPOSE=1 skips it. A failure does not
# fail CI: it is written to $ENVKIT_CACHE_DIR/live-pose/mmpose.failed and the MMPose test skips with that
# reason.
set -Eeuo pipefail
CACHE="${ENVKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/envkit}"
KEY="mmcv2.1.0-mmdet3.2.0-mmpose1.3.2-torch2.13.0-cpu-py311"
VENV="$CACHE/live-pose/mmpose-venv-$KEY"
WHEELS="$CACHE/wheels/mmcv-2.1.0-torch2.13.0-cpu-cp311"
FAILED="$CACHE/live-pose/mmpose.failed"
say() { echo "60-mmpose-cpu: $*"; }
step="starting"
on_error() {
  echo "$(date -u +%FT%TZ) .ci/setup.d/60-mmpose-cpu.sh failed while $step (command: $1)" > "$FAILED"
  say "FAILED while $step; the MMPose estimator test will skip with that reason"
  exit 0
}
trap 'on_error "$BASH_COMMAND"' ERR
mkdir -p "$CACHE/live-pose" "$WHEELS"

if [ "${ENVKIT_SKIP_MMPOSE:-0}" = "1" ]; then
  say "ENVKIT_SKIP_MMPOSE=1: not building the MMPose venv"
  exit 0
fi
if [ -f "$VENV/complete" ]; then
  say "cached: $VENV"
  exit 0
fi
# An interrupted run keeps its venv: pip skips what is installed, so torch's headers keep their mtimes and
# ninja resumes the mmcv compile instead of starting over.
step="creating the venv"
[ -x "$VENV/bin/python" ] || /usr/bin/env python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
PY="$VENV/bin/python"
cat > "$VENV/constraints.txt" <<'PINS'
torch==2.13.0
numpy==1.26.4
opencv-python<4.12
setuptools>=77.0.3,<82
mmcv==2.1.0
mmdet==3.2.0
mmengine==0.10.7
mmpose==1.3.2
xtcocotools==1.14.3
PINS
export PIP_CONSTRAINT="$VENV/constraints.txt"
pip() { "$PY" -m pip -q "$@"; }
step="installing torch, numpy, mmengine"
pip install -U pip
pip install torch==2.13.0 numpy==1.26.4 "setuptools>=77.0.3,<82" wheel ninja "opencv-python<4.12" mmengine==0.10.7
if ! ls "$WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
  SRC="$WHEELS-src/mmcv-2.1.0"
  if [ ! -f "$SRC/setup.py" ]; then
    step="fetching mmcv 2.1.0's sdist"
    rm -rf "$WHEELS-src" && mkdir -p "$WHEELS-src"
    pip download mmcv==2.1.0 --no-deps --no-binary :all: --no-build-isolation -d "$WHEELS-src"
    tar -xzf "$WHEELS-src"/mmcv-2.1.0.tar.gz -C "$WHEELS-src"
  fi
  step="compiling mmcv 2.1.0's CPU ops (about 10 minutes on an idle 2-core machine)"
  say "$step"
  began=$(date +%s)
  build="$(mktemp -d)"
  MMCV_WITH_OPS=1 MAX_JOBS=2 CFLAGS="$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("CFLAGS"))') -g0" \
    nice -n 19 "$PY" -m pip wheel -q "$SRC" --no-deps --no-build-isolation --no-cache-dir -w "$build"
  mv "$build"/mmcv-2.1.0-*.whl "$WHEELS"/
  rm -rf "$build" "$WHEELS-src"
  say "compiled mmcv 2.1.0 in $(( $(date +%s) - began )) s"
fi
step="installing mmcv, mmdet, chumpy, xtcocotools, torchvision, mmpose"
pip install "$WHEELS"/mmcv-2.1.0-*.whl
pip install mmdet==3.2.0 xtcocotools==1.14.3
pip install chumpy==0.70 --no-build-isolation
pip install --no-deps torchvision==0.28.0
step="patching torchvision's fake nms registrations"
"$PY" - <<'PY'
import importlib.util, pathlib, re
path = pathlib.Path(importlib.util.find_spec("torchvision").submodule_search_locations[0]) / "_meta_registrations.py"
text = path.read_text()
patched = re.sub(
    r'@torch\.library\.register_fake\("torchvision::(nms|qnms)"\)',
    r'@(torch.library.register_fake("torchvision::\1") if torchvision.extension._has_ops() else (lambda f: f))',
    text,
)
assert patched.count("_has_ops() else") == 2 or "_has_ops() else" in text, "torchvision layout changed"
path.write_text(patched)
PY
pip install mmpose==1.3.2
pip install "typer>=0.12" "rich>=13" "jinja2>=3.1" "packaging>=23" "docker>=7" "safetensors>=0.4"
step="checking the stack (nms runs, mmpose.apis imports)"
"$PY" - <<'PY'
import torch
from mmcv.ops import nms
boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 60, 60]], dtype=torch.float32)
_, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5)
assert keep.tolist() == [0, 2], keep
from mmpose.apis import inference_topdown, init_model  # noqa: F401
from mmdet.apis import inference_detector, init_detector  # noqa: F401
print("mmpose stack ok")
PY
touch "$VENV/complete"
rm -f "$FAILED"
say "ready: $VENV"
