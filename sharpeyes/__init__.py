"""sharpeyes: one record per camera, the programme's figures per unit, the gaps, the network and the nightly health check of a city's public-security video network."""

from sharpeyes._errors import (
    AnalysisError,
    ConfigError,
    InputError,
    RefusedInput,
    SharpeyesError,
    StoreError,
    StreamError,
)

__version__ = "0.1.0"

__all__ = [
    "AnalysisError",
    "ConfigError",
    "InputError",
    "RefusedInput",
    "SharpeyesError",
    "StoreError",
    "StreamError",
    "__version__",
]
