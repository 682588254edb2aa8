"""Does xtcocotools' compiled mask module match this numpy (call mask.area, not just import)?"""

from _common import FAIL, OK, SKIP, last_line, result
from _packages import dist_version, installed

CHECK = {"id": "xtcocotools_abi", "title": "xtcocotools numpy ABI", "scope": "env", "depends": []}

# env-anchors.md B.4 (xtcocoapi#45) and openmmlab-install.md rows 5a-5c.
FIX_ABI = (
    "pip install 'numpy<2', or rebuild against this numpy: pip install --no-binary xtcocotools "
    "--no-build-isolation --no-cache-dir xtcocotools (with numpy 2, also the NPY_OWNDATA patch)"
)
FIX_OWNDATA = (
    "patch the sdist: sed -i 's/np\\.NPY_OWNDATA/np.NPY_ARRAY_OWNDATA/g' xtcocotools/_mask.pyx, then "
    "pip install --no-build-isolation <patched folder>; or use numpy<2 with the prebuilt wheel"
)


def run(ctx):
    if not installed("xtcocotools"):
        return result(SKIP, "xtcocotools is not installed (mmpose's COCO datasets and metrics need it)")
    import numpy as np

    details = "xtcocotools %s, numpy %s" % (dist_version("xtcocotools"), np.__version__)
    try:
        from xtcocotools import mask

        rle = mask.encode(np.asfortranarray(np.ones((4, 4), dtype=np.uint8)))
        area = int(mask.area(rle))
    except ValueError as error:
        return result(
            FAIL, "xtcocotools was built against another numpy: %s" % last_line(error), details, FIX_ABI
        )
    except AttributeError as error:
        return result(
            FAIL,
            "xtcocotools mask functions fail on numpy %s: %s" % (np.__version__, last_line(error)),
            details,
            FIX_OWNDATA,
        )
    except Exception as error:
        return result(FAIL, "xtcocotools.mask fails: %s" % last_line(error), details, FIX_ABI)
    if area != 16:
        return result(
            FAIL, "xtcocotools.mask.area returned %d for a 4x4 mask, expected 16" % area, details, FIX_ABI
        )
    return result(
        OK,
        "xtcocotools %s works with numpy %s (mask.area checked)"
        % (dist_version("xtcocotools"), np.__version__),
        details,
    )
