"""Why a compiled extension does not import: the cause named by its error text, and the fix.

Stdlib only, Python >= 3.8 (checks run in any image without envkit). The full knowledge, with sources
and real texts, is envkit/failures/signatures.toml; each row here names the signature it condenses, and
tests/doctor/test_import_causes.py checks that both recognise the same real texts, so the two cannot
drift apart. Not a check itself (files that start with "_" are not collected).
"""

import re

# (signature id in envkit/failures/signatures.toml, what the error text shows, cause, fix)
CAUSES = (
    (
        "torch-extension-abi",
        re.compile(r"undefined symbol: _ZNK?(?:3c10|2at|5torch|6caffe2)\w*"),
        "it was compiled against a different torch (another release, CUDA variant or C++ ABI)",
        "reinstall the build made for this torch, or rebuild it here against this torch with "
        "--no-build-isolation --no-cache-dir",
    ),
    (
        "torch-cuda-library-missing",
        re.compile(r"lib(?:c10_cuda|torch_cuda|c10_hip|torch_hip)\.so: cannot open shared object file"),
        "it was built for a CUDA (or ROCm) build of torch, and this torch (imported first) has no such "
        "library: a CPU build",
        "install the build made for this torch's variant (the same index as torch: .../whl/cpu or "
        ".../whl/cuXYZ), or a torch of the variant the extension was built for",
    ),
    (
        "glibcxx-missing",
        re.compile(r"(?:GLIBCXX|CXXABI)_[0-9.]+'? not found"),
        "it was compiled with a newer GCC than the libstdc++ this process loads",
        "make a newer libstdc++ the one loaded (conda: conda install -c conda-forge libstdcxx-ng; "
        "system: a newer libstdc++6 or base image), or install a build of the package made for this OS",
    ),
    (
        "numpy-abi-mismatch",
        re.compile(
            r"dtype size changed, may indicate binary incompatibility\. Expected 96 from C header, got 88"
            r"|compiled using NumPy 1\.x cannot be run in|_ARRAY_API not found"
            r"|module compiled against ABI version 0x1000009 but this version of numpy is 0x2000000"
        ),
        "it was built against NumPy 1.x and the installed numpy is 2.x",
        "install numpy<2, or a release of <package> built for NumPy 2, or rebuild it against this numpy "
        "(pip install --no-binary <package> --no-build-isolation --no-cache-dir <package>)",
    ),
    (
        "numpy-older-than-extension",
        re.compile(
            r"module compiled against API version 0x[0-9a-f]+ but this version of numpy is"
            r"|ndarray size changed, may indicate binary incompatibility\. Expected 88 from C header, got 80"
        ),
        "it was built against a newer NumPy C API than the installed numpy offers",
        "upgrade numpy (pip install -U numpy, within what your other packages allow), or reinstall <package> "
        "built against this numpy (pip install --no-binary <package> --no-build-isolation --no-cache-dir "
        "<package>)",
    ),
    (
        "numpy-binary-incompatible",
        re.compile(r"(?:dtype|ndarray|ufunc) size changed, may indicate binary incompatibility"),
        "it and the installed numpy disagree on numpy's struct sizes: built against NumPy 1.x under a numpy "
        "2.x, or against another numpy 1.x than the installed one",
        "numpy 2.x installed: numpy<2 or a release of <package> built for NumPy 2; numpy 1.x installed: "
        "upgrade numpy, then rebuild <package> against it (pip install --no-binary <package> "
        "--no-build-isolation --no-cache-dir <package>)",
    ),
    (
        "cudart-major-missing",
        re.compile(r"libcudart\.so\.[0-9.]+: cannot open shared object file"),
        "it was built against a CUDA runtime that is not installed here",
        "install the build made for this torch's CUDA, or rebuild it against the CUDA toolkit you have",
    ),
)


def cause_of(error_text):
    """(signature id, cause, fix) for an import error's text, or None when it is none of the known ones."""
    for signature_id, pattern, cause, fix in CAUSES:
        if pattern.search(error_text or ""):
            return signature_id, cause, fix
    return None
