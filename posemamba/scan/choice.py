"""The scan backend a command will use, checked before any model is loaded (one line if it cannot run)."""

from __future__ import annotations

from posemamba.errors import PoseMambaError


def usable_backend(device: str, backend: str | None = None) -> str:
    """The backend for `device` (the argument, else $POSEMAMBA_SCAN_BACKEND, else automatic);
    PoseMambaError when the name is unknown or that backend cannot run here."""
    from posemamba import scan

    try:
        choice = scan.choose(device, backend)
    except scan.UnknownBackendError as error:
        raise PoseMambaError(
            str(error), f"omit --backend and unset ${scan.ENV_VAR} to choose automatically"
        ) from None
    ok, why = scan.available(choice.backend)
    if not ok:
        raise PoseMambaError(
            f"scan backend {choice.backend} cannot run here: {why}",
            f"omit --backend (and unset ${scan.ENV_VAR}) to choose automatically",
        )
    return choice.backend
