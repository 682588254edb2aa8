# Rendered by envkit 0.1.0 from recipe dgx-spark (hash 83655558a9e7). Do not edit by hand:
# change the recipe (dgx-spark.toml) or dockerfiles/templates/, then run `envkit render --all --write`.
# Build context: the envkit project root (see .dockerignore). BuildKit is required (cache mounts):
#   DOCKER_BUILDKIT=1 docker build --build-arg MAX_JOBS=8 -f dockerfiles/dgx-spark.Dockerfile .
# MMPose + PoseMamba on a DGX Spark (GB10, sm_121, arm64), NGC PyTorch 25.09 (CUDA 13.0)
# NGC publishes no separate runtime image: both stages start from the same image, and only the built
# wheels and install trees cross from the devel stage into the runtime stage.

# Parallel compile jobs for nvcc/ninja (mmcv, kernels, librealsense); lower it when the build runs out of memory.
ARG MAX_JOBS=4

# ---------------------------------------------------------------------------------------------------------
# devel: compilers and headers; builds every wheel that has no usable binary on PyPI.
# ---------------------------------------------------------------------------------------------------------
FROM nvcr.io/nvidia/pytorch:25.09-py3 AS devel
ARG MAX_JOBS
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    PIP_BREAK_SYSTEM_PACKAGES=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential \
      git \
      cmake \
      curl \
      ca-certificates \
      pkg-config \
      libusb-1.0-0-dev \
      libudev-dev \
 && rm -rf /var/lib/apt/lists/*
# The image's own Python 3.12; pip honours the image's constraints (/etc/pip/constraint.txt).
# Every pip command below installs within these pins (recipe [pip].constraints).
RUN mkdir -p /opt/envkit \
 && printf '%s\n' \
      'setuptools>=77.0.3,<82' \
      > /opt/envkit/constraints.txt
# Build tools for --no-build-isolation builds (setuptools < 82 keeps pkg_resources for mmcv's setup.py).
RUN --mount=type=cache,target=/root/.cache/pip \
    python3 -m pip install -c /etc/pip/constraint.txt -c /opt/envkit/constraints.txt \
      'wheel>=0.42' \
      'ninja>=1.11' \
      'cython>=3.0'
# mmcv 2.1.0 from source WITH its compiled ops (mmcv._ext): no prebuilt wheel exists for this torch.
#   MMCV_WITH_OPS=1     build the ops; FORCE_CUDA=1: docker build has no GPU, so setup.py would skip CUDA
#   --no-build-isolation  setup.py imports torch; isolated, it prints "Skip building ext ops" (mmcv#3310)
#   --no-cache-dir      pip's wheel cache ignores env vars and would hand back an op-less wheel (row 2c)
RUN MMCV_WITH_OPS=1 \
    FORCE_CUDA=1 \
    TORCH_CUDA_ARCH_LIST=12.0+PTX \
    MAX_JOBS="${MAX_JOBS}" \
    python3 -m pip wheel -c /etc/pip/constraint.txt -c /opt/envkit/constraints.txt --no-deps --no-build-isolation --no-cache-dir --no-binary mmcv \
      mmcv==2.1.0 --wheel-dir /wheels
# xtcocotools 1.14.3 from its sdist, patched for numpy 2: _mask.pyx uses np.NPY_OWNDATA, which numpy 2
# names NPY_ARRAY_OWNDATA; unpatched, decode/area/iou fail at run time (openmmlab-install.md row 5c).
RUN python3 -m pip download -c /etc/pip/constraint.txt -c /opt/envkit/constraints.txt --no-deps --no-binary :all: --no-build-isolation \
      xtcocotools==1.14.3 --dest /tmp/xtcocotools \
 && tar -xzf /tmp/xtcocotools/xtcocotools-1.14.3.tar.gz -C /tmp/xtcocotools \
 && sed -i 's/np\.NPY_OWNDATA/np.NPY_ARRAY_OWNDATA/g' /tmp/xtcocotools/xtcocotools-1.14.3/xtcocotools/_mask.pyx \
 && python3 -m pip wheel -c /etc/pip/constraint.txt -c /opt/envkit/constraints.txt --no-deps --no-build-isolation --no-cache-dir \
      /tmp/xtcocotools/xtcocotools-1.14.3 --wheel-dir /wheels \
 && rm -rf /tmp/xtcocotools
# mmengine 0.11.0rc0 from commit 25434293: the torch >= 2.6 checkpoint fix (#1670) is in no PyPI release.
RUN --mount=type=cache,target=/root/.cache/pip \
    python3 -m pip wheel -c /etc/pip/constraint.txt -c /opt/envkit/constraints.txt --no-deps --wheel-dir /wheels 'mmengine @ git+https://github.com/open-mmlab/mmengine.git@25434293'
# PoseMamba's selective-scan CUDA kernels (kernels/selective_scan), for this recipe's GPUs only.
COPY kernels/selective_scan /opt/envkit/build/selective_scan
RUN TORCH_CUDA_ARCH_LIST=12.0+PTX \
    MAX_JOBS="${MAX_JOBS}" \
    python3 -m pip wheel -c /etc/pip/constraint.txt -c /opt/envkit/constraints.txt --no-deps --no-build-isolation --no-cache-dir \
      /opt/envkit/build/selective_scan --wheel-dir /wheels
# librealsense 2.59.1 with its Python bindings, from source: PyPI has no pyrealsense2 wheel for
# linux/arm64 (librealsense#11718). RSUSB backend: no kernel patches needed inside a container.
RUN curl -fsSL https://github.com/IntelRealSense/librealsense/archive/refs/tags/v2.59.1.tar.gz -o /tmp/librealsense.tar.gz \
 && mkdir -p /tmp/librealsense \
 && tar -xzf /tmp/librealsense.tar.gz -C /tmp/librealsense --strip-components=1 \
 && cmake -S /tmp/librealsense -B /tmp/librealsense/build \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_INSTALL_PREFIX=/opt/librealsense \
      -DBUILD_PYTHON_BINDINGS=ON \
      -DPYTHON_EXECUTABLE="$(command -v python3)" \
      -DPYTHON_INSTALL_DIR=/opt/librealsense/python \
      -DFORCE_RSUSB_BACKEND=ON \
      -DBUILD_EXAMPLES=OFF \
      -DBUILD_GRAPHICAL_EXAMPLES=OFF \
      -DBUILD_UNIT_TESTS=OFF \
 && cmake --build /tmp/librealsense/build --parallel "${MAX_JOBS}" \
 && cmake --install /tmp/librealsense/build \
 && rm -rf /tmp/librealsense /tmp/librealsense.tar.gz

# ---------------------------------------------------------------------------------------------------------
# runtime: the wheels built above, the pinned stack, envkit itself.
# ---------------------------------------------------------------------------------------------------------
FROM nvcr.io/nvidia/pytorch:25.09-py3 AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    PIP_BREAK_SYSTEM_PACKAGES=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libusb-1.0-0 \
      curl \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# The image's own Python 3.12; pip honours the image's constraints (/etc/pip/constraint.txt).
# Every pip command below installs within these pins (recipe [pip].constraints).
RUN mkdir -p /opt/envkit \
 && printf '%s\n' \
      'setuptools>=77.0.3,<82' \
      > /opt/envkit/constraints.txt
# The wheels built in the devel stage (bind-mounted, so they leave no layer behind), then the OpenMMLab stack:
#   mmdet 3.2.0: mmpose 1.3.2 needs mmdet < 3.3.0; mmdet needs mmcv < 2.2.0 (strict), met by mmcv 2.1.0
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,from=devel,source=/wheels,target=/wheels \
    python3 -m pip install -c /etc/pip/constraint.txt -c /opt/envkit/constraints.txt \
      /wheels/mmcv-2.1.0-*.whl \
      /wheels/xtcocotools-1.14.3-*.whl \
      /wheels/mmengine-*.whl \
      /wheels/posemamba_selective_scan-*.whl \
      mmdet==3.2.0 \
      json-tricks==3.17.3 \
      munkres==1.1.4
# mmpose 1.3.2 with --no-deps: its metadata requires chumpy, which cannot import on numpy >= 1.24 /
# Python >= 3.11 (chumpy#55, #57) and which mmpose never imports; chumpy is knowingly absent.
RUN --mount=type=cache,target=/root/.cache/pip \
    python3 -m pip install -c /etc/pip/constraint.txt -c /opt/envkit/constraints.txt --no-deps mmpose==1.3.2
# .mim links: mmpose and mmdet find their configs through <package>/.mim (model-index.yml, configs/);
# the wheels ship them, an editable install would not (PEP 660; mmpose#3241, mmcv#3143). Fail the build if absent.
RUN python3 -c 'import importlib.util, pathlib, sys; missing = [f"{name}/.mim/{item}" for name in ("mmpose", "mmdet") for item in ("configs", "model-index.yml") if not (pathlib.Path(importlib.util.find_spec(name).origin).parent / ".mim" / item).exists()]; sys.exit(f"missing .mim links: {missing}" if missing else 0)'
# librealsense and pyrealsense2 built in the devel stage.
COPY --from=devel /opt/librealsense /opt/librealsense
RUN echo /opt/librealsense/lib > /etc/ld.so.conf.d/librealsense.conf \
 && ldconfig \
 && python3 -c 'import site, sys; open(site.getsitepackages()[0] + "/librealsense.pth", "w").write("/opt/librealsense/python\n")'
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
    python3 -m pip install -c /etc/pip/constraint.txt -c /opt/envkit/constraints.txt /opt/envkit/src
LABEL org.opencontainers.image.title="envkit-dgx-spark" \
      org.opencontainers.image.description="MMPose + PoseMamba on a DGX Spark (GB10, sm_121, arm64), NGC PyTorch 25.09 (CUDA 13.0)" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.source="https://github.com/envkit/envkit" \
      org.opencontainers.image.base.name="nvcr.io/nvidia/pytorch:25.09-py3" \
      org.envkit.recipe="dgx-spark" \
      org.envkit.recipe-hash="83655558a9e7" \
      org.envkit.platform="linux/arm64" \
      org.envkit.python="3.12" \
      org.envkit.cuda="13.0" \
      org.envkit.arch-list="12.0+PTX" \
      org.envkit.gpus="GB10" \
      org.envkit.torch="2.9.0a0+cu130" \
      org.envkit.mmcv="2.1.0" \
      org.envkit.mmdet="3.2.0" \
      org.envkit.mmengine="0.11.0rc0" \
      org.envkit.mmpose="1.3.2" \
      org.envkit.kernels="selective_scan" \
      org.envkit.realsense="2.59.1"
# Run as an unprivileged user (numeric, so it resolves without the image's passwd); `envkit run` maps the
# host uid for files written to mounted folders.
RUN groupadd --gid 10001 envkit \
 && useradd --create-home --uid 10001 --gid 10001 --shell /bin/bash envkit
USER 10001:10001
WORKDIR /home/envkit
CMD ["envkit", "doctor"]
