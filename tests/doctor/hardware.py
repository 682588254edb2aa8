"""Facts of real GPUs (what nvidia-smi reports on them), injected where no GPU can exist.

Capabilities: env-anchors.md B.1 (RTX 5090 sm_120, GB10 sm_121, H100 sm_90); GTX 1080 Ti is Pascal
sm_61. Drivers: the R570 branch shipped with CUDA 12.8 for Blackwell, R580 with CUDA 13 (DGX OS).
"""

from envkit.doctor.context import recipe_expectations
from envkit.recipes import load_recipe

RTX_5090 = {"name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0", "driver": "570.133.07"}
GB10 = {"name": "NVIDIA GB10", "compute_capability": "12.1", "driver": "580.95.05"}
H100 = {"name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0", "driver": "550.54.15"}
PASCAL = {"name": "NVIDIA GeForce GTX 1080 Ti", "compute_capability": "6.1", "driver": "580.65.06"}

# torch.cuda.get_arch_list() of real wheels (env-anchors.md B.2, PR pytorch#164471 for 2.9).
TORCH_29_CU128 = ["sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]
TORCH_29_CU130 = ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120", "compute_120"]
TORCH_29_CU126 = ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]

# What the real recipes promise (recipes/*.toml through envkit.recipes): rtx5090 = CUDA 12.8 with
# 12.0+PTX, dgx-spark = CUDA 13.0 with 12.0+PTX, hopper = CUDA 12.8 with 9.0.
RECIPE_RTX5090 = recipe_expectations(load_recipe("rtx5090"))
RECIPE_SPARK = recipe_expectations(load_recipe("dgx-spark"))
RECIPE_HOPPER = recipe_expectations(load_recipe("hopper"))
