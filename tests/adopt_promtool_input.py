"""Input series for comparing two rule expressions under promtool: one series per selector of an expression."""

from __future__ import annotations

import promql_parser as pp
from n9e_k8s.lint.promql import matchers, selector_name, walk

EVAL = "30m"
BASE_LABELS = {"cluster": "c1", "instance": "i1", "namespace": "ns", "pod": "p1", "node": "n1"}


def series_for(expr: str) -> dict[str, str]:
    """One input series per selector of ``expr``, with the values its equality (and simple regex) matchers ask for."""
    out: dict[str, str] = {}
    for node, _ in walk(pp.parse(expr)):
        if not isinstance(node, pp.VectorSelector) or not selector_name(node):
            continue
        name = selector_name(node)
        labels = dict(BASE_LABELS)
        for m in matchers(node):
            if m.name == "__name__":
                continue
            if m.op == pp.MatchOp.Equal:
                labels[m.name] = m.value
            elif m.op == pp.MatchOp.Re and m.value.replace("|", "").replace("_", "").isalnum():
                labels[m.name] = m.value.split("|")[0]
        counter = name.endswith(("_total", "_count", "_sum", "_bucket"))
        les = ["1", "+Inf"] if name.endswith("_bucket") else [None]
        for le in les:
            full = {**labels, **({"le": le} if le else {})}
            text = name + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(full.items())) + "}"
            out[text] = "0+10x40" if counter else "1x40"
    return out
