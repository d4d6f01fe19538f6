#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""One command to an xlb-sqlproxy admin socket.

    tools/sqlproxy_admin.py ADMIN COMMAND...
prints the reply without the empty line that ends it; exit 1 when nothing answers or the
reply does not end (the connection closed first). ADMIN as [proxy] admin takes it: a Unix
socket path, ADDR:PORT or [ADDR6]:PORT. From Python: `from sqlproxy_admin import command`.
Used by the tests, the lab's role scripts and operators alike."""
import socket
import sys


def command(at, cmd, timeout=5):
    """(the reply without its terminating empty line, whether it ended); OSError when the
    admin cannot be reached."""
    if ":" in at:
        host, port = at.rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
    else:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(timeout)
        s.connect(at)
    with s:
        s.sendall(cmd.encode() + b"\n")
        buf = b""
        # A reply ends with an empty line: "\n\n", or a lone "\n" for an empty reply.
        while not (buf.endswith(b"\n\n") or buf == b"\n"):
            d = s.recv(65536)
            if not d:
                return buf.decode(errors="replace"), False
            buf += d
    return buf[:-1].decode(errors="replace"), True


def main():
    if len(sys.argv) < 3:
        print("usage: sqlproxy_admin.py ADMIN COMMAND...", file=sys.stderr)
        sys.exit(2)
    try:
        reply, ended = command(sys.argv[1], " ".join(sys.argv[2:]))
    except (OSError, ValueError) as e:
        sys.exit("sqlproxy_admin.py: %s: %s" % (sys.argv[1], e))
    sys.stdout.write(reply)
    sys.exit(0 if ended else 1)


if __name__ == "__main__":
    main()
