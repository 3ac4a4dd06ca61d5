"""The array and column types every module of the sample generator uses."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["BoolArray", "Columns", "DateArray", "FloatArray", "GeomArray", "IntArray"]

GeomArray = npt.NDArray[np.object_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DateArray = npt.NDArray[np.datetime64]
Columns = dict[str, Any]
"""Column name -> values, the attributes of one generated layer."""
