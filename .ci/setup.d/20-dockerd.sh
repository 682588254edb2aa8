#!/usr/bin/env bash
# Make sure a Docker engine answers: reuse a running one, else start dockerd with overlay2 when the
# kernel can mount overlayfs (20x less disk and much faster builds than vfs), vfs otherwise.
set -euo pipefail
answers() { timeout 10 docker info >/dev/null 2>&1; }
answers && { echo "dockerd: already answers"; exit 0; }
command -v dockerd >/dev/null || { echo "dockerd: not installed; docker tests will skip" >&2; exit 0; }
[ "$(id -u)" -eq 0 ] || { echo "dockerd: not root; docker tests will skip" >&2; exit 0; }
pidfile=/var/run/docker.pid
log="${ENVKIT_DOCKERD_LOG:-/tmp/envkit-dockerd.log}"
if ! { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
  driver="${ENVKIT_DOCKERD_STORAGE_DRIVER:-auto}"
  if [ "$driver" = auto ]; then
    driver=vfs
    probe=$(mktemp -d /var/lib/envkit-overlay-probe.XXXXXX)
    mkdir -p "$probe"/{lower,upper,work,merged}
    if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" \
        "$probe/merged" 2>/dev/null; then
      umount "$probe/merged"; driver=overlay2
    fi
    rm -rf --one-file-system "$probe"
  fi
  echo "dockerd: starting with --storage-driver=$driver (log $log)"
  nohup dockerd --storage-driver="$driver" --pidfile="$pidfile" >"$log" 2>&1 </dev/null &
  disown $! 2>/dev/null || true
fi
for _ in $(seq 1 90); do answers && { echo "dockerd: answers"; exit 0; }; sleep 1; done
echo "dockerd: did not answer within 90 s; last log lines:" >&2
tail -n 20 "$log" >&2
exit 1
