#!/usr/bin/env bash
# A CPU venv with the real MMPose stack (RTMDet + RTMPose) for the live-pose MMPose estimator test,
# cached at $ENVKIT_CACHE_DIR/live-pose/mmpose-venv-<key>. Recipe and traps: shared/research/
# openmmlab-install.md section 4 (variant A, numpy 1.x):
#   - mmcv 2.1.0 has only an sdist: its CPU ops are compiled once (~25 min on 2 cores, niced) with
#     --no-build-isolation (torch must be visible) and --no-cache-dir (pip's wheel cache would hand back
#     an op-less build), and the wheel is kept at $ENVKIT_CACHE_DIR/wheels/<key>/ for every later venv;
#   - setuptools>=77.0.3,<82 (torch needs >=77.0.3; mmcv's setup.py and mmengine need pkg_resources);
#   - chumpy only builds without isolation (it is metadata-only for mmpose and is never imported);
#   - PyPI has no CPU torchvision: 0.28.0 (+cu130) is installed --no-deps and its two fake-op
#     registrations for torchvision::nms/qnms are made conditional on the C++ ops having loaded, so the
#     Python parts that mmpose.apis imports work (mmpose never calls torchvision ops).
# Idempotent (a "complete" marker); ENVKIT_SKIP_MMPOSE=1 skips it. A failure does not fail CI: it is
# written to $ENVKIT_CACHE_DIR/live-pose/mmpose.failed and the MMPose test skips with that reason.
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
rm -rf "$VENV"
step="creating the venv"
/usr/bin/env python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
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
  step="compiling mmcv 2.1.0's CPU ops (about 25 minutes)"
  say "$step"
  build="$(mktemp -d)"
  MMCV_WITH_OPS=1 MAX_JOBS=2 nice -n 19 "$PY" -m pip wheel -q mmcv==2.1.0 --no-deps --no-build-isolation \
    --no-cache-dir -w "$build"
  mv "$build"/mmcv-2.1.0-*.whl "$WHEELS"/
  rm -rf "$build"
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
