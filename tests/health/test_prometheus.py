"""The nightly job's text file is valid Prometheus text that node_exporter's collector reads back."""

from __future__ import annotations

import math

from prometheus_client.parser import text_string_to_metric_families

from sharpeyes.health.nightly import prometheus_text


def test_text_file_parses_back_with_its_labels_and_values() -> None:
    summary = {
        "online_rate": 0.9,
        "intact_rate": None,
        "intact": 7,
        "offline": 1,
        "not_probed": 12,
        "faults": {"black": 2, 'odd "quoted"\nfault': 1},
        "reasons": {"timeout": 1},
        "duration_s": 3.5,
    }
    text = prometheus_text(summary, run_id=4, night="2026-12-01")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    night = ("night", "2026-12-01")
    assert samples[("sharpeyes_health_online_rate", (night,))] == 0.9
    assert math.isnan(samples[("sharpeyes_health_intact_rate", (night,))])
    assert samples[("sharpeyes_health_cameras", (night, ("verdict", "ok")))] == 7
    assert samples[("sharpeyes_health_cameras", (night, ("verdict", "offline")))] == 1
    assert samples[("sharpeyes_health_not_probed", (night,))] == 12
    assert samples[("sharpeyes_health_faults", (("fault", 'odd "quoted"\nfault'), night))] == 1
    assert samples[("sharpeyes_health_run_id", (night,))] == 4
    assert not any(name == "sharpeyes_health_max_camera_s" for name, _ in samples)


def test_without_a_night_the_metrics_have_no_labels() -> None:
    text = prometheus_text({"online_rate": 1.0})
    assert "sharpeyes_health_online_rate 1.0" in text.splitlines()
