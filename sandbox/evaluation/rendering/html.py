"""The report as one self-contained HTML5 page: inline CSS, charts as inline SVG, no script, no network.

Such a page can be mailed, archived beside the signed report and opened offline years later, and it
prints on A4. Every value from the document is escaped with `html.escape` where it is written (a plan's
words come from users); SVG element ids are prefixed per chart so that the four charts' clip paths and
glyphs never collide in one page.
"""

from __future__ import annotations

import re
from html import escape

from sandbox.evaluation.rendering.charts import CHARTS, to_svg
from sandbox.evaluation.rendering.document import (
    Block,
    Bullets,
    Chart,
    Definitions,
    Document,
    Headline,
    Paragraph,
    Section,
    Subheading,
    Table,
    build,
)
from sandbox.evaluation.rendering.labels import label
from sandbox.evaluation.report import ReportContent
from sandbox.i18n import Language

__all__ = ["render_html"]

CSS = """
:root{--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--met:#1a7f37;--not_met:#cf222e;--inconclusive:#9a6700;
--no_data:#6e7781}
*{box-sizing:border-box}
body{font-family:"DejaVu Sans","Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:var(--ink);margin:0;
line-height:1.45;font-size:15px;background:#fff}
header.report,main,footer{max-width:1100px;margin:0 auto;padding:0 24px}
header.report{padding-top:28px;border-bottom:3px solid #0b5394}
header.report .kicker{color:#0b5394;font-weight:bold;text-transform:uppercase;letter-spacing:.04em;margin:0}
h1{font-size:1.7em;margin:.2em 0 .6em}
h3{font-size:1em;margin:1em 0 .3em}
h2{font-size:1.25em;margin:1.8em 0 .6em;padding-bottom:.2em;border-bottom:1px solid var(--line);color:#0b5394}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25em 1.2em;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:.5em 0 1em}
th,td{border:1px solid var(--line);padding:.35em .5em;vertical-align:top;text-align:left}
th{background:#f0f4f8}td.num{text-align:right;white-space:nowrap}
.tone-met,.tone-passed{color:var(--met);font-weight:bold}
.tone-not_met,.tone-failed{color:var(--not_met);font-weight:bold}
.tone-inconclusive{color:var(--inconclusive);font-weight:bold}.tone-no_data{color:var(--no_data);font-weight:bold}
p.decision{font-size:2.3em;font-weight:bold;margin:.2em 0 .4em;padding:.25em .5em;border-left:10px solid}
.decision-roll_out{color:var(--met);border-color:var(--met)}
.decision-extend{color:#0b5394;border-color:#0b5394}
.decision-modify{color:var(--inconclusive);border-color:#d4a72c}
.decision-stop{color:var(--not_met);border-color:var(--not_met)}
p.note{color:var(--muted);font-size:.9em}
ul.warning li{color:#7d4e00}
figure.chart{margin:.5em 0 1em}figure.chart svg{max-width:100%;height:auto;display:block}
footer{margin-top:2.5em;padding:1em 24px 2em;border-top:1px solid var(--line);color:var(--muted);font-size:.85em}
footer dl.facts dd{font-family:"DejaVu Sans Mono",monospace;word-break:break-all}
@media print{body{font-size:11pt}h2{break-after:avoid}figure.chart,table{break-inside:avoid}}
"""


def render_html(content: ReportContent, language: Language = "vi", *, version: int | None = None,
                status: str | None = None, provenance: dict[str, str] | None = None) -> str:
    """The whole report in ``language`` ("vi" or "en"), as a standalone HTML5 document."""
    if language not in ("vi", "en"):
        raise ValueError(f"language must be 'vi' or 'en', got {language!r}")
    document = build(content, language, version=version, status=status, provenance=provenance)
    out = ["<!DOCTYPE html>", f'<html lang="{language}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(document.subtitle)} · {escape(document.title)}</title>",
           f'<meta name="author" content="{escape(label("author", language))}">',
           f"<style>{CSS}</style>", "</head>", "<body>",
           f'<header class="report"><p class="kicker">{escape(document.title)}</p>'
           f"<h1>{escape(document.subtitle)}</h1></header>", "<main>"]
    out += [_section(section, content, document) for section in document.sections]
    out.append("</main>")
    out.append(_footer(document))
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _section(section: Section, content: ReportContent, document: Document) -> str:
    body = "\n".join(_block(block, section, content, document) for block in section.blocks)
    return f'<section id="{escape(section.key)}">\n<h2>{escape(section.title)}</h2>\n{body}\n</section>'


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br>")


def _block(block: Block, section: Section, content: ReportContent, document: Document) -> str:
    if isinstance(block, Definitions):
        return _definitions(block)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Bullets):
        items = "".join(f"<li>{_text(item)}</li>" for item in block.items)
        return f"<ul{_class(block.tone)}>{items}</ul>"
    if isinstance(block, Paragraph):
        return f"<p{_class(block.tone)}>{_text(block.text)}</p>"
    if isinstance(block, Subheading):
        return f"<h3>{_text(block.text)}</h3>"
    if isinstance(block, Headline):
        return f'<p class="decision decision-{escape(block.tone)}">{_text(block.text)}</p>'
    if isinstance(block, Chart):
        svg = to_svg(CHARTS[block.name](content, document.language))
        return f'<figure class="chart chart-{escape(block.name)}">{_inline(svg, block.name, section.title)}</figure>'
    raise TypeError(f"unknown block {block!r}")


def _class(name: str) -> str:
    return f' class="{escape(name)}"' if name else ""


def _definitions(block: Definitions) -> str:
    rows = "".join(f"<dt>{_text(term)}</dt><dd>{_text(value)}</dd>" for term, value in block.items)
    return f'<dl class="facts">{rows}</dl>'


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{_text(cell)}</th>' for cell in table.header)
    body = []
    for row_index, row in enumerate(table.rows):
        cells = []
        for column, cell in enumerate(row):
            classes = ["num"] if column in table.numeric else []
            if column == table.tone_column and row_index < len(table.tones):
                classes.append(f"tone-{table.tones[row_index]}")
            attribute = f' class="{escape(" ".join(classes))}"' if classes else ""
            cells.append(f"<td{attribute}>{_text(cell)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


_IDS = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)  # matplotlib's copies of the drawn text: not needed inline


def _inline(svg: str, prefix: str, title: str) -> str:
    """Prefix every id and reference to it (``id="p1"`` → ``id="map-p1"``) and label the image for readers."""
    svg = _IDS.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", _COMMENTS.sub("", svg))
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)


def _footer(document: Document) -> str:
    author = escape(label("author", document.language))
    if document.provenance is None:
        return f"<footer><p>{author}</p></footer>"
    title = escape(label("s_provenance", document.language))
    return f"<footer><p>{author}</p><h2>{title}</h2>{_definitions(document.provenance)}</footer>"
