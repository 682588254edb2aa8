"""dockerfiles/scripts/fetch-checkpoint.sh, run for real: sh + curl against a local HTTP server + sha256sum.

The GPU images run it at build time for each [models] pin; a wrong hash must fail the build and leave
nothing the live pipeline could load.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from envkit.resources import data_dir

SCRIPT = data_dir("dockerfiles") / "scripts" / "fetch-checkpoint.sh"
PAYLOAD = bytes(range(256)) * 64  # 16 KiB


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files quietly; the first request for a name starting with `flaky` gets a 503."""

    failed: ClassVar[set[str]] = set()

    def do_GET(self) -> None:
        if self.path.startswith("/flaky") and self.path not in self.failed:
            self.failed.add(self.path)
            self.send_error(503, "try again")
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL of a local HTTP server, sha256 of the file it serves as tiny-<8 hex>.pth and flaky-...)."""
    for tool in ("curl", "sha256sum"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (the images install it; this machine lacks it)")
    root = tmp_path_factory.mktemp("served")
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    (root / f"tiny-{digest[:8]}.pth").write_bytes(PAYLOAD)
    (root / f"flaky-{digest[:8]}.pth").write_bytes(PAYLOAD)
    handler = functools.partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", digest
    finally:
        server.shutdown()
        server.server_close()


def fetch(*args: str) -> subprocess.CompletedProcess[str]:
    # A proxy from the environment must not intercept the local server.
    env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    return subprocess.run(
        ["sh", str(SCRIPT), *args], capture_output=True, text=True, timeout=30, env=env, check=False
    )


def url_of(served: tuple[str, str]) -> str:
    base, digest = served
    return f"{base}/tiny-{digest[:8]}.pth"


@pytest.mark.parametrize("length", [64, 8, 20], ids=["full digest", "8-hex prefix", "20-hex prefix"])
def test_a_matching_hash_puts_the_file_in_place(served, tmp_path: Path, length: int) -> None:
    dest = tmp_path / "models" / "tiny.pth"
    done = fetch("tiny", url_of(served), served[1][:length], str(dest))
    assert done.returncode == 0, done.stderr
    assert dest.read_bytes() == PAYLOAD
    assert f"sha256 {served[1]}" in done.stdout
    assert [path.name for path in dest.parent.iterdir()] == ["tiny.pth"]


def test_a_transient_server_error_is_retried(served, tmp_path: Path) -> None:
    base, digest = served
    dest = tmp_path / "flaky.pth"
    done = fetch("flaky", f"{base}/flaky-{digest[:8]}.pth", digest[:8], str(dest))
    assert done.returncode == 0, done.stderr
    assert dest.read_bytes() == PAYLOAD
    assert f"/flaky-{digest[:8]}.pth" in _Handler.failed  # the first try got the 503


def test_a_wrong_hash_fails_naming_the_model_and_both_hashes(served, tmp_path: Path) -> None:
    dest = tmp_path / "tiny.pth"
    dest.write_bytes(b"left by an earlier run")
    wrong = "0123abcd"
    done = fetch("rtmpose-m", url_of(served), wrong, str(dest))
    assert done.returncode == 1
    assert done.stderr == (
        f"fetch-checkpoint: rtmpose-m: sha256 mismatch for {url_of(served)}: "
        f"expected {wrong}, got {served[1]}\n"
    )
    assert list(tmp_path.iterdir()) == []  # neither the download nor the stale file


def test_a_missing_file_fails_the_download(served, tmp_path: Path) -> None:
    dest = tmp_path / "tiny.pth"
    done = fetch("rtmdet-m", f"{served[0]}/absent-235e8209.pth", "235e8209", str(dest))
    assert done.returncode == 1
    assert "404" in done.stderr
    assert done.stderr.endswith(
        f"fetch-checkpoint: rtmdet-m: download of {served[0]}/absent-235e8209.pth failed\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("expected", ["235e820", "235E8209", "g35e8209", "a" * 65])
def test_a_malformed_hash_is_a_usage_error(tmp_path: Path, expected: str) -> None:
    done = fetch("rtmdet-m", "http://127.0.0.1:9/x.pth", expected, str(tmp_path / "x.pth"))
    assert done.returncode == 2
    assert done.stderr == (
        f"fetch-checkpoint: rtmdet-m: expected sha256 '{expected}' is not 8 to 64 lowercase hex digits\n"
    )


def test_wrong_argument_count_prints_the_usage() -> None:
    done = fetch("only-a-name")
    assert done.returncode == 2
    assert done.stderr == "fetch-checkpoint: usage: fetch-checkpoint NAME URL SHA256 DEST\n"
