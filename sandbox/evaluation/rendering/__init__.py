"""The evaluation report drawn for people: a self-contained HTML page and an A4 PDF, with charts and a map.

Pure with respect to the database and the web: it reads a `ReportContent` and returns text or bytes.
``document.py`` lays the report out once in the chosen language; ``html.py`` and ``pdf.py`` draw that
layout; ``charts.py`` and ``maps.py`` draw the figures with matplotlib (no display, no tiles, no network).
"""

from sandbox.evaluation.rendering.html import render_html
from sandbox.evaluation.rendering.pdf import render_pdf

__all__ = ["render_html", "render_pdf"]
