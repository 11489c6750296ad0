"""Population and households: municipal population series, age structure, components of change,
households and families, housing, activity and unemployment (census definition), jobs at place of
work, income (communes only), and the RP2018 figures mapped to the 2026 communes.

Sources (raw tables, long format ``commune_code, variable, value, status``):

* ``raw.population_historique`` (municipal populations 2010-2022, 2026 geography) and
  ``raw.cog_communes_2026`` (legal population 2023): the ``population`` series;
* ``raw.census_dossier_complet_2022`` (RP2022, 2026 geography): the 7 age bands, households and
  families (exploitation complémentaire ``C22_``), actifs and chômeurs by age band, ``P11_POP``;
* ``raw.census_comparateur_2022`` (RP2022 and RP2016, état civil 2016-2021, Filosofi 2021, 2026
  geography): households, dwellings, jobs at place of work, 15-64 population, actifs, chômeurs,
  births, deaths, population 2016, median income and poverty rate;
* ``raw.census_comparateur_2018`` (RP2018, 2021 geography): mapped to the 2026 communes with
  :func:`portraits.geography.to_2026` (counts of merged communes summed; the communes restored in
  2022, L'Oie 85165 and Sainte-Florence 85212, are counted within Essarts-en-Bocage 85084).

Rules
-----
* Counts (``aggregation = 'sum'``) go to ``staging.commune_value`` and are summed over every
  territory by ``sql/aggregate.sql``; INSEE's weighted decimals are kept.
* Shares and rates (``'ratio'``) are recomputed on each territory from the summed numerator and
  denominator (both stored in the observation), never averaged; growth rates (``'growth'``) from the
  summed values at both ends.
* Median income and poverty rate are not additive (``'none'``): published for the ``commune`` set
  only, with the source's status; every other territory gets ``missing`` and a note.
* **Grouped values** (:data:`portraits.geography.KNOWN_SPLITS`): where a source publishes one value
  for Essarts-en-Bocage together with L'Oie and Sainte-Florence (RP2018 in 2021 geography, ``P11_POP``
  of the dossier complet, and the RP2022 jobs at place of work, 0 for the two restored communes), the
  group's total is carried by 85084 and the restored communes contribute nothing: a territory holding
  the whole group gets the right total, a territory holding part of it (the communes themselves)
  gets ``missing`` with a note (:data:`GROUPED_NOTE`).
* Validation: the 7 age bands of each commune must add up to its 2022 municipal population
  (:func:`check_age_bands`), otherwise :class:`sources.errors.SourceFormatError` names the file, the
  line of the commune, the columns and the values.
"""

from __future__ import annotations

import pandas as pd

from sources import catalog, census
from sources.errors import SourceFormatError

from .. import geography
from ..warehouse import run_sql_file
from .population_indicators import (AGE_BANDS, AGE_IDS, CMP18, CMP22, DOSSIER, GROWTH,  # noqa: F401
                                    INDICATORS)

ID = "population"
SOURCES = ["insee_pop_historiques", "cog_communes_2026", "insee_dossier_complet_2022",
           "insee_comparateur_2022", "insee_comparateur_2018"]

GROUPED_NOTE = ("Essarts-en-Bocage (85084), L'Oie (85165) et Sainte-Florence (85212) : valeur publiée "
                "par l'INSEE pour l'ensemble des trois communes, non disponible pour une partie de cet "
                "ensemble")
NON_ADDITIVE_NOTE = "non additif : publié par l'INSEE pour les communes seulement"

# Components of change (sql/population_derived.sql)
COMPONENTS_PERIOD, COMPONENTS_YEARS = "2016-2022", 6


def _census_counts() -> list:
    """The counts read from one census column (``column``), in declaration order."""
    return [i for i in INDICATORS if i.aggregation == "sum" and i.column]


# ------------------------------------------------------------------------------------ pipeline


def _mapping_frames() -> dict[str, pd.DataFrame]:
    counts = pd.DataFrame(
        [(i.id, i.source_id, i.column, i.period, i.grouped) for i in _census_counts() if i.source_id != CMP18],
        columns=["indicator_id", "source_id", "variable", "period", "grouped"])
    grouped = pd.DataFrame([(i.id, i.period) for i in _census_counts() if i.grouped],
                           columns=["indicator_id", "period"])
    members = []
    for parent, split in geography.KNOWN_SPLITS.items():
        codes = [parent, *split["restored"]]
        for code in codes:
            members.append((code, parent, "|".join(codes), len(codes)))
    split_members = pd.DataFrame(members, columns=["commune_code", "parent_code", "group_codes", "group_size"])
    return {"counts": counts, "grouped": grouped, "split_members": split_members}


def _dossier_path(con) -> str:
    """The file the dossier complet was read from, for error messages (mirror path or URL)."""
    ds = catalog.get(DOSSIER)
    row = con.execute("select origin, url from meta.source where source_id = ?", [DOSSIER]).fetchone()
    if row and row[0] == "http" and row[1]:
        return row[1]
    return ds.mirror_path


def check_age_bands(con) -> None:
    """The 7 age bands of every commune add up to its 2022 municipal population (within 0.5).

    Raises :class:`SourceFormatError` naming the dossier complet file, the line of the first commune
    at fault (header = line 1; the raw table keeps the file's row order, one commune after another),
    the age-band columns and the values."""
    bands = con.execute(
        """select commune_code, variable, value, status from raw.census_dossier_complet_2022
           where variable in (select unnest(?))""", [census.AGE_BANDS]).df()
    pop = con.execute(
        "select commune_code, population from raw.population_historique where year = 2022").df()
    bad = census.check_age_bands(bands, pop, raise_on_mismatch=False)
    if bad.empty:
        return
    lines = dict(con.execute(
        """select commune_code, 1 + dense_rank() over (order by first_row) from (
               select commune_code, min(rowid) as first_row from raw.census_dossier_complet_2022
               group by commune_code)""").fetchall())
    bad = bad.assign(line=bad["commune_code"].map(lines)).sort_values("line", na_position="last")
    first = bad.iloc[0]
    shown = "; ".join(f"{r.commune_code} (line {'?' if pd.isna(r.line) else int(r.line)}): age bands "
                      f"{r.age_bands_sum:.2f} vs population {r.population:.2f}" for r in bad.head(5).itertuples())
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    raise SourceFormatError(
        _dossier_path(con),
        f"commune {first['commune_code']}: the 7 age bands add up to {first['age_bands_sum']:.2f} but its "
        f"2022 municipal population (insee_pop_historiques) is {first['population']:.2f}; "
        f"{len(bad)} commune(s) at fault: {shown}{more}",
        line=None if pd.isna(first["line"]) else int(first["line"]),
        column="+".join(census.AGE_BANDS),
        dataset_id=DOSSIER,
    )


def _rp2018_frame(con) -> pd.DataFrame:
    """The RP2018 counts (declared with ``column`` and source :data:`CMP18`) mapped to the 2026
    communes (long, staging columns)."""
    specs = {i.column: (i.id, i.period) for i in _census_counts() if i.source_id == CMP18}
    raw = con.execute(
        """select commune_code, variable, value from raw.census_comparateur_2018
           where variable in (select unnest(?))""", [list(specs)]).df()
    wide = raw.pivot(index="commune_code", columns="variable", values="value").reset_index()
    history = con.execute("select * from ref.commune_history").df()
    current = [r[0] for r in con.execute("select commune_code from ref.commune where in_region").fetchall()]
    mapped = geography.to_2026(wide, "commune_code", history, additive_cols=list(specs),
                               geography_year=2021, current_codes=current)
    restored = mapped["group_codes"].ne("") & ~mapped["commune_code"].isin(geography.KNOWN_SPLITS)
    rows = []
    for var, (ind, period) in specs.items():
        value = mapped[var]
        status = pd.Series("ok", index=mapped.index).where(value.notna() | restored, "missing")
        rows.append(pd.DataFrame({"indicator_id": ind, "period": period, "commune_code": mapped["commune_code"],
                                  "value": value.where(~restored), "status": status, "source_id": CMP18}))
    return pd.concat(rows, ignore_index=True)


def commune_values(con) -> None:
    check_age_bands(con)
    run_sql_file(con, "population_commune_values")
    frames = _mapping_frames()
    for name, frame in frames.items():
        con.register(f"_pop_{name}", frame)
    try:
        con.execute("create or replace table staging.population_grouped_series as select * from _pop_grouped")
        con.execute("create or replace table staging.population_split_member as select * from _pop_split_members")
        run_sql_file(con, "population_census_commune_values")
    finally:
        for name in frames:
            con.unregister(f"_pop_{name}")
    rp2018 = _rp2018_frame(con)
    con.register("_pop_rp2018", rp2018)
    try:
        con.execute("""insert into staging.commune_value
                       select indicator_id, period, commune_code, value, status, source_id from _pop_rp2018""")
    finally:
        con.unregister("_pop_rp2018")


def _definition_frames() -> dict[str, pd.DataFrame]:
    growth = pd.DataFrame(
        [(ind, period, s[0], s[1], e[0], e[1], years, src)
         for ind, specs in GROWTH.items() for period, s, e, years, src in specs],
        columns=["indicator_id", "period", "start_id", "start_period", "end_id", "end_period", "years",
                 "source_id"])
    commune_only = pd.DataFrame([(i.id, i.column) for i in INDICATORS if i.aggregation == "none"],
                                columns=["indicator_id", "variable"])
    return {"growth_def": growth, "commune_only": commune_only}


def derived(con) -> None:
    run_sql_file(con, "derived_population")
    frames = _definition_frames()
    # values used by the SQL, as a one-row table (DuckDB binds parameters to one statement only)
    frames["params"] = pd.DataFrame([{
        "grouped_note": GROUPED_NOTE,
        "non_additive_note": NON_ADDITIVE_NOTE,
        "components_period": COMPONENTS_PERIOD,
        "components_years": COMPONENTS_YEARS,
        "cmp22": CMP22,
    }])
    for name, frame in frames.items():
        con.register(f"_pop_{name}", frame)
    try:
        run_sql_file(con, "population_derived")
    finally:
        for name in frames:
            con.unregister(f"_pop_{name}")
