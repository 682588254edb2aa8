"""envkit run and envkit smoke: preflight on the host, then a container set up like the doctor's (GPU, shm,
camera by cgroup rule, X11 by cookie, the host user's uid); or the target in this environment (--native).

Modules: targets (what each target runs), container (the docker run command), preflight (the doctor's host
checks), native (delegation to posemamba.live), smoke (the GPU runner's sequence).
"""
