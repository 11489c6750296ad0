"""The Typst path of the PDFs (reports.typst_pdf): text from the data is never Typst code, links
and ids cannot break out, appendix references get their page number, and the page furniture
(running header, "Page n / N") is there."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from reports import typst_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")

NASTY = '"]) #panic("boom") \\ [*gras*] $x$ <label> @ref // commentaire /* ouvert'

PAGE = f"""<!DOCTYPE html><html lang="fr"><head><title>t</title><style>p {{}}</style></head><body>
<header class="running">Pays de « test » {NASTY}</header>
<main>
<h1 id="titre">{NASTY.replace("<", "&lt;").replace(">", "&gt;")}</h1>
<p>Voir <a href="#annexe-1">annexe A1</a> et <a href='https://example.org/a?b="c"&amp;d=)#panic("x")'>un lien</a>,
<a href="javascript:alert(1)">pas un lien</a>, <a href="#inexistant">cible absente</a>.</p>
<h2 id='x&gt; &lt;y'>Titre à id bizarre</h2>
<table class="data"><caption>Tableau {NASTY.replace("<", "&lt;")}</caption>
<thead><tr><th scope="col">A</th><th scope="col" class="n">B</th></tr></thead>
<tbody><tr><td>ligne "1"</td><td class="n">1 234,5</td></tr></tbody></table>
<section class="appendix"><h2 id="annexes">Annexe</h2>
<div class="appendix-item" id="annexe-1"><h3>A1. Détail</h3><p>contenu</p></div></section>
</main></body></html>"""


def test_text_stays_text_and_references_get_pages(tmp_path):
    out = tmp_path / "t.pdf"
    pages = typst_pdf.html_to_pdf(PAGE, out)
    assert pages == 2  # the appendix starts a page
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert '#panic("boom")' in flat and "[*gras*] $x$" in flat and "// commentaire /* ouvert" in flat
    assert "annexe A1, page 2" in flat  # the reference carries the appendix's page
    assert "Page 1 / 2" in flat and "Portrait de territoire" in flat  # footer and running header
    assert "Pays de « test »" in flat
    assert 'ligne "1"' in flat and "1 234,5" in flat


def test_every_data_text_is_a_string_literal(tmp_path):
    import re

    source = typst_pdf.to_typst(PAGE, tmp_path)
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', source)  # the source without its string literals
    assert "panic" not in code and "gras" not in code and "commentaire" not in code
    assert 'link("javascript' not in source and "<inexistant>" not in source
    assert "<x> <y>" not in source  # an id that is not a valid label gets no label


def test_the_engine_is_a_setting(tmp_path, monkeypatch):
    from reports import render

    monkeypatch.setenv("PORTRAITS_PDF_ENGINE", "weasyprint")
    assert render.portrait_pdf(PAGE, tmp_path / "w.pdf") >= 1  # the CSS paged-media path still works
    text = subprocess.run(["pdftotext", str(tmp_path / "w.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Titre à id bizarre" in text
    monkeypatch.setenv("PORTRAITS_PDF_ENGINE", "latex")
    with pytest.raises(ValueError, match="moteur PDF inconnu"):
        render.portrait_pdf(PAGE, tmp_path / "x.pdf")
