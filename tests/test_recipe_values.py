"""envkit.recipes.values: every value that reaches a Dockerfile is checked before rendering."""

from __future__ import annotations

import pytest

from envkit.recipes import values

SHELL_TRICKS = ["; rm -rf /", "$(id)", "`id`", "a\nRUN id", "a && b", "a | sh", "'quoted'", '"x"', "a\\b"]


@pytest.mark.parametrize(
    ("check", "good"),
    [
        (values.check_requirement, ["numpy==1.26.4", "setuptools>=77.0.3,<82", "opencv-python==4.11.0.86"]),
        (values.check_version, ["2.9.1", "0.11.0rc0", "2.9.0a0", "2.59.1.11053"]),
        (
            values.check_image,
            [
                "nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04",
                "nvcr.io/nvidia/pytorch:25.09-py3",
                "local/debian:bookworm",
                "localhost:5000/a/b:1",
            ],
        ),
        (values.check_env_name, ["HF_HOME", "_X1"]),
        (values.check_env_value, ["/data/cache", "a=b,c:d", ""]),
        (values.check_apt_name, ["libusb-1.0-0", "libglib2.0-0", "g++", "git=1:2.34.1-1ubuntu1"]),
        (values.check_url, ["https://download.pytorch.org/whl/cu128", "https://github.com/a/b.git"]),
        (values.check_git_ref, ["25434293", "0123456789abcdef0123456789abcdef01234567"]),
        (values.check_text, ["MMPose on an RTX 5090 (sm_120), CUDA 12.8", "NVIDIA GeForce RTX 5090"]),
        (values.check_path, ["/etc/pip/constraint.txt"]),
        (values.check_sha256_or_prefix, ["235e8209", "d8dd5ca4e1", "ab" * 32]),
        (
            values.check_mim_path,
            ["configs/body_2d_keypoint/rtmpose/coco/rtmpose-m_8xb256-420e_coco-256x192.py"],
        ),
        (values.check_file_url, ["https://download.openmmlab.com/mmpose/v1/x-235e8209.pth"]),
        (values.check_model_name, ["rtmpose-m", "rtmdet-m"]),
    ],
)
def test_good_values_pass_and_shell_tricks_fail(check, good: list[str]) -> None:
    for value in good:
        assert check(value) is None, value
    # Prose goes into a comment and a JSON-quoted LABEL, never a shell: an apostrophe is fine there.
    tricks = [trick for trick in SHELL_TRICKS if not (check is values.check_text and trick == "'quoted'")]
    for trick in tricks:
        for value in (good[0] + trick, trick):
            assert check(value) is not None, repr(value)


@pytest.mark.parametrize(
    "spec",
    [
        "numpy",
        "numpy @ https://evil.example/numpy.whl",
        "numpy==1.26; python_version<'3.12'",
        "not a spec==1",
    ],
)
def test_requirements_must_be_plain_pins(spec: str) -> None:
    assert values.check_requirement(spec) is not None


@pytest.mark.parametrize(
    "url",
    ["http://download.pytorch.org/whl/cu128", "https://user:pw@host.example/x", "https://host.example/x?y=1",
     "https://host.example/x#frag", "file:///etc/passwd", "https://localhost/x"],
)  # fmt: skip
def test_urls_must_be_plain_https(url: str) -> None:
    assert values.check_url(url) is not None


def test_images_need_a_tag() -> None:
    assert values.check_image("nvidia/cuda") is not None
    assert values.check_image("NVIDIA/cuda:12.8") is not None


def test_sizes() -> None:
    assert values.size_bytes("8g") == 8 * 1024**3
    assert values.size_bytes("512m") == 512 * 1024**2
    assert values.size_bytes("64") == 64
    assert (
        values.size_bytes("8G") is None
        and values.size_bytes("-1g") is None
        and values.size_bytes("0") is None
    )


@pytest.mark.parametrize("text", ["235e820", "235E8209", "g35e8209", "ab" * 32 + "a", ""])
def test_sha256_is_8_to_64_lowercase_hex(text: str) -> None:
    assert values.check_sha256_or_prefix(text) is not None


@pytest.mark.parametrize(
    ("file_name", "embedded"),
    [
        ("rtmdet_m_8xb32-100e_coco-obj365-person-235e8209.pth", "235e8209"),  # mmdet's publish_model
        (
            "rtmpose-m_simcc-coco_pt-aic-coco_420e-256x192-d8dd5ca4_20230127.pth",
            "d8dd5ca4",
        ),  # mmpose's: + date
        ("resnet18-5c106cde.pth", "5c106cde"),  # torch.hub's own example
        ("rtmpose-m.pth", None),
        ("model-100e.pth", None),  # too short for a hash
    ],
)
def test_hash_in_a_file_name(file_name: str, embedded: str | None) -> None:
    assert values.name_hash(file_name) == embedded


@pytest.mark.parametrize(
    "path",
    ["/abs/x.py", "../x.py", "configs/../x.py", "configs/.hidden.py", "configs/x.txt", "configs/x y.py"],
)
def test_mim_paths_are_relative_python_files(path: str) -> None:
    assert values.check_mim_path(path) is not None


def test_checkpoint_urls_end_in_a_file_name() -> None:
    assert values.check_file_url("https://download.openmmlab.com/mmpose/") is not None
    assert values.check_file_url("http://download.openmmlab.com/x-235e8209.pth") is not None
