"""Camera health (视频质量诊断): frame analysis, stream probing, the nightly run's pure parts.

* :mod:`~sharpeyes.health.detectors` — one pure measure per fault over BGR frames;
* :mod:`~sharpeyes.health.views` — the view compared with its reference: scene change, moved;
* :mod:`~sharpeyes.health.verdict` — :class:`HealthConfig` (every threshold) and measures → faults;
* :mod:`~sharpeyes.health.probe` — RTSP / HTTP(S) MJPEG / file reading under a hard deadline;
* :mod:`~sharpeyes.health.nightly` — check one camera, summarise a run, Prometheus text;
* :mod:`~sharpeyes.health.synthetic` and :mod:`~sharpeyes.health.evaluation` — faults applied to
  real footage, the labelled evaluation.

This package never imports the store: :mod:`sharpeyes.jobs.health` wires store ↔ these functions.
"""

from sharpeyes.health.nightly import check_camera, offline_streak, prometheus_text, summarize_run
from sharpeyes.health.probe import ProbeResult, grab_frames, probe_stream
from sharpeyes.health.verdict import (
    DEFAULT_CONFIG,
    FAULT_NAMES,
    HealthConfig,
    PictureReport,
    analyse_frames,
    faults_from_measures,
    measure_frames,
)

__all__ = [
    "DEFAULT_CONFIG",
    "FAULT_NAMES",
    "HealthConfig",
    "PictureReport",
    "ProbeResult",
    "analyse_frames",
    "check_camera",
    "faults_from_measures",
    "grab_frames",
    "measure_frames",
    "offline_streak",
    "probe_stream",
    "prometheus_text",
    "summarize_run",
]
