"""A self-contained HTML report of every analysis the data support.

``build_report(tables)`` runs each registered section on the tables it recognises
(by their columns) and returns a :class:`Report`; ``Report.to_html()`` is one HTML
file with the plots embedded as PNG data URIs, so it needs no network to be viewed,
and ``Report.text()`` the plain-text summary. Sections live in
:mod:`servscore.report_sections`, one module per engine, found automatically; each
defines ``ORDER`` (int) and ``build(tables, lang) -> Section | None``.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import html
import importlib
import io
import os
import pkgutil
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from . import __version__
from ._core import ConfigError
from .model import get_language
from .report_labels import display_table, text

# ------------------------------------------------------------------ the report's Chinese texts

#: Chinese texts of the reader's messages that reach the report (why a file was not analysed):
#: (English pattern, Chinese template); file names, encodings and numbers are kept.
ZH_REASONS: list[tuple[str, str]] = [
    (r"the file is empty \(no header line\)", "文件为空（没有标题行）"),
    (r"no records \(a header only\)", "没有记录（只有标题行）"),
    (
        r"cannot decode the file; tried (?P<tried>[^:]+): (?P<fails>.+?); pass encoding=.*",
        "无法解码文件：已尝试 {tried}；{fails}；请用 --encoding 指定编码（如 cp1252、big5、shift_jis、latin-1）",
    ),
    (
        r"starts with a (?P<enc>\S+) byte-order mark but is not \S+ text: byte offset (?P<off>\d+), "
        r"line (?P<line>\d+).*",
        "以 {enc} 字节顺序标记开头，但不是 {enc} 文本：字节偏移 {off}，第 {line} 行；请用 --encoding 指定编码",
    ),
    (
        r"not (?P<enc>\S+) text: byte offset (?P<off>\d+), line (?P<line>\d+).*",
        "不是 {enc} 文本：字节偏移 {off}，第 {line} 行",
    ),
    (r"unknown encoding (?P<enc>.+)", "未知编码 {enc}"),
    (r"cannot split it into columns with sep (?P<sep>'[^']*'|\S+): .*", "无法用分隔符 {sep} 分列"),
    (r"reading \.xlsx needs the optional package openpyxl.*", "读取 .xlsx 需要可选包 openpyxl（pip install openpyxl）"),
    (r"cannot read it as an Excel workbook.*", "无法作为 Excel 工作簿读取（文件损坏？）"),
    (r"no sheet (?:number )?(?P<sheet>\S+).*", "没有工作表 {sheet}"),
    (r"sheet (?P<sheet>.+) is empty", "工作表 {sheet} 为空"),
    (r"reading (?P<fmt>\S+) needs an optional package.*", "读取 {fmt} 需要可选包（pip install pyarrow）"),
    (r"cannot read it as (?P<fmt>\S+) \(corrupt or truncated\?\).*", "无法按 {fmt} 读取（文件损坏或不完整？）"),
    (r"cannot tell the format from .*", "无法从扩展名判断格式；请用 --format 指定"),
    (r"no such file", "文件不存在"),
]
_ZH_FAILURE = re.compile(r"(?P<enc>\S+) fails at byte offset (?P<off>\d+), line (?P<line>\d+)(?: \([^)]*\))?")


def reason_text(why: str, lang: str | None = None) -> str:
    """``why`` (a reader's message: why a file was not analysed) in ``lang``; in Chinese from
    :data:`ZH_REASONS`, an unknown message as "无法读取：" and the message."""
    if (lang or get_language()) != "zh":
        return why
    for pattern, zh in ZH_REASONS:
        m = re.fullmatch(pattern, why.strip(), flags=re.S)
        if m:
            parts = dict(m.groupdict())
            if "fails" in parts:
                parts["fails"] = _ZH_FAILURE.sub(r"\g<enc> 在字节偏移 \g<off>（第 \g<line> 行）处失败", parts["fails"])
            parts = {k: v.replace(", ", "、").replace("; ", "；") for k, v in parts.items()}
            return zh.format(**parts)
    return f"无法读取：{why}"


#: Importance of a finding offered to the executive summary (the rule: docs/report.md).
DETAIL = 0
#: the section's headline figure on all the data, with its interval where it has one
HEADLINE = 1
#: something to act on: a group, item or period clearly or significantly below where it should be
#: (below the rest at p < alpha, outside its zone or control limits, in "concentrate here")
ACTION = 2
#: the executive summary holds at least SUMMARY_MIN and at most SUMMARY_MAX findings (defaults)
SUMMARY_MIN = 3
SUMMARY_MAX = 5


@dataclasses.dataclass(frozen=True)
class Finding:
    """One finding of a section with its importance (:data:`DETAIL`, :data:`HEADLINE`, :data:`ACTION`)."""

    text: str
    importance: int = DETAIL


@dataclasses.dataclass
class Section:
    """One analysis in the report: findings, figures, tables and warnings."""

    key: str
    title: str
    findings: list[str] = dataclasses.field(default_factory=list)
    figures: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (caption, PNG base64)
    tables: list[tuple[str, pd.DataFrame]] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    #: the findings offered to the executive summary, in the order added
    ranked: list[Finding] = dataclasses.field(default_factory=list)

    def add(self, text: str, importance: int = DETAIL) -> None:
        """Add a finding; with ``importance`` HEADLINE or ACTION it is offered to the executive summary."""
        self.findings.append(text)
        if importance > DETAIL:
            self.ranked.append(Finding(text, importance))

    def add_figure(self, fig: Any, caption: str) -> None:
        """Embed a matplotlib figure as PNG (and close it)."""
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(fig)
        self.figures.append((caption, base64.b64encode(buf.getvalue()).decode("ascii")))


def executive_summary(
    sections: list[Section], *, minimum: int = SUMMARY_MIN, maximum: int = SUMMARY_MAX
) -> list[tuple[Section, Finding]]:
    """The findings that matter most across ``sections`` (in report order), by the documented rule:
    each section's first finding of its highest importance, ACTION before HEADLINE, then report
    order; at most ``maximum``; when fewer than ``minimum``, the sections' next offered findings
    (same order) fill up to ``minimum``."""
    if minimum > maximum or minimum < 0:
        raise ConfigError(f"summary: minimum {minimum} and maximum {maximum}; expected 0 <= minimum <= maximum")
    firsts: list[tuple[int, int, Section, Finding]] = []
    rest: list[tuple[int, int, int, Section, Finding]] = []
    for pos, s in enumerate(sections):
        order = sorted(range(len(s.ranked)), key=lambda i: (-s.ranked[i].importance, i))
        for rank, i in enumerate(order):
            f = s.ranked[i]
            if rank == 0:
                firsts.append((-f.importance, pos, s, f))
            else:
                rest.append((-f.importance, rank, pos, s, f))
    chosen = [(s, f) for _, _, s, f in sorted(firsts, key=lambda t: t[:2])][:maximum]
    for _, _, _, s, f in sorted(rest, key=lambda t: t[:3]):
        if len(chosen) >= minimum:
            break
        chosen.append((s, f))
    return chosen


@dataclasses.dataclass
class Report:
    """The sections built from the data, with HTML and text renderings."""

    title: str
    sections: list[Section]
    sources: list[str]
    lang: str = "en"
    #: files not analysed and why (unreadable, empty), shown in a "not analysed" block
    not_analysed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    #: the executive summary: (section, finding), see :func:`executive_summary`
    summary: list[tuple[Section, Finding]] = dataclasses.field(default_factory=list)

    def text(self) -> str:
        """Plain-text summary: the executive summary, then the findings and warnings of every section."""
        lines = [self.title, "=" * len(self.title)]
        sep = "：" if self.lang == "zh" else ": "
        if self.summary:
            head = text("summary", self.lang)
            lines += ["", head, "-" * len(head)]
            lines += [f"* {s.title}{sep}{f.text}" for s, f in self.summary]
        for s in self.sections:
            lines += ["", s.title, "-" * len(s.title)]
            lines += [f"- {f}" for f in s.findings]
            lines += [f"! {w}" for w in s.warnings]
        if not self.sections:
            lines.append(text("nothing_text", self.lang))
        if self.not_analysed:
            head = text("not_analysed", self.lang)
            lines += ["", head, "-" * len(head)]
            lines += [f"! {os.path.basename(f)}{sep}{reason_text(why, self.lang)}" for f, why in self.not_analysed]
        return "\n".join(lines)

    def to_html(self) -> str:
        """One self-contained HTML document (no external resources)."""
        e = html.escape
        lang = self.lang
        sep = "：" if lang == "zh" else ": "
        nav = "".join(f'<li><a href="#{e(s.key)}">{e(s.title)}</a></li>' for s in self.sections)
        body = []
        if self.summary:
            items = "".join(f'<li><a href="#{e(s.key)}">{e(s.title)}</a>{sep}{e(f.text)}</li>' for s, f in self.summary)
            body.append(
                f'<section id="summary" class="analysis summary"><h2>{e(text("summary", lang))}</h2>'
                f'<ol class="findings">{items}</ol><p class="note">{e(text("summary_note", lang))}</p></section>'
            )
        for s in self.sections:
            parts = [f'<section id="{e(s.key)}" class="analysis"><h2>{e(s.title)}</h2>']
            if s.findings:
                parts.append('<ul class="findings">' + "".join(f"<li>{e(f)}</li>" for f in s.findings) + "</ul>")
            if s.warnings:
                parts.append('<ul class="warnings">' + "".join(f"<li>{e(w)}</li>" for w in s.warnings) + "</ul>")
            for caption, png in s.figures:
                parts.append(
                    f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{png}">'
                    f"<figcaption>{e(caption)}</figcaption></figure>"
                )
            for caption, table in s.tables:
                shown = display_table(table, lang)
                parts.append(
                    f'<h3>{e(caption)}</h3><div class="table-wrap">'
                    + shown.to_html(classes="data", border=0, na_rep="–")
                    + "</div>"
                )
            parts.append("</section>")
            body.append("".join(parts))
        if self.not_analysed:
            items = "".join(
                f"<li>{e(os.path.basename(f))}{sep}{e(reason_text(why, lang))}</li>" for f, why in self.not_analysed
            )
            body.append(
                f'<section id="not-analysed" class="analysis"><h2>{e(text("not_analysed", lang))}</h2>'
                f'<ul class="warnings">{items}</ul></section>'
            )
        generated = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        sources = ", ".join(e(os.path.basename(s)) for s in self.sources)
        return f"""<!DOCTYPE html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(self.title)}</title>
<style>
*{{box-sizing:border-box}}
body{{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:0;color:#222;background:#fafafa;overflow-wrap:anywhere}}
header{{background:#23395d;color:#fff;padding:1.2em 2em}} header h1{{margin:0 0 .2em 0}}
nav ul{{list-style:none;padding:0;margin:.5em 0 0 0;display:flex;flex-wrap:wrap;gap:.4em 1em}} nav a{{color:#cfe0ff}}
main{{max-width:1100px;margin:auto;padding:1em 2em}}
section.analysis{{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1em 1.5em;margin:1.2em 0}}
section.summary{{border-left:6px solid #23395d}} section.summary li{{margin:.45em 0}} p.note{{font-size:.8em;color:#666}}
ul.findings li{{margin:.3em 0}} ul.warnings li{{color:#8a4b00}} ul.warnings li::before{{content:"\\26A0  "}}
figure{{display:inline-block;margin:.5em 1em .5em 0;max-width:100%}} figure img{{max-width:100%;height:auto}} figcaption{{font-size:.85em;color:#555}}
.table-wrap{{overflow-x:auto;max-width:100%}}
table.data{{border-collapse:collapse;font-size:.85em}} table.data td,table.data th{{padding:.2em .6em;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}}
footer{{color:#777;font-size:.8em;padding:1em 2em}}
@media (max-width:600px){{header,main,footer{{padding-left:.8em;padding-right:.8em}} section.analysis{{padding:.8em .8em}} ul,ol{{padding-left:1.2em}}}}
</style></head>
<body><header><h1>{e(self.title)}</h1><div>servscore {e(__version__)} &middot; {e(generated)} &middot; {sources}</div>
<nav><ul>{nav}</ul></nav></header>
<main>{"".join(body) or f"<p>{e(text('nothing', lang))}</p>"}</main>
<footer>{e(text("footer", lang))}</footer>
</body></html>
"""

    def save(self, path: str) -> None:
        """Write :meth:`to_html` to ``path`` (UTF-8)."""
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.to_html())


def table_with(tables: Mapping[str, pd.DataFrame], columns: Any) -> tuple[str, pd.DataFrame] | None:
    """The first table (name, frame) holding every one of ``columns``; None when none does.

    The common test of the report sections: a section reports on the first table with its columns."""
    need = [str(c) for c in columns]
    for key, df in tables.items():
        if all(c in df.columns for c in need):
            return key, df
    return None


def _sections() -> list[Any]:
    from . import report_sections

    mods = []
    for m in pkgutil.iter_modules(report_sections.__path__):
        if not m.name.startswith("_"):
            mods.append(importlib.import_module(f"{report_sections.__name__}.{m.name}"))
    return sorted(mods, key=lambda mod: (mod.ORDER, mod.__name__))


def build_report(
    tables: Mapping[str, pd.DataFrame],
    *,
    lang: str | None = None,
    title: str | None = None,
    sources: list[str] | None = None,
    not_analysed: list[tuple[str, str]] | None = None,
    summary_min: int = SUMMARY_MIN,
    summary_max: int = SUMMARY_MAX,
) -> Report:
    """Run every section that recognises one of ``tables`` (name -> DataFrame); ``not_analysed``
    lists files (path, reason) that could not be read. Headers are matched case-insensitively
    (``Weight``) and a date column gives ``month`` / ``quarter`` (:func:`servscore.readers.report_frame`).
    The executive summary holds ``summary_min`` to ``summary_max`` findings (:func:`executive_summary`)."""
    from .readers import report_frame

    tables = {k: report_frame(v)[0] for k, v in tables.items()}
    from .plotting import require_matplotlib, use_language_fonts

    plt = require_matplotlib()
    plt.switch_backend("Agg")
    lang = lang or get_language()
    use_language_fonts(lang)
    sections = []
    for mod in _sections():
        sec = mod.build(dict(tables), lang)
        if sec is not None:
            sections.append(sec)
    summary = executive_summary(sections, minimum=summary_min, maximum=summary_max)
    return Report(
        title or text("title", lang), sections, sources or sorted(tables), lang, list(not_analysed or []), summary
    )
