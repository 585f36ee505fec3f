"""Sections of the HTML report, one module per engine, found automatically.

Each module defines ``ORDER`` (position in the report) and
``build(tables: dict[str, DataFrame], lang: str) -> Section | None``: it picks the
table(s) it recognises by their columns and returns ``None`` when there is none.
"""
