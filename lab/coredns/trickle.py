#!/usr/bin/env python3
"""A steady, bounded trickle of DNS queries for the lab's CoreDNS (stdlib only).

Every second: a Service name the kubernetes plugin answers, a Service that does not exist (NXDOMAIN),
a name the forward plugin sends upstream and a fresh upstream name (a cache miss that reaches the
upstream); every minute a name the upstream answers with SERVFAIL, so that every CoreDNS panel
and rule has data, and the SERVFAIL share stays under the alerts' 1%. Stops after --max-seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import random
import socket
import struct
import time

TYPE_A = 1


def query(name: str, qid: int) -> bytes:
    """A recursive A query for ``name`` (RFC 1035 section 4.1)."""
    header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split("."))
    return header + labels + b"\x00" + struct.pack(">HH", TYPE_A, 1)


def names(tick: int, args: argparse.Namespace) -> list[str]:
    """The names of one tick."""
    batch = [
        "kubernetes.default.svc.cluster.local",
        "not-there.default.svc.cluster.local",
        f"www.{args.zone}",
        f"n{random.randrange(10**9)}.{args.zone}",
    ]
    if tick % 60 == 0:
        batch.append(f"x.{args.broken_zone}")
    return batch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="host:port of the CoreDNS to query")
    parser.add_argument("--zone", required=True, help="a zone the upstream serves")
    parser.add_argument("--broken-zone", required=True, help="a zone the upstream answers with SERVFAIL")
    parser.add_argument("--max-seconds", type=float, default=6 * 3600)
    args = parser.parse_args()
    host, port = args.server.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(2)
    deadline = time.monotonic() + args.max_seconds
    ids = itertools.count(1)
    for tick in itertools.count():
        if time.monotonic() >= deadline:
            break
        started = time.monotonic()
        for name in names(tick, args):
            sock.sendto(query(name, next(ids) & 0xFFFF), (host, int(port)))
            with contextlib.suppress(OSError):  # a lost or late answer: the next tick asks again
                sock.recv(4096)
        time.sleep(max(0.0, 1 - (time.monotonic() - started)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
