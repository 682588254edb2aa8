"""One process or several under torchrun: which rank this is, its device, and the collectives used.

Launched by torchrun (WORLD_SIZE > 1), the process group is NCCL on CUDA devices and gloo on the
CPU; each process takes cuda:LOCAL_RANK. Alone, nothing is initialised and the collectives are no-ops.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist

from posemamba.errors import PoseMambaError


@dataclass(frozen=True)
class Processes:
    """This process's place among the training processes."""

    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def main(self) -> bool:
        """Rank 0: the only one that logs and writes files."""
        return self.rank == 0


def pick_device(name: str, local_rank: int) -> torch.device:
    """`auto`: cuda:LOCAL_RANK when CUDA is available, else cpu; `cuda`: cuda:LOCAL_RANK; else as given."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise PoseMambaError(
            f"unknown device {name!r} ({error})", fix="use auto, cpu, cuda or cuda:N"
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise PoseMambaError(
                f"device {name} asked for but this torch sees no CUDA GPU", fix="use --device cpu (or auto)"
            )
        if device.index is None:
            device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    return device


def setup(device_name: str = "auto") -> Processes:
    """Join the torchrun process group when there is one; the device of this process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(device_name, local_rank)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Processes(rank, world, local_rank, device)


def all_reduce_sum(array: np.ndarray, processes: Processes) -> np.ndarray:
    """The element-wise sum of `array` over all processes (float64; a copy when alone)."""
    if processes.world == 1:
        return np.array(array, dtype=np.float64)
    # NCCL reduces only CUDA tensors; gloo only CPU ones.
    tensor = torch.from_numpy(np.array(array, dtype=np.float64)).to(processes.device)
    dist.all_reduce(tensor)
    return tensor.cpu().numpy()


def wait_for_all(processes: Processes) -> None:
    """Return once every process got here: a run that ended normally ends together.

    Without it a rank that finished first destroys its process group while another still writes its
    checkpoints, and gloo's connection threads can abort the process at exit ("terminate called without
    an active exception", SIGABRT: seen in CI with 2 gloo processes on 2 busy cores)."""
    if processes.world > 1 and dist.is_initialized():
        dist.barrier()


def teardown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
