"""Everything envkit does with containers: the one `docker run` argv builder (run.py), the devices a
container gets (devices.py: GPU, shm, X11 by cookie, RealSense over USB) and the image helpers
(images.py). Never --privileged, never `xhost +` (DESIGN.md, "Conventions")."""
