"""Hostile keypoint files for `envkit lift`: one line, exit 2, nothing written; and a fuzzer of the npz
reader (posemamba.lift_file.read_keypoints) over damaged and crafted archives (marker fuzz)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posemamba.errors import PoseMambaError
from posemamba.lift_file import read_keypoints
from tests.conftest import FIXTURES
from tests.hostile.one_line import ENVKIT, assert_one_line, run

TINY = FIXTURES / "posemamba" / "tiny_f27_d32_l2_checkpoint.bin"
GOOD = {"keypoints": np.full((5, 17, 2), 100.0, np.float32), "width": 640, "height": 480, "format": "coco"}


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _corrupt_deflate() -> bytes:
    data = bytearray(_npz(**GOOD))
    start = data.index(b"keypoints.npy") + 40
    data[start : start + 30] = bytes(30)
    return bytes(data)


FILES = {
    "empty": (b"", "not a readable .npz"),
    "text": (b"frame,x,y\n1,2,3\n", "not a readable .npz"),
    "truncated": (_npz(**GOOD)[:200], "not a readable .npz"),
    "plain npy": (None, "single array"),
    "corrupt deflate": (_corrupt_deflate(), "not a readable .npz"),
    "object member": (None, "not a readable .npz"),
    "no keypoints": (_npz(width=1, height=1, format="coco"), "no 'keypoints'"),
    "4-D keypoints": (
        _npz(**{**GOOD, "keypoints": np.zeros((1, 5, 17, 2))}),
        "expected (frames >= 1, 17, 2 or 3)",
    ),
    "0 frames": (_npz(**{**GOOD, "keypoints": np.zeros((0, 17, 2))}), "expected (frames >= 1"),
    "string keypoints": (_npz(**{**GOOD, "keypoints": np.full((5, 17, 2), "x")}), "expected numbers"),
    "width 0": (_npz(**{**GOOD, "width": 0}), "must be positive"),
    "width nan": (_npz(**{**GOOD, "width": np.nan}), "must be positive"),
    "width text": (_npz(**{**GOOD, "width": "wide"}), "must be numbers"),
    "width array": (_npz(**{**GOOD, "width": np.arange(3)}), "single value"),
    "format openpose": (_npz(**{**GOOD, "format": "openpose"}), "expected 'coco' or 'h36m'"),
    "zip of text": (None, "has no"),
}


def _write(tmp_path: Path, case: str) -> Path:
    data, _ = FILES[case]
    path = tmp_path / "input.npz"
    if case == "plain npy":
        np.save(tmp_path / "input.npy", GOOD["keypoints"])
        (tmp_path / "input.npy").rename(path)
    elif case == "object member":
        np.savez(path, **{**GOOD, "format": np.array([{"a": 1}], dtype=object)})
    elif case == "zip of text":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("keypoints.npy", "not an array")
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(FILES))
def test_reader_refuses_in_one_line(tmp_path: Path, case: str) -> None:
    with pytest.raises(PoseMambaError) as info:
        read_keypoints(_write(tmp_path, case))
    message = str(info.value)
    assert FILES[case][1] in message and "\n" not in message and message.count(" fix: ") == 1, message


@pytest.mark.slow
@pytest.mark.parametrize("case", ["truncated", "plain npy", "corrupt deflate", "object member", "width nan"])
def test_lift_refuses_in_one_line_and_writes_nothing(tmp_path: Path, case: str) -> None:
    source, output = _write(tmp_path, case), tmp_path / "out.npz"
    done = run([*ENVKIT, "lift", str(source), "-o", str(output), "--checkpoint", str(TINY)])
    assert_one_line(done, 2, "input.npz", FILES[case][1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.npz"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["--device", "potato"], {}, "device 'potato'"),
        (["--backend", "bogus"], {}, "unknown selective-scan backend 'bogus'"),
        ([], {"POSEMAMBA_SCAN_BACKEND": "bogus"}, "$POSEMAMBA_SCAN_BACKEND"),
        (["--mapping", "nope"], {}, "unknown mapping"),
    ],
)
def test_lift_settings_are_checked_before_the_model_loads(tmp_path: Path, args, env, needle: str) -> None:
    np.savez(tmp_path / "k.npz", **GOOD)
    done = run([*ENVKIT, "lift", str(tmp_path / "k.npz"), "-o", str(tmp_path / "o.npz"), "--checkpoint",
                str(TINY), *args], env=env)  # fmt: skip
    assert_one_line(done, 2, needle)
    assert not (tmp_path / "o.npz").exists()


MEMBER = st.one_of(
    st.builds(np.asarray, st.lists(st.floats(allow_nan=True), max_size=6)),
    st.builds(
        lambda f, d: np.zeros((f, 17, d), np.float32), st.integers(0, 4), st.sampled_from([1, 2, 3, 4])
    ),
    st.text(max_size=8).map(np.asarray),
    st.binary(max_size=8).map(np.asarray),
    st.integers(-(2**63), 2**63 - 1).map(np.asarray),
)


@st.composite
def archives(draw: st.DrawFn) -> bytes:
    """A valid input with members replaced or dropped, then maybe cut short or with bytes overwritten."""
    members = dict(GOOD)
    for key in draw(st.lists(st.sampled_from(sorted(GOOD)), max_size=3)):
        if draw(st.booleans()):
            members.pop(key, None)
        else:
            members[key] = draw(MEMBER)
    data = _npz(**members)
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    elif data and draw(st.booleans()):
        damaged = bytearray(data)
        for _ in range(draw(st.integers(1, 6))):
            damaged[draw(st.integers(0, len(damaged) - 1))] = draw(st.integers(0, 255))
        data = bytes(damaged)
    return data


@pytest.mark.fuzz
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=archives())
def test_fuzz_npz_reader(tmp_path_factory, data: bytes) -> None:
    """read_keypoints returns checked keypoints or raises one PoseMambaError line; never anything else."""
    path = tmp_path_factory.getbasetemp() / "fuzzed.npz"
    path.write_bytes(data)
    try:
        result = read_keypoints(path)
    except PoseMambaError as error:
        assert "\n" not in str(error) and str(error).count(" fix: ") == 1
        return
    assert result.keypoints.ndim == 3 and result.keypoints.shape[1:] in ((17, 2), (17, 3))
    assert result.keypoints.dtype == np.float32 and result.width > 0 and result.height > 0
    assert result.format in ("coco", "h36m")
