"""X11 without `xhost +`: find the display's socket, read its MIT cookie, and try the handshake.

Stdlib only (the X11 connection-setup message and the Xauthority file format are both tiny).
Not a check itself. envkit's launcher loads this file too, to write a cookie file for containers.
"""

import os
import re
import socket
import struct

FAMILY_LOCAL = 256
FAMILY_WILD = 65535
COOKIE = b"MIT-MAGIC-COOKIE-1"


def parse_display(display):
    """':1' / 'unix:1.0' / 'host:10' -> (host or '', number) or None."""
    match = re.match(r"^(?P<host>[^:]*):(?P<num>\d+)(?:\.\d+)?$", display or "")
    if not match:
        return None
    host = match.group("host")
    return ("" if host in ("", "unix") else host), int(match.group("num"))


def socket_path(number):
    return "/tmp/.X11-unix/X%d" % number


def xauthority_path():
    return os.environ.get("XAUTHORITY") or os.path.join(os.path.expanduser("~"), ".Xauthority")


def read_xauthority(path):
    """The records of an Xauthority file: [{'family', 'address', 'number', 'name', 'data'}]."""
    with open(path, "rb") as handle:
        raw = handle.read()
    records, pos = [], 0

    def field():
        nonlocal pos
        (length,) = struct.unpack(">H", raw[pos : pos + 2])
        value = raw[pos + 2 : pos + 2 + length]
        pos += 2 + length
        return value

    while pos + 2 <= len(raw):
        (family,) = struct.unpack(">H", raw[pos : pos + 2])
        pos += 2
        address, number, name, data = field(), field(), field(), field()
        records.append(
            {
                "family": family,
                "address": address,
                "number": number.decode() or "",
                "name": name,
                "data": data,
            }
        )
    return records


def find_cookie(number, path=None):
    """The MIT-MAGIC-COOKIE-1 bytes for display `number`, or None (local/wild entries only)."""
    try:
        records = read_xauthority(path or xauthority_path())
    except (OSError, struct.error):
        return None
    hostname = socket.gethostname().encode()
    best = None
    for record in records:
        if record["name"] != COOKIE or record["number"] not in (str(number), ""):
            continue
        if record["family"] == FAMILY_WILD or (
            record["family"] == FAMILY_LOCAL and record["address"] == hostname
        ):
            return record["data"]
        best = best or record["data"]
    return best


def write_wild_cookie(path, number, cookie):
    """An Xauthority file whose one entry matches any host (FamilyWild): usable inside a container."""
    number_bytes = str(number).encode()
    blob = struct.pack(">H", FAMILY_WILD)
    for value in (b"", number_bytes, COOKIE, cookie):
        blob += struct.pack(">H", len(value)) + value
    with open(path, "wb") as handle:
        handle.write(blob)
    os.chmod(path, 0o644)


def _pad(data):
    return data + b"\0" * (-len(data) % 4)


def handshake(display, cookie, timeout=5.0):
    """(accepted, reason): the X11 connection setup with the cookie, as any client would do it."""
    parsed = parse_display(display)
    if parsed is None:
        return False, "DISPLAY=%r is not host:number" % display
    host, number = parsed
    try:
        if host:
            conn = socket.create_connection((host, 6000 + number), timeout=timeout)
        else:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(timeout)
            conn.connect(socket_path(number))
    except OSError as error:
        return False, "cannot connect to display %s: %s" % (display, error)
    name, data = (COOKIE, cookie) if cookie else (b"", b"")
    request = struct.pack("<BxHHHHxx", ord("l"), 11, 0, len(name), len(data)) + _pad(name) + _pad(data)
    try:
        conn.sendall(request)
        head = conn.recv(8)
        if len(head) < 8:
            return False, "the X server closed the connection"
        if head[0] == 1:
            return True, "accepted"
        reason_length = head[1]
        (extra,) = struct.unpack("<H", head[6:8])
        reason = b""
        while len(reason) < extra * 4:
            chunk = conn.recv(extra * 4 - len(reason))
            if not chunk:
                break
            reason += chunk
        return False, reason[:reason_length].decode("latin-1").strip() or "refused"
    except OSError as error:
        return False, str(error)
    finally:
        conn.close()
