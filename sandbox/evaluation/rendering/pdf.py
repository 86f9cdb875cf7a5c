"""The report as an A4 PDF (reportlab): the HTML's sections, tables as tables, charts as 150 dpi images.

The text is set in DejaVu Sans, embedded from the copy matplotlib ships: the PDF base fonts (Helvetica…)
have no "ệ", "ạ" or "đ", and the charts are drawn in the same face, so page and figures match. The file is
deterministic for the same input (reportlab's ``invariant`` mode fixes the dates and document id), so a
signed report's PDF can be regenerated and compared byte for byte.
"""

from __future__ import annotations

import functools
import io
from html import escape
from pathlib import Path

import matplotlib
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, ListFlowable, ListItem, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Paragraph as Para
from reportlab.platypus import Table as Grid

from sandbox.evaluation.rendering.charts import CHARTS, to_png
from sandbox.evaluation.rendering.document import (
    Block,
    Bullets,
    Chart,
    Definitions,
    Document,
    Headline,
    Paragraph,
    Subheading,
    Table,
    build,
)
from sandbox.evaluation.rendering.labels import label
from sandbox.evaluation.report import ReportContent
from sandbox.i18n import Language

__all__ = ["FONT", "FONT_BOLD", "register_fonts", "render_pdf"]

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN
MAX_CHART_HEIGHT = A4[1] - 2 * MARGIN - 40 * mm
CHART_DPI = 150
BLUE, GREY, LINE = colors.HexColor("#0b5394"), colors.HexColor("#57606a"), colors.HexColor("#c8d1da")
TONES = {"met": "#1a7f37", "passed": "#1a7f37", "roll_out": "#1a7f37", "not_met": "#cf222e", "failed": "#cf222e",
         "stop": "#cf222e", "inconclusive": "#9a6700", "modify": "#9a6700", "no_data": "#6e7781",
         "extend": "#0b5394", "warning": "#7d4e00", "note": "#57606a"}


CELL_FONT = [("FONTNAME", (0, 0), (-1, -1), FONT)]  # a table's own default is Helvetica, even around paragraphs


@functools.cache
def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) from matplotlib's data as a reportlab font family."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11.5)
    return {
        "body": base,
        "cell": ParagraphStyle("cell", base, fontSize=7, leading=8.8),
        "number": ParagraphStyle("number", base, fontSize=7, leading=8.8, alignment=2),
        "head": ParagraphStyle("head", base, fontName=FONT_BOLD, fontSize=7, leading=8.8),
        "term": ParagraphStyle("term", base, textColor=GREY),
        "kicker": ParagraphStyle("kicker", base, fontName=FONT_BOLD, textColor=BLUE, fontSize=9),
        "h1": ParagraphStyle("h1", base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=6),
        "h2": ParagraphStyle("h2", base, fontName=FONT_BOLD, fontSize=12, leading=15, textColor=BLUE,
                             spaceBefore=10, spaceAfter=4, keepWithNext=1),
        "h3": ParagraphStyle("h3", base, fontName=FONT_BOLD, fontSize=9, leading=12, spaceBefore=4, spaceAfter=2,
                             keepWithNext=1),
        "decision": ParagraphStyle("decision", base, fontName=FONT_BOLD, fontSize=22, leading=28, spaceAfter=6),
        "note": ParagraphStyle("note", base, fontSize=7.5, leading=9.5, textColor=GREY, spaceAfter=4),
    }


def render_pdf(content: ReportContent, language: Language = "vi", *, version: int | None = None,
               status: str | None = None, provenance: dict[str, str] | None = None) -> bytes:
    """The whole report in ``language`` ("vi" or "en") as A4 PDF bytes, the same for the same input."""
    if language not in ("vi", "en"):
        raise ValueError(f"language must be 'vi' or 'en', got {language!r}")
    register_fonts()
    document = build(content, language, version=version, status=status, provenance=provenance)
    styles = _styles()
    story: list[Flowable] = [Para(_markup(document.title), styles["kicker"]),
                             Para(_markup(document.subtitle), styles["h1"])]
    for section in document.sections:
        story.append(Para(_markup(section.title), styles["h2"]))
        story += [flowable for block in section.blocks for flowable in _block(block, content, document, styles)]
    if document.provenance is not None:
        story += [Para(_markup(label("s_provenance", language)), styles["h2"]),
                  *_definitions(document.provenance, styles)]
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 4 * mm, title=f"{document.title}: {document.subtitle}",
                            author=label("author", language), subject=document.title, creator="sandbox",
                            lang=language, invariant=True, initialFontName=FONT)
    footer = f"{content.trial.reference} · {label('author', language)} · {label('page', language)} "

    def decorate(canvas: Canvas, template: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, MARGIN - 2 * mm, f"{footer}{template.page}")
        canvas.restoreState()

    pdf.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _markup(text: str, tone: str = "", bold: bool = False) -> str:
    """Text as reportlab paragraph markup: escaped, line breaks kept, coloured by tone."""
    body = escape(text).replace("\n", "<br/>")
    if bold:
        body = f"<b>{body}</b>"
    return f'<font color="{TONES[tone]}">{body}</font>' if tone in TONES else body


def _block(block: Block, content: ReportContent, document: Document,
           styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if isinstance(block, Definitions):
        return _definitions(block, styles)
    if isinstance(block, Table):
        return [_table(block, styles), Spacer(1, 4)]
    if isinstance(block, Bullets):
        items = [ListItem(Para(_markup(item, block.tone), styles["body"]), leftIndent=10) for item in block.items]
        return [ListFlowable(items, bulletType="bullet", bulletFontName=FONT, bulletFontSize=8.5, start="•",
                             leftIndent=10, bulletOffsetY=-1)]
    if isinstance(block, Paragraph):
        return [Para(_markup(block.text, block.tone), styles["note" if block.tone else "body"])]
    if isinstance(block, Headline):
        return [Para(_markup(block.text, block.tone), styles["decision"])]
    if isinstance(block, Subheading):
        return [Para(_markup(block.text), styles["h3"])]
    if isinstance(block, Chart):
        return [_chart(block.name, content, document.language), Spacer(1, 6)]
    raise TypeError(f"unknown block {block!r}")


def _definitions(block: Definitions, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    rows = [[Para(_markup(term), styles["term"]), Para(_markup(value), styles["body"])] for term, value in block.items]
    grid = Grid(rows, colWidths=[0.3 * WIDTH, 0.7 * WIDTH], hAlign="LEFT")
    grid.setStyle(TableStyle([*CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return [grid, Spacer(1, 4)]


def _table(table: Table, styles: dict[str, ParagraphStyle]) -> Grid:
    """A grid with the header repeated on each page; numbers never wrap, text columns give way."""
    widths = _column_widths(table)
    rows: list[list[Flowable]] = [[Para(_markup(cell), styles["head"]) for cell in table.header]]
    for index, row in enumerate(table.rows):
        tone = table.tones[index] if index < len(table.tones) else ""
        rows.append([Para(_markup(cell, tone if column == table.tone_column else "", column == table.tone_column),
                          styles["number" if column in table.numeric else "cell"])
                     for column, cell in enumerate(row)])
    grid = Grid(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    grid.setStyle(TableStyle([*CELL_FONT, ("GRID", (0, 0), (-1, -1), 0.4, LINE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f4f8")),
                              ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                              ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return grid


def _column_widths(table: Table) -> list[float]:
    """Each column as wide as its longest line; if the page is too narrow, text columns shrink towards their
    longest word (numbers and their units keep a line); if it is wider, text columns share the rest."""
    padding = 7.0

    def width(text: str, font: str = FONT) -> float:
        return pdfmetrics.stringWidth(text, font, 7) + padding

    natural, least = [], []
    for column, title in enumerate(table.header):
        font = FONT_BOLD if column == table.tone_column else FONT
        lines = [line for row in table.rows if column < len(row) for line in row[column].split("\n")]
        heads = title.split("\n")
        natural.append(max([width(line, font) for line in lines] + [width(line, FONT_BOLD) for line in heads]))
        head_words = [width(w, FONT_BOLD) for line in heads for w in line.split(" ")]  # not at a no-break space
        if column in table.numeric:
            least.append(max([width(line, font) for line in lines] + head_words))
        else:
            least.append(max([width(w, font) for line in lines for w in line.split(" ")] + head_words))
    text_columns = [c for c in range(len(natural)) if c not in table.numeric] or list(range(len(natural)))
    if sum(natural) <= WIDTH:
        spare = (WIDTH - sum(natural)) / len(text_columns)
        return [w + (spare if c in text_columns else 0.0) for c, w in enumerate(natural)]
    if sum(least) >= WIDTH:
        return [w * WIDTH / sum(least) for w in least]
    give = [n - m for n, m in zip(natural, least, strict=True)]
    share = (sum(natural) - WIDTH) / sum(give)
    return [n - g * share for n, g in zip(natural, give, strict=True)]


def _chart(name: str, content: ReportContent, language: Language) -> Image:
    figure = CHARTS[name](content, language)
    width_in, height_in = figure.get_size_inches()
    png = to_png(figure, CHART_DPI)
    width = WIDTH
    height = width * height_in / width_in
    if height > MAX_CHART_HEIGHT:  # a tall forest plot of many KPIs still fits a page
        width, height = width * MAX_CHART_HEIGHT / height, MAX_CHART_HEIGHT
    return Image(io.BytesIO(png), width=width, height=height, hAlign="LEFT")
