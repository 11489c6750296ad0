"""Bad input in a coordinator's definition: labels with HTML, quotes and very long text are
escaped and wrapped, never executed; a territory of one small commune still gets a complete
portrait (HTML and PDF) where missing and secret values are spelled out."""

from __future__ import annotations

import re
import shutil
import subprocess

import duckdb
import pytest

from reports import render
from reports.formatting import short_label
from reports.portrait import portrait_context, render_portrait

HOSTILE = '<script>alert("x")</script> Pays d\'<b>Ancenis</b> & "Loire"'
LONG = "Territoire " + "extraordinairementlongsansespace" * 6 + " et encore des mots " * 8


@pytest.fixture(scope="module")
def small(tmp_path_factory, warehouse_db, mirror):
    """A working database with a custom set: one hostile label on the region's smallest commune,
    one very long label on the next smallest."""
    from portraits import stages, warehouse
    from portraits.territories import check_file

    root = tmp_path_factory.mktemp("bad_labels")
    work = root / "work.duckdb"
    shutil.copyfile(warehouse_db, work)
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        smallest = [r[0] for r in con.execute(
            """select territory_id from indicators.observation
               where set_id = 'commune' and indicator_id = 'population' and period = '2022'
               order by value, territory_id limit 2""").fetchall()]
    definition = root / "etiquettes.csv"
    rows = ["territory_id;label;epci_siren;commune_code",
            f'hostile;"{HOSTILE.replace(chr(34), chr(34) * 2)}";;{smallest[0]}',
            f"long;{LONG};;{smallest[1]}"]
    definition.write_text("\n".join(rows) + "\n", encoding="utf-8")
    d = check_file(definition, mirror_dir=mirror)
    with warehouse.connect(work) as con:
        stages.build_territories(con, extra_sets=[d])
        stages.build_directory(con)
        stages.build_indicators(con)
    published = root / "portraits.duckdb"
    warehouse.stage_published(work, published, build_id="test", started_at=warehouse.now())
    return {"db": published, "communes": smallest, "root": root}


def test_html_in_a_label_is_escaped(small):
    with duckdb.connect(str(small["db"]), read_only=True) as con:
        ctx = portrait_context(con, "etiquettes", "hostile")
    for html in (render_portrait(ctx), render_portrait(ctx, for_print=True)):
        assert "<script>" not in html and "<b>Ancenis" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        assert "Pays d&#39;&lt;b&gt;Ancenis&lt;/b&gt; &amp; &#34;Loire&#34;" in html


def test_single_small_commune_portrait_is_complete(small):
    with duckdb.connect(str(small["db"]), read_only=True) as con:
        ctx = portrait_context(con, "etiquettes", "hostile")
        pop = con.execute("select value from indicators.observation where set_id = 'commune' and "
                          "territory_id = ? and indicator_id = 'population' and period = '2022'",
                          [small["communes"][0]]).fetchone()[0]
        own = con.execute("select value from indicators.observation where set_id = 'etiquettes' and "
                          "territory_id = 'hostile' and indicator_id = 'population' and period = '2022'"
                          ).fetchone()[0]
    assert own == pop  # the territory is that commune
    html = render_portrait(ctx)
    assert [s["id"] for s in ctx["sections"]] == ["territoire", "population", "emploi", "formation", "ou-s-adresser"]
    # a small commune has secret or unpublished figures: they are written out, never 0
    assert "secret statistique" in html or "non disponible" in html
    assert "Aucun lieu d'accueil" in html or "lieu d'accueil" in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_very_long_label_wraps_in_the_pdf(small):
    with duckdb.connect(str(small["db"]), read_only=True) as con:
        ctx = portrait_context(con, "etiquettes", "long")
    html = render_portrait(ctx)
    full = " ".join(LONG.split())
    title = re.search(r'<h1 id="titre">(.*?)</h1>', html, re.S).group(1)
    assert " ".join(title.split()) == full  # the title keeps the whole name
    # table headers and chart legends get a shortened name, the CSV the full one
    assert f'<th scope="col" class="n">{short_label(LONG)}</th>' in html and short_label(LONG).endswith("…")
    pdf = small["root"] / "long.pdf"
    pages = render.portrait_pdf(render_portrait(ctx, for_print=True), pdf)
    assert pages >= 2
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "extraordinairementlong" in text
    # nothing runs off the page: at this font size an A4 line holds well under 200 characters
    assert max(len(line) for line in text.splitlines()) < 200


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
@pytest.mark.parametrize("tid", ["hostile", "long"])
def test_typst_pdfs_print_labels_as_text_and_the_handout_stays_4_pages(small, tid):
    """The Typst path: a label with markup, quotes, '#', '[' or a 200-character word is text in
    both PDFs (never Typst code), and « L'essentiel » still fits its 4 pages."""
    from reports.build import essentiel_pdf
    from reports.typst_pdf import to_typst

    with duckdb.connect(str(small["db"]), read_only=True) as con:
        ctx = portrait_context(con, "etiquettes", tid)
    ctx["build"] = {"build_id": "test", "date_label": "3 décembre 2026"}
    out = small["root"] / f"{tid}-essentiel.pdf"
    assert essentiel_pdf(ctx, out) == 4
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    if tid == "hostile":
        assert '<script>alert("x")</script>' in text
        source = to_typst(render_portrait(ctx, for_print=True), small["root"])
        # the label reaches the Typst source only inside a string literal
        assert '#"<script>alert(\\"x\\")</script>' in source
    else:
        assert "extraordinairementlong" in text
