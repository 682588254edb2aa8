# ruff: noqa: E501  (exact error texts, kept on one line each as the tools print them)
"""Real error texts, each with where it was seen: (expected signature id, the log of the failing step).

Sources: ../shared/research/env-anchors.md B.3/B.4 (the failure table: issue texts), openmmlab-install.md
(installs on this machine's kind), kernels-feasibility.md (nvcc 13.0 and torch's cpp_extension here),
docker-feasibility.md (TLS, PEP 668, BuildKit, the GPU request on this engine). The two marked "measured
here" were produced on this machine while writing the signatures (nvcc 13.0; pip 23 with chumpy 0.70).
"""

# pip install chumpy==0.70 in a venv (build isolation), measured here; openmmlab-install.md row 4a.
CHUMPY_ISOLATED = """\
Collecting chumpy==0.70
  Downloading chumpy-0.70.tar.gz (50 kB)
  Installing build dependencies: started
  Installing build dependencies: finished with status 'done'
  Getting requirements to build wheel: started
  Getting requirements to build wheel: finished with status 'error'
  error: subprocess-exited-with-error

  × Getting requirements to build wheel did not run successfully.
  │ exit code: 1
  ╰─> [17 lines of output]
      Traceback (most recent call last):
        File "/tmp/pip-build-env-9q3qg6l_/overlay/lib/python3.11/site-packages/setuptools/build_meta.py", line 317, in run_setup
          exec(code, locals())  # noqa: S102 # exec is intentional here
        File "<string>", line 11, in <module>
      ModuleNotFoundError: No module named 'pip'
      [end of output]
"""

# openmmlab-install.md row 2a: PyPI has only an sdist of mmcv; the isolated build gets setuptools 84.
MMCV_PKG_RESOURCES = """\
Collecting mmcv==2.1.0
  Downloading mmcv-2.1.0.tar.gz (471 kB)
  Getting requirements to build wheel: finished with status 'error'
      File "<string>", line 5, in <module>
  ModuleNotFoundError: No module named 'pkg_resources'
"""

TEXTS: list[tuple[str, str]] = [
    ("chumpy-needs-no-build-isolation", CHUMPY_ISOLATED),
    # env-anchors B.4 row "No module named 'pip'" without chumpy in the log: the general case.
    ("setup-py-imports-pip", "      ModuleNotFoundError: No module named 'pip'\n"),
    ("mmcv-pkg-resources-removed", MMCV_PKG_RESOURCES),
    # openmmlab-install.md row 6e (1): mmengine's get_installed_path under setuptools 84.
    (
        "pkg-resources-removed",
        '  File "/opt/venv/lib/python3.11/site-packages/mmengine/utils/package_utils.py", line 3\n'
        "ModuleNotFoundError: No module named 'pkg_resources'\n",
    ),
    # openmmlab-install.md row 2d.
    ("bdist-wheel-missing", "error: invalid command 'bdist_wheel'\n"),
    # docker-feasibility.md section 1 (PEP 668).
    ("externally-managed-environment", "error: externally-managed-environment\n"),
    # env-anchors B.4 (mmcv setup.py).
    ("mmcv-ops-skipped", "Skip building ext ops due to the absence of torch.\n"),
    ("mmcv-ext-missing", "ModuleNotFoundError: No module named 'mmcv._ext'\n"),
    ("mmcv-no-gpu-ops", "RuntimeError: nms is not compiled with GPU support\n"),
    (
        "mmdet-rejects-mmcv",
        "AssertionError: MMCV==2.2.0 is used but incompatible. Please install mmcv>=2.0.0rc4, <2.2.0.\n",
    ),
    (
        "numpy-abi-mismatch",
        "ValueError: numpy.dtype size changed, may indicate binary incompatibility. Expected 96 from C header, "
        "got 88 from PyObject\n",
    ),
    # measured here: `from xtcocotools import mask` with the PyPI wheel 1.14.3 under numpy 2.2.6 (tests/doctor's
    # xtcocotools venv; openmmlab-install.md row 5a).
    (
        "xtcocotools-numpy-abi",
        '  File "/venv/lib/python3.11/site-packages/xtcocotools/mask.py", line 3, in <module>\n'
        "    import xtcocotools._mask as _mask\n"
        '  File "xtcocotools/_mask.pyx", line 1, in init xtcocotools._mask\n'
        "ValueError: numpy.dtype size changed, may indicate binary incompatibility. Expected 96 from C header, "
        "got 88 from PyObject\n",
    ),
    # env-anchors B.4's chumpy rows, as the last line alone: without chumpy in the log the answer is the
    # general one (the package in the traceback), never chumpy's (issue #17: no wrong fix).
    ("numpy-alias-removed", "ImportError: cannot import name 'bool' from 'numpy'\n"),
    ("inspect-function-removed", "AttributeError: module 'inspect' has no attribute 'getargspec'\n"),
    # Without mmengine's checkpoint.py in the traceback: torch >= 2.6's general answer.
    (
        "torch-weights-only",
        "_pickle.UnpicklingError: Weights only load failed. This file can still be loaded\n",
    ),
    (
        "mim-links-missing",
        "FileNotFoundError: [Errno 2] No such file or directory: "
        "'/opt/venv/lib/python3.10/site-packages/mmpose/.mim/model-index.yml'\n",
    ),
    # kernels-feasibility.md section 1: the exact (unformatted) text of torch's cpp_extension, and the
    # formatted text from env-anchors B.4 (state-spaces/mamba#772).
    (
        "nvcc-torch-cuda-major-mismatch",
        "RuntimeError: ('The detected CUDA version (%s) mismatches the version that was used to compilePyTorch "
        "(%s). Please make sure to use the same CUDA versions.', '13.0', '12.8')\n",
    ),
    (
        "nvcc-torch-cuda-major-mismatch",
        "RuntimeError: The detected CUDA version (13.0) mismatches the version that was used to compile PyTorch (12.8)\n",
    ),
    # measured here with nvcc 13.0: `nvcc -arch=compute_70 -c k.cu`.
    ("nvcc-unsupported-arch", "nvcc fatal   : Unsupported gpu architecture 'compute_70'\n"),
    # measured here: CUDA 13.0's ptxas on a tcgen05 kernel for GB10 (`ptxas --gpu-name=sm_121a t.ptx`), and
    # the ptxas bundled with Triton (the cu130 torch 2.13 venv's, CUDA 12.8) on the same file.
    (
        "ptxas-instruction-not-on-gpu",
        "ptxas t.ptx, line 7; error   : Instruction 'tcgen05.alloc' not supported on .target 'sm_121a'\n"
        "ptxas t.ptx, line 7; error   : Feature '.cta_group::1' not supported on .target 'sm_121a'\n"
        "ptxas fatal   : Ptx assembly aborted due to errors\n",
    ),
    ("ptxas-unknown-gpu-name", "ptxas fatal   : Value 'sm_121a' is not defined for option 'gpu-name'\n"),
    # measured here: mmengine 0.10.7's load_checkpoint under torch 2.13 (tests/doctor's openmmlab venv).
    (
        "mmengine-weights-only",
        '  File "/venv/lib/python3.11/site-packages/mmengine/runner/checkpoint.py", line 347, in load_from_local\n'
        "    checkpoint = torch.load(filename, map_location=map_location)\n"
        '  File "/venv/lib/python3.11/site-packages/torch/serialization.py", line 1609, in load\n'
        "    raise pickle.UnpicklingError(_get_wo_message(str(e))) from None\n"
        "_pickle.UnpicklingError: Weights only load failed. This file can still be loaded, to do so you have two "
        "options, \x1b[1mdo those steps only if you trust the source of the checkpoint\x1b[0m. \n"
        "\tWeightsUnpickler error: Unsupported global: GLOBAL numpy.core.multiarray.scalar was not an allowed "
        "global by default.\n",
    ),
    # kernels-feasibility.md section 3 (CCCL 3.0.1).
    ("cub-name-removed-cuda13", 'reverse_scan.cuh(41): error: namespace "cub" has no member "LaneId"\n'),
    ("cub-name-removed-cuda13", 'x.cu(3): error: namespace "cub" has no member "CTA_SYNC"\n'),
    ("cub-name-removed-cuda13", 'x.cu(3): error: namespace "cub" has no member "Sum"\n'),
    ("cub-name-removed-cuda13", 'x.cu(3): error: identifier "CUB_QUOTIENT_CEILING" is undefined\n'),
    # measured here with nvcc 13.0: DeviceScan::InclusiveSum(..., stream, debug_synchronous).
    (
        "cub-debug-synchronous-removed",
        'ds.cu(4): error: no instance of overloaded function "cub::CUB_300001_SM_1200::DeviceScan::InclusiveSum" '
        "matches the argument list\n"
        "            argument types are: (void *, size_t, float *, float *, int, cudaStream_t, bool)\n",
    ),
    # measured here: torchvision 0.28.0's _C (PyPI, +cu130) loaded beside torch 2.13.0+cpu (tests/doctor's
    # openmmlab venv, the loader of checks/extension_imports.py).
    (
        "torch-cuda-library-missing",
        "ImportError: libc10_cuda.so: cannot open shared object file: No such file or directory\n",
    ),
    (
        "cudart-major-missing",
        "ImportError: libcudart.so.12: cannot open shared object file: No such file or directory\n",
    ),
    (
        "no-kernel-image",
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n",
    ),
    (
        "torch-capability-unsupported",
        "UserWarning: NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with the current "
        "PyTorch installation.\n",
    ),
    (
        "gb10-capability-warning",
        "Found GPU0 NVIDIA GB10 which is of cuda capability 12.1. Minimum and Maximum cuda capability supported "
        "by this version of PyTorch is (8.0) - (12.0)\n",
    ),
    # docker-feasibility.md section 3: this engine without the NVIDIA runtime.
    (
        "gpu-device-driver-missing",
        'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].\n',
    ),
    ("nvidia-runtime-unknown", "docker: Error response from daemon: Unknown runtime specified nvidia.\n"),
    (
        "driver-too-old-for-cuda",
        "nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.8, please update your driver "
        "to a newer version, or use an earlier cuda container\n",
    ),
    ("nvml-unknown-error", "Failed to initialize NVML: Unknown Error\n"),
    (
        "shm-too-small",
        "RuntimeError: DataLoader worker (pid 123) is killed by signal: Bus error. It is possible that "
        "dataloader's workers are out of shared memory. Please try to raise your shared memory limit.\n",
    ),
    ("display-unreachable", "qt.qpa.xcb: could not connect to display :0\n"),
    ("realsense-no-device", "RuntimeError: No device connected\n"),
    (
        "pyrealsense2-no-wheel",
        "ERROR: No matching distribution found for pyrealsense2==2.59.1.11053\n",
    ),
    (
        "docker-socket-permission",
        "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock\n",
    ),
    # docker-feasibility.md section 1: pip in a container behind the TLS-intercepting egress.
    (
        "tls-certificate-verify-failed",
        "WARNING: Retrying (Retry(total=4)) after connection broken by 'SSLError(SSLCertVerificationError(1, "
        "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate "
        "chain (_ssl.c:1006)'))': /simple/six/\n",
    ),
    (
        "tls-certificate-verify-failed",
        "curl: (60) SSL certificate problem: self-signed certificate in certificate chain\n",
    ),
    (
        "out-of-disk",
        "ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n",
    ),
    ("out-of-disk", "failed to copy files: copy file range failed: no space left on device\n"),
    # docker-feasibility.md section 2.
    (
        "buildkit-required",
        "the --mount option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to "
        "build images with BuildKit enabled\n",
    ),
    ("buildx-missing", "ERROR: BuildKit is enabled but the buildx component is missing or broken.\n"),
    # measured here: BuildKit (20.10) building FROM nvidia/cuda with no registry reachable.
    (
        "base-image-unavailable",
        '#3 ERROR: failed to do request: Head "https://registry-1.docker.io/v2/nvidia/cuda/manifests/'
        '12.8.1-cudnn-devel-ubuntu22.04": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host\n',
    ),
    # measured here: dockerfiles/scripts/fetch-checkpoint.sh against a local http.server (random bytes served).
    (
        "checkpoint-sha256-mismatch",
        "#14 0.412 fetch-checkpoint: rtmdet-m: sha256 mismatch for http://127.0.0.1:8765/x-235e8209.pth: expected 235e8209, got 26e4fdc0dabb2297a47dc3172108e83df3f6a5601cb3e2421baf9e5bb3405f87\n",
    ),
    (
        "checkpoint-download-failed",
        "#14 0.101 curl: (22) The requested URL returned error: 404\n"
        "#14 0.102 fetch-checkpoint: rtmdet-m: download of http://127.0.0.1:8765/y-235e8209.pth failed\n",
    ),
]
