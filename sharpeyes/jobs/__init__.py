"""Jobs: the service layer between the store and the analyses.

A job reads frames from a :class:`~sharpeyes.store.Store`, calls the pure analyses
(:mod:`sharpeyes.ingest`, :mod:`sharpeyes.coverage`, :mod:`sharpeyes.network`, :mod:`sharpeyes.health`)
and writes results back. The CLI, the API and ``sharpeyes demo`` call jobs; analyses never see the store.
"""
