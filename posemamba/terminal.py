"""What reaches the user's terminal: text in any encoding, and no log lines from native libraries.

`tolerate_any_encoding()`: with PYTHONIOENCODING=ascii (or a C locale) a "✓" or an em dash would raise
UnicodeEncodeError in the middle of a report; the streams write such characters as \\uXXXX instead.

`quiet_libraries()`: OpenCV, FFmpeg (through OpenCV), TensorFlow Lite and MediaPipe's glog/absl write
their own log lines to stderr (a warning per camera index tried, "moov atom not found", "Created
TensorFlow Lite XNNPACK delegate"), which would stand before envkit's one error line. It sets their
documented switches, unless the user set them (to debug a library, set them yourself), and
`native_stderr_to(path)` sends what native code still writes to fd 2 into a file, leaving Python's
sys.stderr (envkit's messages, tracebacks of bugs) on the terminal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from posemamba.errors import PoseMambaError

# Each variable is read by the library itself when it first logs (so setting them late still works for
# a library that has not logged yet). OPENCV_LOG_LEVEL: OpenCV's utils/logger; OPENCV_FFMPEG_LOGLEVEL:
# OpenCV's FFmpeg backend passes it to av_log_set_level (-8 is AV_LOG_QUIET); GLOG_minloglevel and
# TF_CPP_MIN_LOG_LEVEL: glog and TensorFlow's C++ logging (2: errors only).
# MLFLOW_LOGGING_LEVEL: MLflow sets its loggers from it when imported (creating its database tables
# otherwise prints INFO lines).
QUIET_ENV = {
    "OPENCV_LOG_LEVEL": "OFF",
    "OPENCV_FFMPEG_LOGLEVEL": "-8",
    "GLOG_minloglevel": "2",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "MLFLOW_LOGGING_LEVEL": "WARNING",
}


def tolerate_any_encoding() -> None:
    """Make sys.stdout and sys.stderr escape what their encoding cannot write, instead of raising."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.errors or "strict") == "strict":
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def quiet_libraries() -> None:
    """Set the libraries' log switches (QUIET_ENV) where the user has not set them; alembic's INFO
    lines (MLflow's database migrations) too."""
    for name, value in QUIET_ENV.items():
        os.environ.setdefault(name, value)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def library_log(name: str) -> Path | None:
    """<cache>/logs/<name>-libraries.log (the last run's native library output), or None if unwritable."""
    from posemamba.cache import cache_dir
    from posemamba.errors import PoseMambaError

    try:
        folder = cache_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, PoseMambaError):
        return None
    path = folder / f"{name}-libraries.log"
    with contextlib.suppress(OSError):
        path.unlink()
    return path


@contextlib.contextmanager
def native_stderr_to(path: Path | None) -> Iterator[None]:
    """Within the block, fd 2 (what C/C++ libraries write) goes to `path`, or nowhere for None;
    Python's sys.stderr keeps writing to the terminal."""
    sys.stderr.flush()
    terminal = os.dup(2)
    try:
        target = open(path, "ab") if path is not None else open(os.devnull, "wb")  # noqa: SIM115
    except OSError:
        target = open(os.devnull, "wb")  # noqa: SIM115
    previous = sys.stderr
    sys.stderr = open(terminal, "w", encoding=previous.encoding, errors="backslashreplace", buffering=1)  # noqa: SIM115
    os.dup2(target.fileno(), 2)
    target.close()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(sys.stderr.fileno(), 2)
        sys.stderr.close()
        sys.stderr = previous


def print_error(error: PoseMambaError, program: str) -> None:
    """`<program>: error: <message> — fix: <fix>` on stderr, as one line whatever the message holds."""
    text = str(error)
    if not text.isprintable():  # a newline or control character echoed from the input stays visible
        text = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    print(f"{program}: error: {text}", file=sys.stderr)


def run_app(app: typer.Typer, prog_name: str, args: list[str] | None = None) -> int:
    """Run one of posemamba's command lines and return its exit code; with args=None (a real command
    line) exit with it. A PoseMambaError is one `<prog>: error: ... — fix: ...` line and its exit_code (2
    bad input, 1 a failed run); click's usage errors as click prints them (exit 2)."""
    tolerate_any_encoding()
    quiet_libraries()
    try:
        app(args=args, prog_name=prog_name)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except PoseMambaError as error:
        print_error(error, prog_name)
        code = error.exit_code
    if args is None:
        sys.exit(code)
    return code
