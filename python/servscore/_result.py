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


def values_equal(a: Any, b: Any) -> bool:
    """Equality by value for result fields: tables and arrays element-wise with NaN equal to
    NaN (and the same labels and dtypes), containers recursively, other values with ``==``."""
    if a is b:
        return True
    if isinstance(a, (pd.DataFrame, pd.Series, pd.Index)) or isinstance(b, (pd.DataFrame, pd.Series, pd.Index)):
        return type(a) is type(b) and bool(a.equals(b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        try:
            return bool(np.array_equal(a, b, equal_nan=True))
        except TypeError:  # object arrays: element-wise
            return all(values_equal(x, y) for x, y in zip(a.ravel().tolist(), b.ravel().tolist()))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b) and not isinstance(a, type):
        return a == b
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # an object whose == is element-wise or refuses
        return False


class Summary:
    """A printable report of a result: ``.text`` (plain text, also ``str()`` and ``repr``),
    ``.html`` (also ``_repr_html_`` for Jupyter), the headline ``lines`` and the ``sections``
    (heading, table) it shows. ``"word" in summary`` searches the text.

    Every result's ``summary()`` returns one.
    """

    def __init__(
        self,
        title: str,
        lines: list[str],
        table: pd.DataFrame | None = None,
        *,
        sections: list[tuple[str, pd.DataFrame]] | None = None,
        float_format: str = ".4g",
    ) -> None:
        self.title = title
        self.lines = list(lines)
        self.sections: list[tuple[str, pd.DataFrame]] = []
        if table is not None:
            self.sections.append(("", table))
        self.sections += list(sections or [])
        fmt = float_format

        def ff(v: float) -> str:
            return format(v, fmt)

        parts = [title, *("  " + s for s in self.lines)]
        with pd.option_context("display.width", 160, "display.max_columns", 30, "display.max_rows", 200):
            for heading, frame in self.sections:
                parts.append("")
                if heading:
                    parts.append(heading)
                parts.append(frame.to_string(float_format=ff))
        self.text = "\n".join(parts)
        blocks = [f"<strong>{html.escape(title)}</strong>"]
        if self.lines:
            blocks.append("<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in self.lines) + "</ul>")
        for heading, frame in self.sections:
            if heading:
                blocks.append(f"<h4>{html.escape(heading)}</h4>")
            blocks.append(frame.to_html(float_format=ff, na_rep="", max_rows=60))
        self.html = "<div>" + "".join(blocks) + "</div>"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and text in self.text

    def _repr_html_(self) -> str:
        return self.html


@dataclasses.dataclass(frozen=True, repr=False)
class Result:
    """Common protocol of result objects: ``to_frame``, ``to_dict``, ``repr``, ``_repr_html_``.

    Results compare by value (``a == b``): the same type and every field equal, tables and
    arrays element-wise with NaN equal to NaN.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # put the value equality in the subclass itself, so that @dataclass does not replace it
        # with its field-tuple comparison (which asks a DataFrame for a truth value)
        if "__eq__" not in cls.__dict__:
            cls.__eq__ = Result.__eq__  # type: ignore[method-assign]

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return all(values_equal(getattr(self, f.name), getattr(other, f.name)) for f in dataclasses.fields(self))

    __hash__ = None  # type: ignore[assignment]

    def to_frame(self) -> pd.DataFrame:
        """The main table of the result."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python data (DataFrames as {row: {column: value}})."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def _summary_lines(self) -> list[str]:
        return []

    def summary(self) -> Summary:
        """A report of the result: its headline lines and main table, as text (``str()``,
        ``.text``) and HTML (``.html``, shown by Jupyter)."""
        return Summary(type(self).__name__, self._summary_lines(), self.to_frame())

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
