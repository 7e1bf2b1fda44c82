"""One router per resource; each is thin over :mod:`sharpeyes.jobs` (the service layer) and calls
no store method itself."""
