"""Small frame helpers shared by the readers and the analyses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["obj_array"]


def obj_array(values: Any) -> NDArray[np.object_]:
    """A column as a numpy object array with ``None`` for every missing value (NA, NaN, None)."""
    out = np.array(pd.Series(values).to_numpy(dtype=object), dtype=object, copy=True)
    out[pd.isna(out)] = None
    return out
