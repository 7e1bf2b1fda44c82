"""One router per resource; each is thin over :mod:`sharpeyes.jobs` and the store."""
