"""One template, two layouts: on screen every chart's data table is folded under the chart; in
print (the PDF's input) those tables and the long lists move to a numbered appendix, referenced in
place with their page number."""

from __future__ import annotations

import re

import duckdb
import pytest

from reports.portrait import portrait_context, render_portrait

CHART_TABLES = ["population municipale par année", "population par tranche d'âge en 2022",
                "activité et chômage en 2022", "emplois salariés privés et demandeurs d'emploi",
                "taux de chômage localisé"]


@pytest.fixture(scope="module")
def ctx(published_db):
    with duckdb.connect(str(published_db), read_only=True) as con:
        return portrait_context(con, "clpe", "CLPE44001")


def test_screen_folds_chart_tables_under_their_chart(ctx):
    html = render_portrait(ctx)
    summaries = re.findall(r'<details class="chart-data">\s*<summary>Tableau des valeurs : ([^<]+)</summary>', html)
    assert [s.replace("&#39;", "'") for s in summaries][:5] == CHART_TABLES
    # every chart (not the maps) is followed by its folded table
    charts = html.count('alt="Graphique')
    assert len(summaries) >= charts - 1  # the lycées/CFA chart is shared by two tables
    assert 'id="annexes"' not in html and 'class="appendix-ref"' not in html
    # the folded tables are still in the page, with their values (here: the region's 2022 population)
    assert "3 879 216" in html.replace("\u202f", " ").replace("\xa0", " ")


def test_print_moves_detail_to_a_numbered_appendix(ctx):
    html = render_portrait(ctx, for_print=True)
    assert "<details" not in html
    refs = re.findall(r'<a href="#annexe-(\d+)">annexe A(\d+)</a>', html)
    items = re.findall(r'<div class="appendix-item" id="annexe-(\d+)">\s*<h3>A(\d+)\. ([^<]+)</h3>', html)
    assert refs and [a for a, b in refs] == [b for a, b in refs]
    assert [n for n, _, _ in items] == [a for a, _ in refs] == [str(i) for i in range(1, len(refs) + 1)]
    titles = [t.replace("&#39;", "'") for _, _, t in items]
    assert titles[:5] == [c[:1].upper() + c[1:] for c in CHART_TABLES]
    assert "Les lieux d'accueil, par réseau" in titles
    # the appendix comes after the themes and before the communes and sources pages
    assert html.index('id="annexes"') > html.index('id="ou-s-adresser"')
    assert html.index('id="annexes"') < html.index('id="communes"') < html.index('id="sources"')


def test_screen_and_print_show_the_same_values(ctx):
    """Moving tables does not drop any: every data table of the screen page is in the print one."""
    screen, printed = render_portrait(ctx), render_portrait(ctx, for_print=True)
    caption = re.compile(r"<caption>(.*?)</caption>", re.S)
    assert sorted(caption.findall(screen)) == sorted(caption.findall(printed))


def test_content_fingerprint_follows_what_is_shown(ctx):
    """The reuse key of a portrait: same content, same key; a shown value changes it; the
    retrieval time and the set's description (not shown) are not in the context it hashes."""
    import copy

    from reports.build import content_fingerprint

    base = content_fingerprint(ctx, b"csv")
    assert content_fingerprint(copy.deepcopy(ctx), b"csv") == base
    assert content_fingerprint(ctx, b"csv changed") != base
    shown = copy.deepcopy(ctx)
    shown["key_figures"][0]["value"] = shown["key_figures"][0]["value"] + "1"
    assert content_fingerprint(shown, b"csv") != base
    assert all("retrieved_at" not in s and s["retrieved_label"] for s in ctx["sources"])
    assert all("retrieved_at" not in s for s in ctx["source_by_id"].values())
    assert "description" not in ctx["set"]
