"""Each lint rule catches a bad query and lets a correct one pass."""

from __future__ import annotations

import pytest
from n9e_k8s.lint.rules import RULES, RULES_BY_ID
from n9e_k8s.lint.variables import substitute

from .lint_helpers import lint, rules

SEL = 'job="apiserver", cluster=~"$cluster", instance=~"$instance"'
GOOD_LATENCY = f"histogram_quantile($quantile, sum by (le, verb) (rate(apiserver_request_duration_seconds_bucket{{{SEL}}}[$interval])))"

# rule id -> (bad query, expected severity, kwargs), (good query, kwargs)
CASES = {
    "syntax": (("sum(rate(apiserver_request_total[5m])) by", "error", {}), ("sum(up)", {})),
    "undefined-variable": (
        ('sum(rate(apiserver_request_total{verb=~"$verbs"}[$interval]))', "error", {}),
        ('sum(rate(apiserver_request_total{verb=~"$verb"}[$__rate_interval]))', {}),
    ),
    "counter-rate": (
        ('sum(rate(workqueue_depth{job="apiserver"}[5m])) by (name)', "error", {}),
        ('sum(rate(workqueue_adds_total{job="apiserver"}[5m])) by (name)', {}),
    ),
    "counter-raw": (
        ('sum(apiserver_request_total{job="apiserver"}) by (code)', "warning", {}),
        ('sum(increase(apiserver_request_total{job="apiserver"}[1h])) by (code)', {}),
    ),
    "histogram-quantile-le": (
        (
            f"histogram_quantile(0.99, sum by (verb) (rate(apiserver_request_duration_seconds_bucket{{{SEL}}}[5m])))",
            "error",
            {},
        ),
        (GOOD_LATENCY, {}),
    ),
    "histogram-quantile-bucket": (
        (
            "histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_count[5m])))",
            "error",
            {},
        ),
        ("histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket[5m])))", {}),
    ),
    "unknown-label": (
        ('sum(rate(rest_client_requests_total{job="scheduler", verb="GET"}[5m]))', "error", {}),
        ('sum(rate(rest_client_requests_total{job="scheduler", method="GET"}[5m]))', {}),
    ),
    "metric-removed": (
        ('sum(rate(apiserver_dropped_requests_total{job="apiserver"}[5m]))', "error", {}),
        ('sum(rate(apiserver_request_terminations_total{job="apiserver"}[5m]))', {}),
    ),
    "metric-hidden": (
        (
            "histogram_quantile(0.99, sum by (le) (rate(apiserver_request_slo_duration_seconds_bucket[5m])))",
            "error",
            {},
        ),
        (
            "histogram_quantile(0.99, sum by (le) (rate(apiserver_request_sli_duration_seconds_bucket[5m])))",
            {},
        ),
    ),
    "metric-deprecated": (
        ('sum by (resource) (apiserver_storage_objects{job="apiserver"})', "warning", {}),
        ('sum by (resource) (apiserver_resource_objects{job="apiserver"})', {}),
    ),
    "regex-in-equality": (
        ('sum(rate(apiserver_request_total{verb="GET|LIST"}[5m]))', "warning", {}),
        ('sum(rate(apiserver_request_total{verb=~"GET|LIST"}[5m]))', {}),
    ),
    "missing-range": (
        ("sum(rate(apiserver_request_total))", "error", {}),
        ("sum(rate(apiserver_request_total[5m]))", {}),
    ),
    "unit-mismatch": (
        (
            'sum(rate(apiserver_request_total{code=~"5.."}[5m])) / sum(rate(apiserver_request_total[5m]))',
            "error",
            {"unit": "milliseconds"},
        ),
        (
            'sum(rate(apiserver_request_total{code=~"5.."}[5m])) / sum(rate(apiserver_request_total[5m]))',
            {"unit": "percentUnit"},
        ),
    ),
    "unknown-metric": (
        ("sum(rate(my_app_requests_total[5m]))", "info", {}),
        ("sum(rate(apiserver_request_total[5m]))", {}),
    ),
    "missing-dollar": (
        ('sum(rate(apiserver_request_total{verb=~"verb"}[$interval])) by (verb)', "error", {}),
        ('sum(rate(apiserver_request_total{verb=~"$verb"}[$interval])) by (verb)', {}),
    ),
    "impossible-value": (
        ('sum(apiserver_current_inflight_requests{request_kind="readonly"})', "error", {}),
        ('sum(apiserver_current_inflight_requests{request_kind="readOnly"})', {}),
    ),
    "foreign-job": (
        ('sum by (name) (workqueue_depth{job="ack-kube-controller-manager"})', "warning", {}),
        ('sum by (name) (workqueue_depth{job="controller-manager"})', {}),
    ),
    "top-level-range": (
        ("apiserver_current_inflight_requests[5m]", "error", {}),
        ("max_over_time(apiserver_current_inflight_requests[5m])", {}),
    ),
}


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES_BY_ID)
    assert len(RULES) == len(RULES_BY_ID)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_bad_query_is_caught(rule_id):
    (bad, severity, kw), _ = CASES[rule_id]
    found = {(f.rule, f.severity) for f in lint(bad, **kw)}
    assert (rule_id, severity) in found, found


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_good_query_passes(rule_id):
    _, (good, kw) = CASES[rule_id]
    findings = [f for f in lint(good, **kw)]
    assert not [f for f in findings if f.rule == rule_id], findings
    assert not [f for f in findings if f.severity == "error"], findings


def test_rules_have_ids_severities_and_descriptions():
    for rule in RULES:
        assert rule.id and rule.description and rule.severity in ("error", "warning", "info")


# --- finer points ------------------------------------------------------------------------------


def test_missing_range_is_not_also_a_syntax_error():
    assert rules("rate(apiserver_request_total)") == {("missing-range", "error")}
    assert ("missing-range", "error") in rules("avg_over_time(apiserver_current_inflight_requests)")


def test_metric_lifecycle_depends_on_target_version():
    q = 'sum by (resource) (apiserver_storage_objects{job="apiserver"})'
    assert ("metric-deprecated", "warning") not in rules(q, version="1.33")
    assert ("metric-deprecated", "warning") in rules(q, version="1.36")
    q = "histogram_quantile(0.9, sum by (le) (rate(scheduler_pod_scheduling_duration_seconds_bucket[5m])))"
    assert ("metric-deprecated", "warning") in rules(q, version="1.29")
    assert ("metric-hidden", "error") in rules(q, version="1.30")
    assert ("metric-removed", "error") in rules(q, version="1.33")
    assert ("metric-removed", "error") in rules("apiserver_resource_objects", version="1.33")  # added in 1.34


def test_unknown_label_after_aggregation_and_renamed_label():
    findings = lint(
        "histogram_quantile(0.9, sum(rate(rest_client_request_duration_seconds_bucket[5m])) by (url, verb, le))"
    )
    [f] = [f for f in findings if f.rule == "unknown-label"]
    assert f.severity == "error" and "'url'" in f.message and "1.24" in f.message
    # an outer aggregation over labels the inner one kept is fine
    assert not rules("sum by (verb) (sum by (verb, code) (rate(apiserver_request_total[5m])))")
    # ... but not over labels it dropped
    assert ("unknown-label", "error") in rules(
        "sum by (code) (sum by (verb) (rate(apiserver_request_total[5m])))"
    )
    # label_replace makes the label set unknown: no finding
    assert not rules(
        'sum by (x) (label_replace(rate(apiserver_request_total[5m]), "x", "$1", "verb", "(.*)"))'
    )


def test_unknown_label_matcher_that_matches_empty_is_a_warning():
    assert rules('sum(rate(apiserver_request_total{foo=~".*"}[5m]))') == {("unknown-label", "warning")}
    assert rules('sum(rate(apiserver_request_total{foo!="x"}[5m]))') == {("unknown-label", "warning")}


def test_label_check_uses_the_labels_of_the_target_version():
    q = 'sum by (type) (rate(etcd_request_duration_seconds_count{job="apiserver"}[5m]))'
    assert not rules(q, version="1.33")
    assert ("unknown-label", "error") in rules(q, version="1.34")


def test_up_carries_any_target_label():
    assert not rules('up{job="apiserver", source="kubelet"}')


def test_counter_raw_allowed_contexts():
    assert not rules('absent(up{job="apiserver"}) or absent(apiserver_request_total)')
    assert not rules("count(apiserver_request_total)")
    assert not rules("rate(apiserver_request_total[5m:1m])")
    assert ("counter-raw", "warning") in rules("apiserver_request_total > 0")
    assert ("counter-raw", "warning") in rules(
        "apiserver_request_duration_seconds_sum / apiserver_request_duration_seconds_count"
    )
    assert not rules(
        "rate(apiserver_request_duration_seconds_sum[5m]) / rate(apiserver_request_duration_seconds_count[5m])",
        unit="seconds",
    )


def test_counter_rate_by_name_for_unknown_metrics():
    assert rules("rate(my_queue_size_bytes[5m])") == {("counter-rate", "warning")}
    assert not rules("rate(node_vmstat_pgfault[5m])")  # node_exporter counters without _total


def test_unit_checks():
    latency = "histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket[5m])))"
    assert not rules(latency, unit="seconds")
    assert ("unit-mismatch", "error") in rules(latency, unit="milliseconds")  # no x1000
    assert not rules(latency + " * 1000", unit="milliseconds")
    assert ("unit-mismatch", "error") in rules(latency, unit="percent")
    cpu = "rate(process_cpu_seconds_total[5m])"
    assert not rules(cpu, unit="percentUnit")
    assert ("unit-mismatch", "error") in rules(cpu, unit="percent")
    assert not rules(cpu + " * 100", unit="percent")
    net = "rate(container_network_receive_bytes_total[5m])"
    assert ("unit-mismatch", "error") in rules(net, unit="bytesIEC")
    assert not rules(net, unit="bytesSecIEC")
    assert not rules("process_resident_memory_bytes", unit="bytesIEC")
    assert not rules("time() - process_start_time_seconds", unit="seconds")
    assert ("unit-mismatch", "error") in rules("process_start_time_seconds", unit="seconds")
    # a histogram named *_time_seconds measures durations (its buckets), not a timestamp
    rtt = "histogram_quantile(0.99, sum by (le) (rate(etcd_network_peer_round_trip_time_seconds_bucket[5m])))"
    assert not rules(rtt, unit="seconds")
    assert ("unit-mismatch", "error") in rules(rtt, unit="dateTimeAsIso")
    assert not rules("sum(rate(apiserver_request_total[5m]))", unit="reqps")
    assert not rules("sum(rate(apiserver_request_total[5m]))", unit="none")


def test_lint_ignore_switches_a_rule_off():
    q = 'sum(rate(workqueue_depth{job="apiserver"}[5m]))'
    assert rules(q, ignore={"counter-rate": "deliberate"}) == set()


def test_finding_location():
    [f] = [
        f for f in lint("rate(x)", file="promql/a.yaml", line=7, query_id="a.b") if f.rule == "missing-range"
    ]
    assert f.location() == "promql/a.yaml:7" and f.query_id == "a.b"
    assert f.to_dict()["rule"] == "missing-range"


@pytest.mark.parametrize(
    ("expr", "kinds", "text"),
    [
        ("rate(x[$interval])", {"interval": "duration"}, "rate(x[11277965s])"),
        ("rate(x[${__rate_interval}])", {}, "rate(x[11277965s])"),
        ("rate(x[[[interval]]])", {}, "rate(x[11277965s])"),
        ("topk($n, x)", {"n": "number"}, "topk(1001, x)"),
        ('x{instance=~"$instance"}', {"instance": "label"}, 'x{instance=~"$instance"}'),
        ("sum by ($groupby) (x)", {"groupby": "label"}, "sum by (n9e_k8s_var_groupby_1) (x)"),
        ("x{job=$job}", {"job": "label"}, 'x{job="n9e_k8s_var_job_1"}'),
        ('label_replace(x, "a", "$1", "b", "(.*)")', {}, 'label_replace(x, "a", "$1", "b", "(.*)")'),
    ],
)
def test_variable_substitution(expr, kinds, text):
    assert substitute(expr, kinds).text == text


def test_substitution_records_undefined_variables_in_strings():
    sub = substitute('x{a=~"$nope"}[$interval]', {"interval": "duration"})
    assert sub.undefined == ["nope"]


def test_missing_dollar_in_a_range_is_named_not_only_a_syntax_error():
    found = rules("sum(rate(apiserver_request_total[interval]))")
    assert ("missing-dollar", "error") in found and ("syntax", "error") in found
    assert ("missing-dollar", "error") not in rules("sum(rate(apiserver_request_total[5m]))")


def test_missing_dollar_leaves_real_values_that_look_like_variable_names_alone():
    q = 'sum(rate(apiserver_request_sli_duration_seconds_count{scope="cluster"}[5m]))'
    assert ("missing-dollar", "error") not in rules(q)
    assert ("missing-dollar", "error") in rules(
        'sum(rate(apiserver_request_total{resource=~"resource"}[5m]))'
    )


def test_impossible_value_handles_regexes_and_variables():
    assert ("impossible-value", "error") in rules('sum(rate(apiserver_request_total{verb=~"get|list"}[5m]))')
    assert ("impossible-value", "error") not in rules(
        'sum(rate(apiserver_request_total{verb=~"GET|LIST"}[5m]))'
    )
    assert ("impossible-value", "error") not in rules('sum(rate(apiserver_request_total{verb=~"$verb"}[5m]))')
    # negative matchers always leave something to select
    assert ("impossible-value", "error") not in rules('sum(rate(apiserver_request_total{verb!~"nope"}[5m]))')


def test_foreign_job_follows_the_selector_configuration():
    assert ("foreign-job", "warning") in rules(
        'sum(rate(rest_client_requests_total{job="ack-scheduler"}[5m]))'
    )
    assert ("foreign-job", "warning") not in rules(
        'sum(rate(rest_client_requests_total{job=~"sched.*"}[5m]))'
    )
    # metrics of other exporters are not ours to judge
    assert ("foreign-job", "warning") not in rules('sum(rate(my_app_requests_total{job="web"}[5m]))')


def test_rule_cases_lint_against_the_fixture_registry():
    """Not the built-in promql/metrics.yaml: editing it must not change what these cases prove."""
    from .lint_helpers import FIXTURE_REGISTRY, context

    assert context().registry.file == FIXTURE_REGISTRY / "metrics.yaml"
    assert context(live=True).registry.file != context().registry.file
