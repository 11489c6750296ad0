"""Rendering reports its progress (issue 15, item 5): n of N, rate, time left, in French."""

from __future__ import annotations

from reports.build import progress_text, render_set


def test_progress_text():
    assert progress_text("clpe", 12, 20, 6.5) == "portraits clpe : 12/20 (60 %), 1,8 par seconde, encore 4 s environ"
    assert progress_text("clpe", 20, 20, 10.0) == "portraits clpe : 20/20 (100 %), 2,0 par seconde"


def test_render_set_reports_every_batch_and_the_end(published_db, tmp_path):
    seen: list[str] = []
    results = render_set(published_db, "clpe", tmp_path, {}, territory_ids=["CLPE53002", "CLPE72003"],
                         workers=1, pdf=False, progress=seen.append, progress_every=0.0)
    assert [r["territory_id"] for r in results] == ["CLPE53002", "CLPE72003"]
    assert [s.split(" (")[0] for s in seen] == ["portraits clpe : 1/2", "portraits clpe : 2/2", "portraits clpe : 2/2"]
    assert seen[-1].startswith("portraits clpe : 2/2 (100 %), ") and "par seconde" in seen[-1]
