"""Gather what one portrait shows, from the published database (read-only connection).

``portrait_context(con, set_id, territory_id)`` returns a plain dict for the Jinja template: the
common part (territory, comparison areas, EPCI and communes, sources) and one entry per section
(``reports/sections``). The comparison areas are the territory's département(s) (those of its
communes in the region) and the region, read from the ``departement`` and ``region`` sets.
"""

from __future__ import annotations

from .formatting import long_date, short_label
from .sections import sections
from .sections.common import rows
from .sections.observations import Observations

MAX_KEY_FIGURES = 8
KEY_FIGURES_PER_SECTION = 2


def comparison_areas(con, set_id: str, territory_id: str) -> list[dict]:
    """The territory itself, then its département(s), then the region."""
    t = rows(con, "select * from ref.territory where set_id = ? and territory_id = ?", (set_id, territory_id))
    if not t:
        raise KeyError(f"no territory {territory_id!r} in set {set_id!r}")
    # labels of the comparison areas head table columns and chart legends: shortened if very long
    areas = [{"set_id": set_id, "territory_id": territory_id, "label": short_label(t[0]["label"]),
              "full_label": t[0]["label"], "role": "territoire"}]
    deps = [d for d in (t[0]["departements"] or "").split("|") if d]
    if set_id != "departement":
        for dep in deps:
            label = con.execute("select label from ref.departement where departement_code = ?", [dep]).fetchone()
            areas.append({"set_id": "departement", "territory_id": dep,
                          "label": label[0] if label else dep, "role": "departement"})
    if set_id != "region":
        for code, label in con.execute("select region_code, label from ref.region").fetchall():
            areas.append({"set_id": "region", "territory_id": code, "label": label, "role": "region"})
    return areas


def base_context(con, set_id: str, territory_id: str) -> dict:
    territory = rows(con, "select * from ref.territory where set_id = ? and territory_id = ?",
                     (set_id, territory_id))[0]
    # only what the portrait shows or uses (the description, for the catalogue, is left out: the
    # context is the portrait's reuse key, see reports.build.content_fingerprint)
    set_row = rows(con, "select set_id, label, source_id from ref.territory_set where set_id = ?", (set_id,))[0]
    epcis = rows(
        con,
        """select e.epci_siren, e.label, e.epci_type, e.n_communes as n_total,
                  count(*) as n_in_territory
           from ref.territory_commune tc join ref.commune c using (commune_code)
           join ref.epci e on e.epci_siren = c.epci_siren
           where tc.set_id = ? and tc.territory_id = ?
           group by all order by n_in_territory desc, e.label""",
        (set_id, territory_id),
    )
    communes = rows(
        con,
        """select c.commune_code, coalesce(c.label, c.commune_code) as label, c.departement_code,
                  c.in_region, p.value as population, p.period
           from ref.territory_commune tc join ref.commune c using (commune_code)
           left join indicators.observation p
             on p.set_id = 'commune' and p.territory_id = c.commune_code
            and p.indicator_id = 'population'
            and p.period = (select max(period) from indicators.observation
                            where indicator_id = 'population' and set_id = 'commune')
           where tc.set_id = ? and tc.territory_id = ?
           order by p.value desc nulls last, label""",
        (set_id, territory_id),
    )
    areas = comparison_areas(con, set_id, territory_id)
    return {
        "set": set_row,
        "territory": territory,
        "areas": areas,
        "departements": [a for a in areas if a["role"] == "departement"],
        "epcis": epcis,
        "communes": communes,
        "pop_year": communes[0]["period"] if communes and communes[0]["period"] else "",
    }


def _most_common(values: list) -> str:
    """The value shared by most sources (stated once on the sources page), ties broken by value."""
    counts: dict = {}
    for v in values:
        if v:
            counts[v] = counts.get(v, 0) + 1
    return min(counts, key=lambda v: (-counts[v], v)) if counts else ""


def portrait_context(con, set_id: str, territory_id: str, *, build: dict | None = None) -> dict:
    ctx = base_context(con, set_id, territory_id)
    all_sources = {r["source_id"]: r for r in rows(con, "select * from meta.source")}
    for s in all_sources.values():
        # the page shows the retrieval date, not the time (which changes with every build)
        retrieved_at = s.pop("retrieved_at")
        s["retrieved_label"] = long_date(retrieved_at) if retrieved_at else ""
    ctx["source_by_id"] = all_sources
    built = []
    # the one reader of the areas' observations, for every section; not part of the context (the
    # context is the portrait's reuse key)
    ctx["observations"] = Observations(con, ctx["areas"])
    try:
        for module in sections():
            section = module.context(con, ctx)
            if section:
                built.append(section)
    finally:
        del ctx["observations"]
    ctx["sections"] = built
    # Cover: up to KEY_FIGURES_PER_SECTION figures from each section, in section order, so that
    # every theme is represented on the first page.
    # The remaining places (up to MAX_KEY_FIGURES) go to the next figures, still in section order.
    candidates = [(i, j, kf) for i, s in enumerate(built) for j, kf in enumerate(s.get("key_figures", []))]
    chosen = [c for c in candidates if c[1] < KEY_FIGURES_PER_SECTION][:MAX_KEY_FIGURES]
    chosen += [c for c in candidates if c[1] >= KEY_FIGURES_PER_SECTION][:MAX_KEY_FIGURES - len(chosen)]
    ctx["key_figures"] = [kf for _i, _j, kf in sorted(chosen, key=lambda c: (c[0], c[1]))]
    used = ["cog_communes_2026", "cog_epci_2026", ctx["set"]["source_id"]]
    for s in built:
        used.extend(s.get("source_ids", []))
    seen = []
    for sid in used:
        if sid in all_sources and sid not in seen:
            seen.append(sid)
    ctx["sources"] = [all_sources[s] for s in seen]
    ctx["sources_common"] = {key: _most_common([s[field] for s in ctx["sources"]])
                             for key, field in (("retrieved", "retrieved_label"), ("origin", "origin"),
                                                ("licence", "licence"))}
    ctx["build"] = build or {}
    # Render mode (see the ``detail`` macro): screen by default; ``render_portrait`` sets print.
    ctx["doc"] = {"print": False, "appendix": []}
    return ctx


def render_portrait(ctx: dict, *, for_print: bool = False) -> str:
    """The portrait's HTML from one template: for the screen (chart data tables folded under
    their chart) or for print, the PDF's input (detail tables and lists moved to a numbered
    appendix, referenced in place with their page number)."""
    from . import render

    return render.render("portrait.html.j2", **dict(ctx, doc={"print": for_print, "appendix": []}))


ESSENTIEL_PAGES = 4


def render_essentiel(ctx: dict, *, dense: int = 0) -> str:
    """« L'essentiel »: the 4-page handout's HTML (print only), from the portrait's context.
    ``dense`` 1 and 2 drop the least needed rows when a territory's tables would not fit."""
    from . import render

    return render.render("essentiel.html.j2", **dict(ctx, dense=dense))
