"""Checks for every recipe value that reaches a Dockerfile, so that no recipe can inject shell.

Each checker returns None when the value is acceptable, else the reason (a short phrase). The
renderer additionally shell-quotes every value, and parses the rendered Dockerfile back
(envkit.render_check), but a value must pass here first.

Every pattern is applied with `fullmatch`: `^...$` with `match` accepts a trailing newline, which a
Dockerfile reads as the end of an instruction (issue #18, item 2). `check_raw` runs on the raw value
before any of them, and before any parser (urlsplit silently drops tab, CR and LF: issue #18, item 1).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from envkit.errors import escaped, first_unprintable, quoted

# Only characters that carry no meaning to a shell, Dockerfile or pip beyond the spec itself.
_SPEC_CHARS = re.compile(r"[A-Za-z0-9._\-\[\],<>=!~* ]+")
_VERSION_CHARS = re.compile(r"[0-9][0-9A-Za-z.+!]*")
# Docker image reference with a mandatory tag (optionally a digest): registry/namespace/repo:tag.
_IMAGE_RE = re.compile(
    r"(?:(?P<registry>[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r":(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(?:@sha256:[a-f0-9]{64})?"
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_ENV_VALUE = re.compile(r"[A-Za-z0-9_./:+,=@%\- ]*")
_APT_NAME = re.compile(r"[a-z0-9][a-z0-9+.\-]+(?:=[A-Za-z0-9.+:~\-]+)?")
# An https URL with a plain host and path, matched on the raw text: no port, credentials, query or fragment.
_URL = re.compile(r"https://[a-z0-9]+(?:[.-][a-z0-9]+)*\.[a-z]{2,}(?:/[A-Za-z0-9._~/%\-]*)?")
_GIT_REF = re.compile(r"[0-9a-f]{7,40}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SHA256_PREFIX = re.compile(r"[0-9a-f]{8,64}")
# OpenMMLab's publish_model.py names a checkpoint `<name>-<first 8 hex of its sha256>.pth` (mmdet) or
# `...-<8 hex>_<YYYYMMDD>.pth` (mmpose); torch.hub's HASH_REGEX reads the undated form the same way.
_NAME_HASH = re.compile(r"-(?P<hash>[0-9a-f]{8,64})(?:_[0-9]{8})?\.[A-Za-z0-9]+\Z")
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._\-]*")
# A config inside mmpose's wheel (mmpose/.mim/...): relative, no segment starting with a dot (so no `..`).
_MIM_PATH = re.compile(r"(?:[A-Za-z0-9_\-][A-Za-z0-9._\-]*/)*[A-Za-z0-9_\-][A-Za-z0-9._\-]*\.py")
_SIZE = re.compile(r"(?P<number>[1-9][0-9]*)(?P<unit>[kmg]?)")
_NAME = re.compile(r"[a-z0-9][a-z0-9\-]{0,39}")
_PATH = re.compile(r"/[A-Za-z0-9._/\-]+")
# One line of prose (descriptions, GPU names): no quotes, backslashes, $ or backticks, no control characters.
_TEXT = re.compile(r"[A-Za-z0-9 .,:()+/_\-'=<>@%*!?#]*")


MAX_LENGTH = 1000  # characters in one recipe value; the longest shipped one (a checkpoint URL) has 135


def check_raw(text: str) -> str | None:
    """Any recipe value, before its own check: one line of printable text, of a sane length."""
    at = first_unprintable(text)
    if at is not None:
        bad = text[at]
        return f"{quoted(text)} contains the control character {escaped(bad)} (U+{ord(bad):04X}) at {at + 1}"
    if len(text) > MAX_LENGTH:
        return f"{quoted(text)} is longer than {MAX_LENGTH} characters"
    return None


def check_version(text: str) -> str | None:
    try:
        Version(text)
    except InvalidVersion:
        return f"{quoted(text)} is not a version"
    if not _VERSION_CHARS.fullmatch(text):
        return f"{quoted(text)} is not a plain version"
    return None


def _arbitrary_equality(specifiers: SpecifierSet) -> bool:
    """`===` compares strings, not versions: the rules (and pip's resolver) cannot reason about it."""
    return any(item.operator == "===" for item in specifiers)


def check_requirement(text: str) -> str | None:
    """A package spec like `numpy==1.26.4` or `setuptools>=77.0.3,<82`: no URL, no marker."""
    if not _SPEC_CHARS.fullmatch(text):
        return f"{quoted(text)} is not a package spec (only name, extras and version specifiers are allowed)"
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return f"{quoted(text)} is not a package spec"
    if requirement.url or requirement.marker:
        return f"{quoted(text)} is not a plain package spec"
    if not requirement.specifier:
        return f"{quoted(text)} has no version specifier (recipes are fully pinned)"
    if _arbitrary_equality(requirement.specifier):
        return f"{quoted(text)} uses === (arbitrary equality), which recipes do not allow: pin with =="
    return None


def check_image(text: str) -> str | None:
    if not _IMAGE_RE.fullmatch(text):
        example = "nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04"
        return f"{quoted(text)} is not an image reference with a tag (like {example})"
    return None


def check_env_name(text: str) -> str | None:
    return None if _ENV_NAME.fullmatch(text) else f"{quoted(text)} is not an environment variable name"


def check_env_value(text: str) -> str | None:
    if not _ENV_VALUE.fullmatch(text):
        not_allowed = "quotes, $, `, ;, newlines"
        return f"{quoted(text)} contains characters not allowed in an environment value ({not_allowed})"
    return None


def check_apt_name(text: str) -> str | None:
    return None if _APT_NAME.fullmatch(text) else f"{quoted(text)} is not a Debian package name"


def check_url(text: str) -> str | None:
    """An https URL with a plain host and path (no query, credentials or fragment).

    Matched on the raw text, never on urlsplit's parts: urlsplit drops tab, CR and LF before it parses,
    and raises on a stray `[`.
    """
    if check_raw(text) or not _URL.fullmatch(text):
        return f"{quoted(text)} is not a plain https URL"
    return None


def check_git_ref(text: str) -> str | None:
    return (
        None
        if _GIT_REF.fullmatch(text)
        else f"{quoted(text)} is not a commit hash (7-40 lowercase hex digits)"
    )


def check_sha256(text: str) -> str | None:
    return None if _SHA256.fullmatch(text) else f"{quoted(text)} is not a sha256 (64 lowercase hex digits)"


def check_sha256_or_prefix(text: str) -> str | None:
    """A full sha256 (64 hex) or its first 8+ hex digits (the part OpenMMLab puts in file names)."""
    if not _SHA256_PREFIX.fullmatch(text):
        return f"{quoted(text)} is not a sha256 or a prefix of one (8 to 64 lowercase hex digits)"
    return None


def url_file_name(url: str) -> str:
    """The last path segment of a URL ('' when the path ends in /)."""
    return urlsplit(url).path.rsplit("/", 1)[-1]


def check_file_url(text: str) -> str | None:
    """A plain https URL whose last path segment is a usable file name."""
    reason = check_url(text)
    if reason:
        return reason
    if not _FILE_NAME.fullmatch(url_file_name(text)):
        return f"{quoted(text)} does not end in a file name"
    return None


def name_hash(file_name: str) -> str | None:
    """The sha256 prefix a file name carries (`...-235e8209.pth`, `...-d8dd5ca4_20230127.pth`), else None."""
    match = _NAME_HASH.search(file_name)
    return match["hash"] if match else None


def check_mim_path(text: str) -> str | None:
    if not _MIM_PATH.fullmatch(text):
        return f"{quoted(text)} is not a relative path to a .py config (like configs/body_2d_keypoint/x.py)"
    return None


def check_name(text: str) -> str | None:
    return (
        None
        if _NAME.fullmatch(text)
        else f"{quoted(text)} is not a recipe name (lowercase letters, digits, dashes)"
    )


def check_model_name(text: str) -> str | None:
    return (
        None
        if _NAME.fullmatch(text)
        else f"{quoted(text)} is not a model name (lowercase letters, digits, dashes)"
    )


def check_path(text: str) -> str | None:
    return None if _PATH.fullmatch(text) else f"{quoted(text)} is not an absolute path"


def check_text(text: str) -> str | None:
    """One line of prose that ends up in a Dockerfile comment or label."""
    if not _TEXT.fullmatch(text):
        return f"{quoted(text)} is not one line of plain text (no quotes, backslashes, $, `, ;, &, newlines)"
    return None


def size_bytes(text: str) -> int | None:
    """Docker's size syntax ("8g", "512m", "1024") in bytes, or None when malformed."""
    match = _SIZE.fullmatch(text)
    if not match:
        return None
    return int(match["number"]) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match["unit"]]


def check_size(text: str) -> str | None:
    return None if size_bytes(text) is not None else f"{quoted(text)} is not a size (like 8g or 512m)"
