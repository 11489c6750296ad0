"""Editions and « Ce qui a changé » (issue 16): every publication is an edition, its database
archived for the next ones; each portrait compares the territory with the previous edition.

The unit tests change a copy of the real published database the way a new edition would (a revised
population, a commune moved, a reception point gone); the last test runs the real refresh of the
directory family on a mirror where one real France services row is missing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from portraits import editions

from .pipeline_helpers import run_build


@pytest.fixture()
def two_dbs(published_db, tmp_path):
    """(new, old): ``new`` is a copy of the real database where CLPE44002's latest population is
    100 higher, Châteaubriant (44036) left the territory, its first reception point is gone and
    the BMO vintage changed."""
    new = tmp_path / "new.duckdb"
    shutil.copy(published_db, new)
    with duckdb.connect(str(new)) as con:
        period = con.execute("select max(period) from indicators.observation where indicator_id = 'population' "
                             "and set_id = 'clpe'").fetchone()[0]
        con.execute("update indicators.observation set value = value + 100 where set_id = 'clpe' and "
                    "territory_id = 'CLPE44002' and indicator_id = 'population' and period = ?", [period])
        point = con.execute("select rt.id, p.name from directory.reception_point_territory rt "
                            "join directory.reception_point p using (id) where rt.set_id = 'clpe' "
                            "and rt.territory_id = 'CLPE44002' order by rt.id limit 1").fetchone()
        con.execute("delete from directory.reception_point_territory where id = ?", [point[0]])
        con.execute("delete from ref.territory_commune where set_id = 'clpe' and territory_id = 'CLPE44002' "
                    "and commune_code = '44036'")
        con.execute("update meta.source set vintage = vintage || ' (révisé)' where source_id = 'bmo_2024'")
    return new, published_db, period, point


def test_changes_list_what_moved(two_dbs):
    new, old, period, point = two_dbs
    with duckdb.connect(str(new), read_only=True) as n, duckdb.connect(str(old), read_only=True) as o:
        before = o.execute("select value from indicators.observation where set_id = 'clpe' and territory_id = "
                           "'CLPE44002' and indicator_id = 'population' and period = ?", [period]).fetchone()[0]
        c = editions.territory_changes(n, o, "clpe", "CLPE44002", ["bmo_2024", "cog_communes_2026"])
        same = editions.territory_changes(n, o, "clpe", "CLPE44001", ["cog_communes_2026"])
        first = editions.territory_changes(n, None, "clpe", "CLPE44002", [])
    assert not c["first"] and not c["nothing"]
    pop = next(f for f in c["figures"] if f["indicator_id"] == "population")
    assert (pop["kind"], pop["old_value"], pop["new_value"], pop["new_period"]) == ("revised", before, before + 100, period)
    assert [s["source_id"] for s in c["sources"]] == ["bmo_2024"]
    assert c["communes_removed"] == [{"code": "44036", "label": "Châteaubriant"}] and c["communes_added"] == []
    assert c["points_closed"] == [{"id": point[0], "name": point[1]}] and c["points_opened"] == []
    # another territory: nothing moved (the BMO vintage is not among the sources it was given)
    assert same["nothing"]
    assert first == {"first": True, "reason": "première édition"}


def test_portrait_block_in_french(two_dbs):
    from reports.portrait import portrait_context, render_portrait

    new, old, _period, point = two_dbs
    with duckdb.connect(str(new), read_only=True) as n, duckdb.connect(str(old), read_only=True) as o:
        ctx = portrait_context(n, "clpe", "CLPE44002")
        ctx["changes"] = editions.territory_changes(n, o, "clpe", "CLPE44002", [s["source_id"] for s in ctx["sources"]])
    html = render_portrait(ctx)
    block = html[html.index('class="changes"'):]
    block = block[:block.index("</div>")]
    assert "Ce qui a changé depuis l'édition du" in block
    assert "Commune retirée du territoire : Châteaubriant (44036)" in block
    assert "(valeur révisée)" in block and "Nouveau millésime" in block
    assert point[1].replace("'", "&#39;") in block


def test_archives_and_edition_tables(published_db, tmp_path):
    """A previous output (published before editions: no meta.edition) is archived under
    editions/; meta.edition lists both, meta.edition_source their datasets."""
    previous = tmp_path / "output"
    previous.mkdir()
    shutil.copy(published_db, previous / "portraits.duckdb")
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(published_db, build / "portraits.duckdb")
    archived = editions.archive_previous(previous, build)
    assert archived == ["avant-editions-test"]
    assert (build / "editions/avant-editions-test/portraits.duckdb").is_file()
    with duckdb.connect(str(build / "portraits.duckdb")) as con:
        n = editions.record_editions(con, build, "20261202T000000Z-nouvelle", "nouvelle", "2026-12-02T00:00:00+00:00",
                                     archived)
        listed = editions.edition_list(con)
        n_sources = con.execute("select count(*) from meta.source").fetchone()[0]
        per_edition = dict(con.execute("select edition_id, count(*) from meta.edition_source group by 1").fetchall())
    assert n == 2
    assert [e["edition_id"] for e in listed] == ["20261202T000000Z-nouvelle", "avant-editions-test"]
    assert listed[0]["current"] and listed[0]["previous"] == "avant-editions-test"
    assert listed[0]["changed_sources"] == []  # same files
    assert listed[1]["database"] == "editions/avant-editions-test/portraits.duckdb"
    assert per_edition == {"20261202T000000Z-nouvelle": n_sources, "avant-editions-test": n_sources}
    # the next build archives this one and the one it carried, newest first, within the limit
    nxt = tmp_path / "next"
    nxt.mkdir()
    assert editions.archive_previous(build, nxt) == ["20261202T000000Z-nouvelle", "avant-editions-test"]
    assert editions.archive_previous(build, tmp_path / "limited", kept=1) == ["20261202T000000Z-nouvelle"]


def test_refresh_with_a_changed_source_shows_what_changed(built, mirror, tmp_path):
    """The directory family refreshed from a mirror where one real France services row (id_fs 257,
    Riaillé) is missing: a new edition, listed with the previous one in the catalogue; the portrait
    of the territory that held the point says it left the directory, since the previous edition."""
    project = tmp_path / "project"
    shutil.copytree(built / "var", project / "var")
    shutil.copytree(built / "output.editions", project / "output.editions", symlinks=True)
    (project / "output").symlink_to(Path("output.editions") / (built / "output").resolve().name)
    changed = tmp_path / "mirror"
    changed.mkdir()
    for entry in mirror.iterdir():
        if entry.name != "france_services":
            (changed / entry.name).symlink_to(entry)
    (changed / "france_services").mkdir()
    src = mirror / "france_services" / "liste-fs-20240801_pdl.csv"
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith('"257",')]
    assert len(kept) == len(lines) - 1
    (changed / "france_services" / src.name).write_text("".join(kept), encoding="utf-8")
    (changed / "france_services" / "SOURCE.md").symlink_to(mirror / "france_services" / "SOURCE.md")

    with duckdb.connect(str(project / "output" / "portraits.duckdb"), read_only=True) as con:
        before = con.execute("select edition_id from meta.edition where is_current").fetchone()[0]
        name, tid = con.execute(
            """select p.name, rt.territory_id from directory.reception_point p
               join directory.reception_point_territory rt using (id)
               where rt.set_id = 'clpe' and p.id = 'fs:257'""").fetchone()
    result = run_build(project, changed, job="refresh_annuaire")
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    out = project / "output"
    with duckdb.connect(str(out / "portraits.duckdb"), read_only=True) as con:
        rows = con.execute("select edition_id, is_current, previous_edition_id from meta.edition "
                           "order by published_at desc").fetchall()
    assert rows[0][1] and rows[0][2] == before and any(r[0] == before and not r[1] for r in rows)
    assert (out / "editions" / before / "portraits.duckdb").is_file()
    catalogue = out / "index.html"
    text = catalogue.read_text(encoding="utf-8")
    editions_section = text[text.index('id="editions"'):]
    assert editions_section.count("<tr>") >= 3  # header + 2 editions
    assert "France services" in editions_section and "fichier mis à jour" in editions_section
    portrait = (out / "portraits" / "clpe" / tid / "portrait.html").read_text(encoding="utf-8")
    block = portrait[portrait.index('class="changes"'):]
    block = re.sub(r"\s+", " ", block[:block.index("</div>")])
    assert "Ce qui a changé depuis l'édition du" in block
    assert "fermé ou retiré de l'annuaire" in block and name.replace("'", "&#39;") in block
