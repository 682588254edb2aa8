"""posemamba: a faithful, fast PoseMamba (AAAI 2025) that loads the released checkpoints."""
