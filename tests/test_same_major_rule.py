"""The same-major rule (which compiled code runs on which GPU) lives three times, because three places
cannot share code: envkit.compat (recipes), checks/_common.py (stdlib-only, runs in any image) and
posemamba.scan.cuda_status (posemamba never imports envkit). One case table holds all three to it.
Source of the rule: env-anchors.md B.1; pytorch#164596 (sm_121 runs sm_120 cubins)."""

from __future__ import annotations

import itertools

import pytest

from envkit import compat
from posemamba.scan import cuda_status
from tests.doctor.conftest import load_check

IMPLEMENTATIONS = {
    "envkit.compat": compat.arch_runs_on,
    "checks/_common": load_check("_common").arch_runs_on,
    "posemamba.scan.cuda_status": cuda_status.arch_runs_on,
}

CASES = [
    (["12.0"], "12.0", True),
    (["12.0"], "12.1", True),  # GB10 (sm_121) runs sm_120 cubins
    (["12.1"], "12.0", False),  # never downwards
    (["9.0"], "12.0", False),  # no cubin crosses a major
    (["12.0"], "9.0", False),
    (["8.0", "9.0"], "12.0", False),
    (["9.0+PTX"], "12.0", True),  # PTX is JIT-compiled on any newer GPU
    (["12.0+PTX"], "9.0", False),  # ... never on an older one
    (["8.0", "8.6"], "8.9", True),
    (["8.0", "9.0"], "8.6", True),
    (["6.0", "7.0"], "6.1", True),  # a cu126 wheel's sm_60 runs on Pascal 6.1
    (["7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0"], "6.1", False),  # a cu128 wheel on Pascal
    (["7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0"], "12.1", True),
    ([], "9.0", False),
]


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize(("arch_list", "capability", "runs"), CASES)
def test_case_table(implementation, arch_list, capability, runs):
    assert IMPLEMENTATIONS[implementation](arch_list, capability) is runs


def test_implementations_agree_on_every_combination():
    entries = ["6.0", "7.0", "7.5", "8.0", "8.6", "9.0", "9.0+PTX", "10.0", "12.0", "12.0+PTX", "12.1"]
    capabilities = ["6.1", "7.0", "8.6", "8.9", "9.0", "10.0", "10.3", "12.0", "12.1"]
    lists = [list(combo) for size in (0, 1, 2) for combo in itertools.combinations(entries, size)]
    for arch_list, capability in itertools.product(lists, capabilities):
        answers = {name: rule(arch_list, capability) for name, rule in IMPLEMENTATIONS.items()}
        assert len(set(answers.values())) == 1, (arch_list, capability, answers)
