"""The lab's CoreDNS (lab/controlplane, lab/coredns): its kubernetes plugin answers from the lab API
server, its forward plugin reaches the upstream, and the query trickle gives every response code the
CoreDNS panels and alerts read. The packet builder of the trickle is checked on its own too."""

from __future__ import annotations

import importlib.util
import socket
import struct
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOERROR, SERVFAIL, NXDOMAIN = 0, 2, 3


def _trickle():
    spec = importlib.util.spec_from_file_location("trickle", REPO / "lab" / "coredns" / "trickle.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _skip_name(packet: bytes, i: int) -> int:
    while packet[i]:
        if packet[i] & 0xC0 == 0xC0:  # a compression pointer ends the name
            return i + 2
        i += packet[i] + 1
    return i + 1


def _ask(server: str, name: str) -> tuple[int, list[str]]:
    """(rcode, A records) of one UDP query."""
    host, port = server.rsplit(":", 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(10)
        sock.sendto(_trickle().query(name, 4242), (host, int(port)))
        packet = sock.recv(4096)
    qid, flags, _qd, answers = struct.unpack(">HHHH", packet[:8])
    assert qid == 4242
    i = _skip_name(packet, 12) + 4
    addresses = []
    for _ in range(answers):
        i = _skip_name(packet, i)
        rtype, _cls, _ttl, length = struct.unpack(">HHIH", packet[i : i + 10])
        i += 10
        if rtype == 1:
            addresses.append(socket.inet_ntoa(packet[i : i + length]))
        i += length
    return flags & 0xF, addresses


def test_the_trickle_builds_a_recursive_a_query() -> None:
    packet = _trickle().query("kubernetes.default.svc.cluster.local", 7)
    assert struct.unpack(">HHHHHH", packet[:12]) == (7, 0x0100, 1, 0, 0, 0)
    assert packet[12:] == b"\x0akubernetes\x07default\x03svc\x07cluster\x05local\x00\x00\x01\x00\x01"


@pytest.mark.controlplane
def test_coredns_answers_from_the_apiserver_and_forwards(controlplane_lab) -> None:
    dns = controlplane_lab.env["COREDNS_DNS"]
    # the `kubernetes` Service's cluster IP: the first of the lab's --service-cluster-ip-range
    assert _ask(dns, "kubernetes.default.svc.cluster.local") == (NOERROR, ["10.96.0.1"])
    assert _ask(dns, "not-there.default.svc.cluster.local")[0] == NXDOMAIN
    assert _ask(dns, "www.lab.example") == (NOERROR, ["192.0.2.10"])  # the upstream's hosts entry
    assert _ask(dns, "x.broken.example")[0] == SERVFAIL


@pytest.mark.controlplane
def test_the_trickle_gives_every_rcode_the_rules_read(controlplane_lab) -> None:
    from n9e_k8s.selectors import load_selectors

    job = f'job="{load_selectors(REPO / "promql").jobs["coredns"]}", cluster="lab"'
    for expr in (
        f'coredns_dns_responses_total{{{job}, rcode="NOERROR"}}',
        f'coredns_dns_responses_total{{{job}, rcode="NXDOMAIN"}}',
        f'coredns_dns_responses_total{{{job}, rcode="SERVFAIL"}}',
        f'coredns_proxy_request_duration_seconds_count{{{job}, proxy_name="forward", rcode="SERVFAIL"}}',
        f'coredns_cache_hits_total{{{job}, type="success"}}',
    ):
        assert controlplane_lab.query(expr), f"no series for {expr}"
    # SERVFAIL stays under CoreDNSErrorsHigh's 1%: the lab does not page itself
    ratio = controlplane_lab.query(
        f'sum(rate(coredns_dns_responses_total{{{job}, rcode="SERVFAIL"}}[5m]))'
        f" / sum(rate(coredns_dns_responses_total{{{job}}}[5m]))"
    )
    assert ratio and float(ratio[0]["value"][1]) < 0.01
