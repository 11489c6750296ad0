"""Jinja2 environment (autoescape, StrictUndefined, French filters) and HTML → PDF (WeasyPrint)."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from . import formatting

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = formatting.number
    env.filters["pct"] = formatting.percent
    env.filters["signed"] = formatting.signed
    env.filters["long_date"] = formatting.long_date
    env.globals["status_label"] = formatting.STATUS_LABELS
    env.globals["css"] = (STATIC / "portrait.css").read_text(encoding="utf-8")
    return env


_ENV: Environment | None = None


def env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV


_TABLE = re.compile(r"<table class=\"data[^\"]*\"[^>]*>.*?</table>", re.S)
_CAPTION = re.compile(r"<caption[^>]*>(.*?)</caption>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def _scrollable_tables(html: str) -> str:
    """Wrap every data table in a focusable, labelled region that scrolls sideways on a phone
    (WCAG: a scrollable region must be reachable with the keyboard)."""

    def wrap(m: re.Match) -> str:
        table = m.group(0)
        cap = _CAPTION.search(table)
        label = _TAGS.sub("", cap.group(1)).strip() if cap else "Tableau"
        label = label.replace('"', "&quot;")
        return f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">{table}</div>'

    return _TABLE.sub(wrap, html)


def render(template: str, **context) -> str:
    return _scrollable_tables(env().get_template(template).render(**context))


PDF_ENGINES = ("typst", "weasyprint")


def pdf_engine() -> str:
    """``PORTRAITS_PDF_ENGINE``: ``typst`` (default, about 40 times faster on a portrait, see
    ``reports.typst_pdf``) or ``weasyprint`` (the CSS paged-media reading of the same HTML)."""
    import os

    engine = os.environ.get("PORTRAITS_PDF_ENGINE", "").strip().lower() or "typst"
    if engine not in PDF_ENGINES:
        raise ValueError(f"PORTRAITS_PDF_ENGINE={engine!r} : moteur PDF inconnu (attendu : {', '.join(PDF_ENGINES)})")
    return engine


def portrait_pdf(html: str, out: Path, base_url: str | Path | None = None, kind: str = "portrait") -> int:
    """A portrait's PDF (``kind``: ``portrait`` or the handout ``essentiel``) from its print HTML,
    with the configured engine; returns the number of pages."""
    if pdf_engine() == "typst":
        from . import typst_pdf

        return typst_pdf.html_to_pdf(html, out, kind)
    return html_to_pdf(html, out, base_url=base_url)


def html_to_pdf(html: str, out: Path, base_url: str | Path | None = None) -> int:
    """Write ``out`` from ``html`` with WeasyPrint (CSS paged media); returns the number of pages."""
    from weasyprint import HTML

    doc = HTML(string=html, base_url=str(base_url) if base_url else None).render()
    doc.write_pdf(out)
    return len(doc.pages)
