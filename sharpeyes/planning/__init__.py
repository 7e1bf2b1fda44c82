"""sharpeyes.planning: expansion planning — where the next N cameras close the most coverage gaps.

Modules (pure functions over frames and arrays, except :mod:`~sharpeyes.planning.io`):

- :mod:`~sharpeyes.planning.plans` — plain and city plans, :class:`~sharpeyes.planning.plans.PlanResult`
- :mod:`~sharpeyes.planning.model` — :class:`~sharpeyes.planning.model.MaximalCoverage`, built
  ``from_coverage_matrix`` / ``from_cost_matrix`` / ``from_geodataframe`` and ``solve``-d
- :mod:`~sharpeyes.planning.heuristics` — lazy greedy and swap local search
- :mod:`~sharpeyes.planning.exact` — the HiGHS integer program, its LP relaxation, upper bounds
- :mod:`~sharpeyes.planning.matrix` — coverage matrices (radius, distances, fields of view)
- :mod:`~sharpeyes.planning.demand` — the demand items of a city plan and coverage figures
- :mod:`~sharpeyes.planning.candidates` — candidate sites: generated, defaults, duplicates
- :mod:`~sharpeyes.planning.io` — the plain files: demand and candidate readers, plan writers and the
  curve plot (the edge: the job and the command use it, the analyses never import it)
"""
