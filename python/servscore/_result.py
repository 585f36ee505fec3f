"""Base of the small result objects every area returns.

A result is a frozen dataclass whose main table is ``to_frame()``; ``to_dict()``
gives plain Python data (JSON-serialisable); ``repr`` is a readable text summary
and ``_repr_html_`` a compact HTML table for Jupyter. Areas subclass it and
override ``to_frame`` and ``_summary_lines``.
"""

from __future__ import annotations

import dataclasses
import html
import math
from typing import Any

import numpy as np
import pandas as pd


def _plain(x: Any) -> Any:
    """Convert numpy / pandas values into JSON-friendly Python values."""
    if isinstance(x, pd.DataFrame):
        return {str(k): _plain(v) for k, v in x.to_dict(orient="index").items()}
    if isinstance(x, pd.Series):
        return {str(k): _plain(v) for k, v in x.to_dict().items()}
    if isinstance(x, np.ndarray):
        return [_plain(v) for v in x.tolist()]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and math.isnan(x):
        return None
    if x is pd.NA or x is pd.NaT:
        return None
    if hasattr(x, "to_dict") and not isinstance(x, type):
        return x.to_dict()
    return x


@dataclasses.dataclass(frozen=True, repr=False)
class Result:
    """Common protocol of result objects: ``to_frame``, ``to_dict``, ``repr``, ``_repr_html_``."""

    def to_frame(self) -> pd.DataFrame:
        """The main table of the result."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python data (DataFrames as {row: {column: value}})."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def _summary_lines(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        lines = [type(self).__name__ + ":"] + ["  " + s for s in self._summary_lines()]
        frame = self.to_frame()
        with pd.option_context("display.max_columns", 12, "display.width", 120, "display.max_rows", 20):
            lines.append(frame.to_string(max_rows=20))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<li>{html.escape(s)}</li>" for s in self._summary_lines())
        table = self.to_frame().to_html(max_rows=30, float_format=lambda v: f"{v:.4g}")
        return f"<div><strong>{html.escape(type(self).__name__)}</strong><ul>{head}</ul>{table}</div>"
