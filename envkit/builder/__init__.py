"""envkit build: recipe -> validated -> rendered Dockerfile -> image, with streamed progress, a full log,
failures matched against known signatures (envkit.failures), and a lock of what the image holds.

Modules: plan (what will run), engines (BuildKit CLI / SDK), steps (parse the builder's output), display
(rich progress), execute (run it), lock (record and replay versions), choose (the recipe for this GPU),
report (what the user reads after the build).
"""
