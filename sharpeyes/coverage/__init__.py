"""sharpeyes.coverage: fields of view, administrative units, per-unit KPIs, gaps.

Modules (pure functions over (Geo)DataFrames; none opens a database or reads the store):

- :mod:`~sharpeyes.coverage.fov` — default fields of view per camera type, sectors
- :mod:`~sharpeyes.coverage.units` — reading units, hierarchy, repair, sibling checks, camera assignment
- :mod:`~sharpeyes.coverage.area` — covered area per unit, exact (vector) and fast (raster)
- :mod:`~sharpeyes.coverage.kpis` — the programme's figures per unit and point class, by county partition
- :mod:`~sharpeyes.coverage.places` — key places and key roads from files
- :mod:`~sharpeyes.coverage.gaps` — uncovered villages, places, roads and an H3 grid
- :mod:`~sharpeyes.coverage.report` — the Excel/CSV/JSON report
- :mod:`~sharpeyes.coverage.synthetic` — a deterministic synthetic city for tests and benchmarks

Expansion planning is :mod:`sharpeyes.planning`; the metric CRS is :func:`sharpeyes.model.crs.metric_crs`.
"""
