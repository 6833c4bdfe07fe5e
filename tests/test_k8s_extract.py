"""lab/k8s-metrics/extract.py reads metric definitions out of Go source (no network, no Go)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab" / "k8s-metrics"))
import extract
from gosrc import UNRESOLVED, Module

METRICS_GO = """package metrics

import (
	"fmt"

	"k8s.io/component-base/metrics"
	"example.com/mod/pkg/names"
)

const (
	namespace = "apiserver"
	subsystem = "watch"
)

var labels = []string{"group", "resource", "version"}

var (
	events = metrics.NewCounterVec(
		&metrics.CounterOpts{
			Namespace:      namespace,
			Subsystem:      subsystem + "_x",
			Name:           "events_total",
			Help:           `raw "help"`, // a comment, with a comma
			StabilityLevel: metrics.BETA,
		},
		labels,
	)
	size = metrics.NewGauge(&metrics.GaugeOpts{Name: names.Size, DeprecatedVersion: "1.33.0"})
	opts = &metrics.HistogramOpts{Subsystem: "scheduler", Name: "latency_seconds", StabilityLevel: metrics.STABLE}
	latency = metrics.NewHistogramVec(opts, []string{"result", names.Profile})
	desc = metrics.NewDesc(metrics.BuildFQName(namespace, "", "storage_size_bytes"), "h", []string{"id"}, nil, metrics.ALPHA, "")
)

func collect(ch chan<- metrics.Metric) { ch <- metrics.NewLazyConstMetric(desc, metrics.GaugeValue, 1) }

func named(prefix string) *metrics.CounterVec {
	return metrics.NewCounterVec(&metrics.CounterOpts{Name: fmt.Sprintf("%s_total", prefix)}, nil)
}
"""
NAMES_GO = """package names

const (
	Size    = "queue_size"
	Profile = "profile"
)
"""


@pytest.fixture
def facts(tmp_path: Path) -> dict[str, dict]:
    (tmp_path / "pkg" / "names").mkdir(parents=True)
    (tmp_path / "pkg" / "metrics").mkdir()
    (tmp_path / "pkg" / "names" / "names.go").write_text(NAMES_GO)
    go = tmp_path / "pkg" / "metrics" / "metrics.go"
    go.write_text(METRICS_GO)
    found = extract.extract_file(Module("example.com/mod", "v0.1.0", tmp_path), go)
    return {d["name"] if d["name"] is not UNRESOLVED else "?": d for d in found}


def test_names_types_labels_and_stability(facts):
    ev = facts["apiserver_watch_x_events_total"]
    assert (ev["type"], ev["labels"], ev["stability"], ev["deprecated"]) == (
        "counter", ["group", "resource", "version"], "BETA", "",
    )  # fmt: skip
    assert ev["file"] == "example.com/mod@v0.1.0/pkg/metrics/metrics.go:19"
    assert facts["queue_size"]["type"] == "gauge"
    assert facts["queue_size"]["labels"] == []
    assert facts["queue_size"]["deprecated"] == "1.33.0"
    assert facts["queue_size"]["stability"] == "ALPHA"  # the component-base default


def test_opts_through_a_variable_and_an_imported_constant(facts):
    lat = facts["scheduler_latency_seconds"]
    assert (lat["type"], lat["labels"], lat["stability"]) == ("histogram", ["result", "profile"], "STABLE")


def test_custom_collector_desc(facts):
    d = facts["apiserver_storage_size_bytes"]
    assert (d["type"], d["labels"], d["stability"]) == ("gauge", ["id"], "ALPHA")


def test_a_name_computed_from_a_parameter_is_unresolved(facts):
    assert "?" in facts


def test_spans_merge_equal_minors_and_split_on_change():
    fact = {"type": "counter", "labels": ["kind"], "stability": "ALPHA", "deprecated": None}
    per = {
        "1.28": fact | {"file": "k8s.io/apiserver@v0.28.15/pkg/m.go:10"},
        "1.29": fact | {"file": "k8s.io/apiserver@v0.29.15/pkg/m.go:12"},
        "1.30": fact | {"labels": ["resource"], "file": "k8s.io/apiserver@v0.30.14/pkg/m.go:12"},
        "1.31": None,
    }
    spans = extract.spans(per)
    assert [(s["since"], s["until"], s["labels"], s["file"]) for s in spans] == [
        ("1.28", "1.29", ["kind"], "pkg/m.go:12"),
        ("1.30", "1.30", ["resource"], "pkg/m.go:12"),
    ]
