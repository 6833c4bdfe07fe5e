"""A minimal Prometheus remote-write client (protocol 1.0) for the lab tests, standard library + requests only.

The WriteRequest protobuf is encoded by hand (3 small messages) and "compressed" as snappy literals, which every
snappy decoder accepts: no protobuf or snappy package needed.
"""

from __future__ import annotations

import struct

import requests

Sample = tuple[float, int]  # (value, timestamp in ms)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _series(labels: dict[str, str], samples: list[Sample]) -> bytes:
    body = b"".join(
        _field(1, _field(1, k.encode()) + _field(2, v.encode())) for k, v in sorted(labels.items())
    )
    for value, ts in samples:
        sample = b"\x09" + struct.pack("<d", value) + b"\x10" + _varint(ts)  # double value = 1, int64 ts = 2
        body += _field(2, sample)
    return body


def write_request(series: list[tuple[dict[str, str], list[Sample]]]) -> bytes:
    """The protobuf WriteRequest; each labels dict must hold `__name__`."""
    return b"".join(_field(1, _series(labels, samples)) for labels, samples in series)


def snappy_literal(data: bytes) -> bytes:
    """Snappy block format made only of literal elements (valid, uncompressed)."""
    out = bytearray(_varint(len(data)))
    for start in range(0, len(data), 65536):
        chunk = data[start : start + 65536]
        out += bytes([61 << 2]) + struct.pack("<H", len(chunk) - 1) + chunk  # 2-byte literal length
    return bytes(out)


def push(url: str, series: list[tuple[dict[str, str], list[Sample]]], timeout: float = 10) -> None:
    """POST the series to a remote-write receiver (e.g. Prometheus' /api/v1/write); raises on a non-2xx answer."""
    resp = requests.post(
        url,
        data=snappy_literal(write_request(series)),
        headers={
            "Content-Encoding": "snappy",
            "Content-Type": "application/x-protobuf",
            "X-Prometheus-Remote-Write-Version": "0.1.0",
        },
        timeout=timeout,
    )
    if resp.status_code // 100 != 2:
        raise RuntimeError(f"remote write to {url}: HTTP {resp.status_code}: {resp.text[:300]}")
