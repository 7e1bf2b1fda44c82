"""sharpeyes.coverage: fields of view, administrative units, per-unit KPIs, gaps.

Modules (pure functions over (Geo)DataFrames; none opens a database, reads the store or reads a
file — the readers of units, places and roads are in :mod:`sharpeyes.ingest`):

- :mod:`~sharpeyes.coverage.fov` — default fields of view per camera type, sectors
- :mod:`~sharpeyes.coverage.units` — the unit hierarchy and camera assignment
- :mod:`~sharpeyes.coverage.area` — covered area per unit, exact (vector) and fast (raster)
- :mod:`~sharpeyes.coverage.inputs` — cameras, places and roads assigned to units, in one metric CRS
- :mod:`~sharpeyes.coverage.counts` — additive counts of one county partition
- :mod:`~sharpeyes.coverage.kpis` — the programme's figures per unit and point class, from the counts
- :mod:`~sharpeyes.coverage.gaps` — uncovered villages, places, roads and an H3 grid
- :mod:`~sharpeyes.coverage.report` — the Excel/CSV/JSON report
- :mod:`~sharpeyes.coverage.synthetic` — a deterministic synthetic city for tests and benchmarks

Expansion planning is :mod:`sharpeyes.planning`; the metric CRS is :func:`sharpeyes.model.crs.metric_crs`.
"""
