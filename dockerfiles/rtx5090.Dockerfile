# Rendered by envkit 0.1.0 from recipe rtx5090 (hash b0adb889e1b0). Do not edit by hand:
# change the recipe (rtx5090.toml) or dockerfiles/templates/, then run `envkit render --all --write`.
# Build context: the envkit project root (see .dockerignore). BuildKit is required (cache mounts):
#   DOCKER_BUILDKIT=1 docker build --build-arg MAX_JOBS=8 -f dockerfiles/rtx5090.Dockerfile .
# MMPose + PoseMamba on an RTX 5090 (sm_120), CUDA 12.8, torch 2.9.1+cu128

# Parallel compile jobs for nvcc/ninja (mmcv, kernels, librealsense); lower it when the build runs out of memory.
ARG MAX_JOBS=4

# ---------------------------------------------------------------------------------------------------------
# devel: compilers and headers; builds every wheel that has no usable binary on PyPI.
# ---------------------------------------------------------------------------------------------------------
FROM nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04 AS devel
ARG MAX_JOBS
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 \
      python3-venv \
      python3-dev \
      build-essential \
      git \
 && rm -rf /var/lib/apt/lists/*
# The distribution's python3 (3.10) in a venv: Debian/Ubuntu refuse system-wide pip (PEP 668).
RUN python3 -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# Every pip command below installs within these pins (recipe [pip].constraints).
RUN mkdir -p /opt/envkit \
 && printf '%s\n' \
      numpy==1.26.4 \
      opencv-python==4.11.0.86 \
      'setuptools>=77.0.3,<82' \
      scipy==1.15.3 \
      matplotlib==3.10.3 \
      pillow==11.3.0 \
      > /opt/envkit/constraints.txt
# Build tools for --no-build-isolation builds (setuptools < 82 keeps pkg_resources for mmcv's setup.py).
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -c /opt/envkit/constraints.txt \
      pip==25.3 \
      'setuptools>=77.0.3,<82' \
      wheel==0.45.1 \
      ninja==1.11.1.4 \
      cython==3.0.12 \
      numpy==1.26.4
# torch 2.9.1 (12.8 build). Its index is an extra index: torch resolves to the local
# version there (+cu128 sorts above PyPI's), while the pinned dependencies (numpy, pillow) still come from PyPI.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -c /opt/envkit/constraints.txt --extra-index-url https://download.pytorch.org/whl/cu128 \
      torch==2.9.1 torchvision==0.24.1 torchaudio==2.9.1
# mmcv 2.1.0 from source WITH its compiled ops (mmcv._ext): no prebuilt wheel exists for this torch.
#   MMCV_WITH_OPS=1     build the ops; FORCE_CUDA=1: docker build has no GPU, so setup.py would skip CUDA
#   --no-build-isolation  setup.py imports torch; isolated, it prints "Skip building ext ops" (mmcv#3310)
#   --no-cache-dir      pip's wheel cache ignores env vars and would hand back an op-less wheel (row 2c)
RUN MMCV_WITH_OPS=1 \
    FORCE_CUDA=1 \
    TORCH_CUDA_ARCH_LIST=12.0+PTX \
    MAX_JOBS="${MAX_JOBS}" \
    pip wheel -c /opt/envkit/constraints.txt --no-deps --no-build-isolation --no-cache-dir --no-binary mmcv \
      mmcv==2.1.0 --wheel-dir /wheels
# xtcocotools 1.14.3 compiled here against this image's numpy (PyPI wheels are numpy-1 builds: xtcocoapi#45).
RUN pip wheel -c /opt/envkit/constraints.txt --no-deps --no-build-isolation --no-cache-dir --no-binary xtcocotools \
      xtcocotools==1.14.3 --wheel-dir /wheels
# mmengine 0.11.0rc0 from commit 25434293: the torch >= 2.6 checkpoint fix (#1670) is in no PyPI release.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel -c /opt/envkit/constraints.txt --no-deps --wheel-dir /wheels 'mmengine @ git+https://github.com/open-mmlab/mmengine.git@25434293'
# PoseMamba's selective-scan CUDA kernels (kernels/selective_scan), for this recipe's GPUs only.
COPY kernels/selective_scan /opt/envkit/build/selective_scan
RUN TORCH_CUDA_ARCH_LIST=12.0+PTX \
    MAX_JOBS="${MAX_JOBS}" \
    pip wheel -c /opt/envkit/constraints.txt --no-deps --no-build-isolation --no-cache-dir \
      /opt/envkit/build/selective_scan --wheel-dir /wheels

# ---------------------------------------------------------------------------------------------------------
# runtime: no compiler toolchain; the wheels built above, the pinned stack, envkit itself.
# ---------------------------------------------------------------------------------------------------------
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04 AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 \
      python3-venv \
      libusb-1.0-0 \
      libgl1 \
      libglib2.0-0 \
      libxext6 \
      libxrender1 \
      libsm6 \
      curl \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# The distribution's python3 (3.10) in a venv: Debian/Ubuntu refuse system-wide pip (PEP 668).
RUN python3 -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# Every pip command below installs within these pins (recipe [pip].constraints).
RUN mkdir -p /opt/envkit \
 && printf '%s\n' \
      numpy==1.26.4 \
      opencv-python==4.11.0.86 \
      'setuptools>=77.0.3,<82' \
      scipy==1.15.3 \
      matplotlib==3.10.3 \
      pillow==11.3.0 \
      > /opt/envkit/constraints.txt
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -c /opt/envkit/constraints.txt pip==25.3 'setuptools>=77.0.3,<82'
# torch 2.9.1 (12.8 build). Its index is an extra index: torch resolves to the local
# version there (+cu128 sorts above PyPI's), while the pinned dependencies (numpy, pillow) still come from PyPI.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -c /opt/envkit/constraints.txt --extra-index-url https://download.pytorch.org/whl/cu128 \
      torch==2.9.1 torchvision==0.24.1 torchaudio==2.9.1
# The wheels built in the devel stage (bind-mounted, so they leave no layer behind), then the OpenMMLab stack:
#   mmdet 3.2.0: mmpose 1.3.2 needs mmdet < 3.3.0; mmdet needs mmcv < 2.2.0 (strict), met by mmcv 2.1.0
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,from=devel,source=/wheels,target=/wheels \
    pip install -c /opt/envkit/constraints.txt \
      /wheels/mmcv-2.1.0-*.whl \
      /wheels/xtcocotools-1.14.3-*.whl \
      /wheels/mmengine-*.whl \
      /wheels/posemamba_selective_scan-*.whl \
      mmdet==3.2.0 \
      json-tricks==3.17.3 \
      munkres==1.1.4 \
      scipy==1.15.3 \
      matplotlib==3.10.3 \
      pillow==11.3.0
# mmpose 1.3.2 with --no-deps: its metadata requires chumpy, which cannot import on numpy >= 1.24 /
# Python >= 3.11 (chumpy#55, #57) and which mmpose never imports; chumpy is knowingly absent.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -c /opt/envkit/constraints.txt --no-deps mmpose==1.3.2
# .mim links: mmpose and mmdet find their configs through <package>/.mim (model-index.yml, configs/);
# the wheels ship them, an editable install would not (PEP 660; mmpose#3241, mmcv#3143). Fail the build if absent.
RUN python -c 'import importlib.util, pathlib, sys; missing = [f"{name}/.mim/{item}" for name in ("mmpose", "mmdet") for item in ("configs", "model-index.yml") if not (pathlib.Path(importlib.util.find_spec(name).origin).parent / ".mim" / item).exists()]; sys.exit(f"missing .mim links: {missing}" if missing else 0)'
# pyrealsense2 for the RealSense camera (needs libusb-1.0-0 at run time).
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -c /opt/envkit/constraints.txt pyrealsense2==2.59.1.11053
# The 2D estimators' pinned checkpoints (recipe [models]). After the heavy layers, so a changed pin re-runs
# only these steps and the ones below. fetch-checkpoint retries the download and fails the build, naming the
# model and both hashes, when the file's sha256 does not start with the pin (a full digest, or the 8 hex
# digits OpenMMLab puts in its file names).
COPY dockerfiles/scripts/fetch-checkpoint.sh /opt/envkit/bin/fetch-checkpoint
# rtmdet-m (det), for mmpose/.mim/demo/mmdetection_cfg/rtmdet_m_640-8xb32_coco-person.py
RUN sh /opt/envkit/bin/fetch-checkpoint rtmdet-m \
      https://download.openmmlab.com/mmpose/v1/projects/rtmpose/rtmdet_m_8xb32-100e_coco-obj365-person-235e8209.pth \
      235e8209 \
      /opt/envkit/models/rtmdet_m_8xb32-100e_coco-obj365-person-235e8209.pth
# rtmpose-m (pose2d), for mmpose/.mim/configs/body_2d_keypoint/rtmpose/coco/rtmpose-m_8xb256-420e_coco-256x192.py
RUN sh /opt/envkit/bin/fetch-checkpoint rtmpose-m \
      https://download.openmmlab.com/mmpose/v1/projects/rtmposev1/rtmpose-m_simcc-coco_pt-aic-coco_420e-256x192-d8dd5ca4_20230127.pth \
      d8dd5ca4 \
      /opt/envkit/models/rtmpose-m_simcc-coco_pt-aic-coco_420e-256x192-d8dd5ca4_20230127.pth
# The defaults of live-pose's --det-checkpoint/--det-config/--pose2d-*: `--estimator mmpose` needs no more
# (a config is relative to mmpose/.mim).
ENV ENVKIT_DET_CHECKPOINT="/opt/envkit/models/rtmdet_m_8xb32-100e_coco-obj365-person-235e8209.pth" \
    ENVKIT_DET_CONFIG="demo/mmdetection_cfg/rtmdet_m_640-8xb32_coco-person.py" \
    ENVKIT_POSE2D_CHECKPOINT="/opt/envkit/models/rtmpose-m_simcc-coco_pt-aic-coco_420e-256x192-d8dd5ca4_20230127.pth" \
    ENVKIT_POSE2D_CONFIG="configs/body_2d_keypoint/rtmpose/coco/rtmpose-m_8xb256-420e_coco-256x192.py"
# envkit itself (not editable), so `envkit doctor` and the live pipeline run inside the image.
COPY pyproject.toml README.md /opt/envkit/src/
COPY envkit /opt/envkit/src/envkit
COPY posemamba /opt/envkit/src/posemamba
COPY recipes /opt/envkit/src/recipes
COPY dockerfiles /opt/envkit/src/dockerfiles
COPY checks /opt/envkit/src/checks
COPY kernels /opt/envkit/src/kernels
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -c /opt/envkit/constraints.txt /opt/envkit/src
LABEL org.opencontainers.image.title="envkit-rtx5090" \
      org.opencontainers.image.description="MMPose + PoseMamba on an RTX 5090 (sm_120), CUDA 12.8, torch 2.9.1+cu128" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.source="https://github.com/envkit/envkit" \
      org.opencontainers.image.base.name="nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04" \
      org.envkit.recipe="rtx5090" \
      org.envkit.recipe-hash="b0adb889e1b0" \
      org.envkit.platform="linux/amd64" \
      org.envkit.python="3.10" \
      org.envkit.cuda="12.8" \
      org.envkit.arch-list="12.0+PTX" \
      org.envkit.gpus="RTX 5090" \
      org.envkit.torch="2.9.1+cu128" \
      org.envkit.mmcv="2.1.0" \
      org.envkit.mmdet="3.2.0" \
      org.envkit.mmengine="0.11.0rc0" \
      org.envkit.mmpose="1.3.2" \
      org.envkit.kernels="selective_scan" \
      org.envkit.realsense="2.59.1.11053"
# Run as an unprivileged user (numeric, so it resolves without the image's passwd); `envkit run` maps the
# host uid for files written to mounted folders.
RUN groupadd --gid 10001 envkit \
 && useradd --create-home --uid 10001 --gid 10001 --shell /bin/bash envkit
USER 10001:10001
WORKDIR /home/envkit
CMD ["envkit", "doctor"]
