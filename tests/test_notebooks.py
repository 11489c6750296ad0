"""The analysts' notebooks (notebooks/*.ipynb) run end to end on the published database of the
session build, and are stored without outputs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
EXPECTED = {"01_explorer_indicateurs.ipynb", "02_comparer_deux_territoires.ipynb", "03_carte_annuaire.ipynb"}
SKIP_DIRS = {".venv", "var", "output", ".git", ".ipynb_checkpoints", "node_modules", ".pytest_cache"}


def repo_notebooks() -> list[Path]:
    return sorted(p for p in REPO.rglob("*.ipynb") if not SKIP_DIRS & set(p.relative_to(REPO).parts))


def test_notebooks_are_stored_without_outputs():
    found = repo_notebooks()
    assert {p.name for p in found if p.parent == NOTEBOOKS} >= EXPECTED
    for path in found:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [], f"{path.name} cell {i}: stored outputs (clear them)"
                assert cell.get("execution_count") is None, f"{path.name} cell {i}: execution count"


def run_notebook(name: str, db: Path):
    """Execute ``notebooks/<name>`` in a fresh kernel with ``PORTRAITS_DB=db``; returns the
    executed notebook and the text of all its outputs."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(REPO)}})
    env = dict(os.environ, PORTRAITS_DB=str(db), MPLBACKEND="module://matplotlib_inline.backend_inline")
    client.execute(env=env)  # raises CellExecutionError on the first failing cell
    texts, images = [], 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            assert out.output_type != "error", (name, out.get("ename"), out.get("evalue"))
            if out.output_type == "stream":
                texts.append(out.text)
            elif "data" in out:
                texts += [out.data.get("text/plain", ""), out.data.get("text/html", "")]
                images += "image/png" in out.data
    return nb, "\n".join(texts), images


@pytest.fixture()
def published(built) -> Path:
    return built / "output" / "portraits.duckdb"


def test_explorer_indicateurs(published):
    with duckdb.connect(str(published), read_only=True) as con:
        n_indicators = con.execute("select count(*) from indicators.catalog").fetchone()[0]
        statuses = [r[0] for r in con.execute("select distinct status from indicators.observation").fetchall()]
    _, text, images = run_notebook("01_explorer_indicateurs.ipynb", published)
    assert f"{n_indicators} indicateurs" in text and "population_variation_annuelle_longue" in text
    for status in statuses:
        assert f"statut {status} :" in text
    assert "Population 2022 de la région Pays de la Loire : 3 879 216 habitants" in text
    assert "Somme des 20 territoires locaux : 3 879 216 habitants" in text
    assert "Loire-Atlantique Centre" in text and "683 981" in text  # largest CLPE territory
    assert images == 1


def test_comparer_deux_territoires(published):
    _, text, images = run_notebook("02_comparer_deux_territoires.ipynb", published)
    assert "Territoire A : CLPE44001 Loire-Atlantique Centre" in text
    assert "Territoire B : CLPE53002 Mayenne Nord" in text
    # official populations 2022, sums of the communes of each territory
    assert "Population 2022 : Loire-Atlantique Centre 683 981 habitants ; Mayenne Nord 117 487 habitants" in text
    # 689 456 / 587 522 and 117 142 / 121 791 (2023 vs 2010)
    assert "Indice 2023 (base 100 en 2010) : Loire-Atlantique Centre 117,3 ; Mayenne Nord 96,2" in text
    assert "2015-2020" in text and "2010-2023" in text
    assert images == 1


def test_carte_annuaire_on_the_published_database(published):
    with duckdb.connect(str(published), read_only=True) as con:
        has_directory = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'directory' "
            "and table_name = 'reception_point'").fetchone()[0] > 0
    _, text, images = run_notebook("03_carte_annuaire.ipynb", published)
    if has_directory:
        assert "La table directory.reception_point est présente" in text
        assert "lieux d'accueil géolocalisés" in text and images == 1
    else:
        assert "La table directory.reception_point n'existe pas encore dans cette base" in text
        assert "20 territoires locaux, 1 228 communes de la région et 5 hors région" in text
        assert "Sarthe Nord" in text and "186" in text and images == 0


def test_carte_annuaire_with_a_directory(published, tmp_path):
    db = tmp_path / "portraits.duckdb"
    shutil.copyfile(published, db)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists directory")
        con.execute("""create or replace table directory.reception_point as select * from (values
            ('uai:0440001A', 'CIO de Nantes', 'cio', 47.218, -1.553),
            ('ft:44001', 'France Travail Nantes', 'france_travail', 47.21, -1.56),
            ('dila:1', 'Mission locale Angers', 'mission_locale', 47.47, -0.55),
            ('dila:2', 'Mission locale Laval', 'mission_locale', 48.07, -0.77),
            ('dila:3', 'Mission locale Le Mans', 'mission_locale', 48.0, 0.2),
            ('dila:4', 'Sans coordonnées', 'cio', null, null)
        ) t(id, name, network, latitude, longitude)""")
    _, text, images = run_notebook("03_carte_annuaire.ipynb", db)
    assert "La table directory.reception_point est présente" in text
    assert "5 lieux d'accueil géolocalisés, 3 réseaux" in text and "mission_locale : 3" in text
    assert images == 1
