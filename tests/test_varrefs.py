"""Dashboard variable references (n9e_k8s.varrefs): the one pattern the catalog, the dashboards' checks,
verify and the linter share."""

from __future__ import annotations

from n9e_k8s.dashboards.source import used_variables
from n9e_k8s.selectors import load_selectors
from n9e_k8s.source import resolve_source
from n9e_k8s.varrefs import substitute_variables, variable_names


def test_every_form_is_a_reference_and_back_references_are_not():
    text = (
        'label_replace(x{a="$one", b="${two:regex}"}[[[three]]], "dst", "$1", "src", "(.*)") + [[four:csv]]'
    )
    assert variable_names(text) == ["one", "two", "three", "four"]
    assert used_variables('label_replace(up, "i", "$1", "instance", "(.*)") + $__rate_interval') == set()


def test_substitution_replaces_known_variables_and_keeps_the_others():
    text = 'rate(x{i=~"$instance"}[${interval:raw}]) > $threshold'
    assert (
        substitute_variables(text, {"instance": "a|b", "interval": "5m"})
        == 'rate(x{i=~"a|b"}[5m]) > $threshold'
    )


def test_rule_mode_uses_the_variable_defaults():
    selectors = load_selectors(resolve_source().promql)
    var = next(iter(selectors.variables.values()))
    assert selectors.substitute_defaults(f"x[${var.name}] $nope") == f"x[{var.default}] $nope"
