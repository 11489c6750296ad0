"""Section « Emploi et marché du travail »: private salaried jobs and job seekers (trends, changes),
sectors, recruitment projects (BMO) and the top 10 recruiting occupations, localised unemployment
rate against the département(s) and region, job seekers' profile (EPCI files), and the region's
occupations in shortage. Reads ``indicators.observation`` (theme ``emploi``) only.
"""

from __future__ import annotations

import re

from portraits.themes.emploi import FAP_DIFFICULT_PREFIX, FAP_PREFIX, SECTORS

from .. import charts_emploi
from ..formatting import is_missing
from .common import SectionContext, chart_uri, evolution_compare, key_figure
from .observations import Observations

SOURCE_IDS = ["urssaf_effectifs_commune", "urssaf_secteurs_2025", "dares_defm_communes", "pe_defm_epci_2019",
              "bmo_2024", "bmo_bassins", "insee_chomage_ze", "insee_chomage_ze_parties",
              "insee_chomage_dep_reg", "insee_comparateur_2022", "metiers_en_tension_2024",
              "dares_tensions_2019"]
TOP_N = 10
FIRST_YEAR_RATES = 2015

CHANGES = [  # (row label, jobs change, job seekers change): last rows of the trend table
    ("sur 1 an", "emplois_salaries_prives_evol_1an", "demandeurs_emploi_abc_evol_1an"),
    ("sur 5 ans", "emplois_salaries_prives_evol_5ans", "demandeurs_emploi_abc_evol_5ans"),
    ("depuis 2015", "emplois_salaries_prives_evol_10ans", "demandeurs_emploi_abc_evol_longue"),
]
PROFILE = [
    ("demandeurs_emploi_abc_femmes_part", "Femmes"),
    ("demandeurs_emploi_abc_moins_25ans_part", "Moins de 25 ans"),
    ("demandeurs_emploi_abc_25_49ans_part", "25 à 49 ans"),
    ("demandeurs_emploi_abc_50ans_plus_part", "50 ans ou plus"),
    ("demandeurs_emploi_abc_inscrits_1an_plus_part", "Inscrits depuis 1 an ou plus"),
    ("demandeurs_emploi_abc_inscrits_2ans_plus_part", "dont depuis 2 ans ou plus"),
]
_TENSION_ITEM = re.compile(r"(?:^| ; )(?P<label>[^\[\]]+?) \[(?P<code>[A-Z]\d[A-Z]\d{2})(?P<rest>[^\]]*)\]")
_TENSION_CAT = re.compile(r"tension 2019 : (\d)/5")


def quarter_label(period: str | None) -> str:
    """``2023-T3`` → ``3e trimestre 2023`` (``1er`` for the first)."""
    if not period or "-T" not in period:
        return period or ""
    year, q = period.split("-T")
    return f"{q}{'er' if q == '1' else 'e'} trimestre {year}"


def _ok(obs: dict | None) -> bool:
    return bool(obs) and obs["status"] in ("ok", "estimate") and not is_missing(obs["value"])


def _points(area: dict) -> list[tuple]:
    return [(int(p), o["value"]) for p, o in sorted(area["obs"].items()) if _ok(o)]


def parse_tension_list(note: str | None) -> list[dict]:
    """The list stored in the note of ``metiers_en_tension`` (see portraits/sql/emploi_tension.sql)."""
    out = []
    for m in _TENSION_ITEM.finditer(note or ""):
        cat = _TENSION_CAT.search(m["rest"])
        out.append({"label": m["label"], "code": m["code"], "tension": int(cat.group(1)) if cat else None,
                    "national": "national" in m["rest"]})
    return out


def top_occupations(con, data: Observations, area: dict, region: dict | None,
                    n: int = TOP_N) -> tuple[list[dict], int]:
    """The ``n`` occupations with the most recruitment projects in the territory (published or
    estimated values), with their share of difficult projects here and in the region; and the number
    of occupations whose figure is secret here."""
    found = [(ind, o) for ind, per in data.generated(area, FAP_PREFIX).items() for o in per.values()]
    top = sorted(((ind, o) for ind, o in found if o["status"] in ("ok", "estimate")),
                 key=lambda io: (-io[1]["value"], io[0]))[:n]
    n_secret = sum(1 for _ind, o in found if o["status"] == "secret")
    # the generated occupations are catalogued by their theme (indicators.catalog), not declared
    labels = dict(con.execute("select indicator_id, label from indicators.catalog where indicator_id in "
                              "(select unnest(?))", [[ind for ind, _o in top]]).fetchall()) if top else {}
    out = []
    for ind, o in top:
        code = ind.removeprefix(FAP_PREFIX)
        key = FAP_DIFFICULT_PREFIX + code
        out.append({
            "code": code.upper(), "label": labels[ind].split(" : ", 1)[-1], "projects": o,
            "difficult": data.obs(area, key).get(o["period"]),
            "difficult_region": data.obs(region, key).get(o["period"]) if region else None,
        })
    return out, n_secret


class EmploiContext(SectionContext):
    """What ``sections/emploi.html.j2`` reads (observations are dicts of ``indicators.observation``)."""

    jobs_last: dict | None
    jobs_year: str | None
    seekers_last: dict | None
    seekers_year: str | None
    trend_table: list[dict]  # per year: jobs and seekers of every area
    changes: list[dict]  # changes over 1, 5, 10 years and since the first year
    sector_rows: list[dict]
    sector_year: str | None
    establishments: dict | None
    bmo: dict[str, list]  # BMO indicator -> cells
    bmo_year: str | None
    top: list[dict]  # the occupations with the most projects
    n_secret_fap: int
    rate_table: list[dict]
    rate_last_own: str | None
    rate_quarter_label: str
    rate_extra: dict | None
    rate_last_own_label: str
    rate_last_any_label: str
    rate_own_estimate: bool
    profile: list[dict]
    profile_cols: list[int]
    profile_missing: list[str]
    profile_period: str | None
    profile_total: dict | None
    profile_note: str | None
    tension: list[dict]
    tension_obs: dict | None
    notes: dict[str, list[str]]
    charts: dict[str, str | None]
    first_year_rates: int


def _trends(data: Observations) -> dict:
    """Private jobs and job seekers: their series, the table by year and the changes."""
    jobs_years, jobs = data.series("emplois_salaries_prives")
    seek_years, seekers = data.series("demandeurs_emploi_abc")
    years = sorted(set(jobs_years) | set(seek_years))
    trend_table = [{"year": y, "jobs": [a["obs"].get(y) for a in jobs], "seekers": [a["obs"].get(y) for a in seekers]}
                   for y in years]
    changes = []
    for label, jobs_id, seekers_id in CHANGES:
        jc, sc = data.cells(jobs_id), data.cells(seekers_id)
        changes.append({"label": label, "jobs": jc, "seekers": sc,
                        "jobs_period": next((c["period"] for c in jc if c), None),
                        "seekers_period": next((c["period"] for c in sc if c), None)})
    return {"jobs_years": jobs_years, "jobs": jobs, "seek_years": seek_years, "seekers": seekers,
            "trend_table": trend_table, "changes": changes}


def _sectors(data: Observations, areas: list[dict]) -> dict:
    """The grands secteurs (latest year of the sector file) and the employers."""
    sector_rows = []
    for code, (suffix, label) in SECTORS.items():
        count = data.cells(f"emplois_salaries_prives_{suffix}", areas=areas[:1])[0]
        shares = data.cells(f"emplois_salaries_prives_{suffix}_part")
        # the table says "autres services marchands" (the source line says: excluding temp work)
        sector_rows.append({"label": label.replace(" (hors intérim)", ""), "count": count, "shares": shares})
    return {"sector_rows": sector_rows,
            "sector_year": next((r["count"]["period"] for r in sector_rows if r["count"]), None),
            "establishments": data.cells("etablissements_employeurs", areas=areas[:1])[0]}


def _recruitment(con, data: Observations, own: dict, region: dict | None) -> dict:
    """The BMO survey: projects, difficult and seasonal shares, the top occupations."""
    bmo = {ind: data.cells(ind) for ind in
           ("projets_recrutement", "projets_recrutement_difficiles_part", "projets_recrutement_saisonniers_part")}
    top, n_secret_fap = top_occupations(con, data, own, region)
    bmo_own = bmo["projets_recrutement"][0]
    return {"bmo": bmo, "bmo_year": bmo_own["period"] if bmo_own else None, "top": top,
            "n_secret_fap": n_secret_fap}


def _unemployment(data: Observations) -> dict:
    """The localised unemployment rate: the same quarter of each year since FIRST_YEAR_RATES, and
    the latest quarter of any area."""
    _periods, rates = data.series("taux_chomage_localise")
    own_rates = sorted(p for p, o in rates[0]["obs"].items() if _ok(o)) if rates else []
    last_own = own_rates[-1] if own_rates else None
    last_any = max((p for a in rates for p, o in a["obs"].items() if _ok(o)), default=None)
    rate_rows = []
    if last_own:
        y_last, q_last = last_own.split("-T")
        rate_rows = [f"{y}-T{q_last}" for y in range(FIRST_YEAR_RATES, int(y_last) + 1)]
    if last_any and last_any not in rate_rows:
        rate_rows.append(last_any)
    rate_table = [{"period": p, "label": quarter_label(p),
                   "short": (p[:4] if last_own and p[-2:] == last_own[-2:]
                             else quarter_label(p).replace("trimestre", "trim.")),
                   "cells": [a["obs"].get(p) for a in rates]}
                  for p in rate_rows]
    return {
        "rates": rates,
        "rate_table": rate_table,
        "rate_last_own": last_own,
        "rate_quarter_label": quarter_label(last_own).rsplit(" ", 1)[0] if last_own else "",
        "rate_extra": next((r for r in rate_table if last_own and r["period"][-2:] != last_own[-2:]), None),
        "rate_last_own_label": quarter_label(last_own),
        "rate_last_any_label": quarter_label(last_any),
        "rate_own_estimate": bool(last_own) and rates[0]["obs"][last_own]["status"] == "estimate",
    }


def _profile(data: Observations, areas: list[dict]) -> dict:
    """The job seekers' profile (EPCI files, latest December)."""
    profile = [{"label": label, "cells": data.cells(ind)} for ind, label in PROFILE]
    profile_cols = [i for i in range(len(areas)) if any(_ok(r["cells"][i]) for r in profile)]
    profile_period = next((c["period"] for r in profile for c in r["cells"] if c), None)
    return {
        "profile": profile,
        "profile_cols": profile_cols,
        "profile_missing": [a["label"] for i, a in enumerate(areas) if i not in profile_cols],
        "profile_period": profile_period,
        "profile_total": data.cells("demandeurs_emploi_abc_decembre", profile_period, areas=areas[:1])[0],
        "profile_note": next((c["note"] for r in profile[:1] for c in r["cells"][:1] if c and c["note"]), None),
    }


def _notes(b: dict) -> dict[str, list[str]]:
    """The notes of the territory's own figures, shown under the matching block."""
    notes = {"trends": [], "bmo": [], "rate": []}
    for a, label in ((b["jobs"][0], "Emplois salariés privés"), (b["seekers"][0], "Demandeurs d'emploi")):
        last = a["obs"][max(a["obs"])] if a["obs"] else None
        if last and last.get("note"):
            notes["trends"].append(f"{label} : {last['note']}")
    bmo_own = b["bmo"]["projets_recrutement"][0]
    if bmo_own and bmo_own.get("note"):
        notes["bmo"].append(bmo_own["note"])
    # shares with secret cells: the reader gets the coverage and the bounds of the true share
    for ind, label in (("projets_recrutement_difficiles_part", "Projets jugés difficiles"),
                       ("projets_recrutement_saisonniers_part", "Projets saisonniers")):
        note = (b["bmo"][ind][0] or {}).get("note") or ""
        start = min((note.find(k) for k in ("part calculée", "nombre de projets") if k in note), default=-1)
        if start >= 0:
            notes["bmo"].append(f"{label} : {note[start:]}")
    last_own = b["rate_last_own"]
    if last_own and b["rates"][0]["obs"][last_own].get("note"):
        notes["rate"].append(b["rates"][0]["obs"][last_own]["note"])
    return notes


def _charts(b: dict) -> dict[str, str | None]:
    rate_series = [{"label": a["label"], "role": a["role"],
                    "points": [(p, o["value"]) for p, o in sorted(a["obs"].items()) if _ok(o)],
                    "estimate": any(o["status"] == "estimate" for o in a["obs"].values())}
                   for a in b["rates"]]
    return {
        "trends": chart_uri(
            charts_emploi.trends,
            [{"label": a["label"], "role": a["role"], "points": _points(a)} for a in b["jobs"]],
            [{"label": a["label"], "role": a["role"], "points": _points(a)} for a in b["seekers"]]),
        "unemployment": chart_uri(charts_emploi.unemployment, rate_series, FIRST_YEAR_RATES)
        if any(s["points"] for s in rate_series) else None,
    }


def _key_figures(data: Observations, b: dict) -> list[dict]:
    """The cover's figures: at most 3."""
    areas, out = data.areas, []
    if b["jobs_years"]:
        year = b["jobs_years"][-1]
        kf = key_figure(data, "emplois_salaries_prives", f"emplois salariés privés fin {year}", period=year)
        kf["compare"] = evolution_compare(data.cells("emplois_salaries_prives_evol_5ans"), areas)
        out.append(kf)
    if b["seek_years"]:
        year = b["seek_years"][-1]
        kf = key_figure(data, "demandeurs_emploi_abc",
                        f"demandeurs d'emploi A, B, C ({quarter_label(year + '-T4')})", period=year)
        kf["compare"] = evolution_compare(data.cells("demandeurs_emploi_abc_evol_1an"), areas)
        out.append(kf)
    last_own = b["rate_last_own"]
    if last_own:
        own_rate = b["rates"][0]["obs"][last_own]
        out.append(key_figure(data, "taux_chomage_localise",
                              f"taux de chômage, {quarter_label(last_own)}"
                              + (" (estimation)" if own_rate["status"] == "estimate" else ""),
                              decimals=1, unit="%", period=last_own))
    return out


def context(con, base: dict) -> EmploiContext | None:
    areas = base["areas"]
    region = next((a for a in areas if a["role"] == "region"), None)
    data = Observations.of(con, base)
    b = _trends(data)
    if not b["jobs_years"] and not b["seek_years"]:
        return None
    b |= _sectors(data, areas) | _recruitment(con, data, areas[0], region) | _unemployment(data)
    tension_obs = data.cells("metiers_en_tension", areas=[region])[0] if region else None
    jobs_year = b["jobs_years"][-1] if b["jobs_years"] else None
    seekers_year = b["seek_years"][-1] if b["seek_years"] else None
    return EmploiContext(
        id="emploi", title="Emploi et marché du travail", template="sections/emploi.html.j2",
        source_ids=SOURCE_IDS, key_figures=_key_figures(data, b),
        jobs_last=b["jobs"][0]["obs"].get(jobs_year) if jobs_year else None, jobs_year=jobs_year,
        seekers_last=b["seekers"][0]["obs"].get(seekers_year) if seekers_year else None,
        seekers_year=seekers_year,
        **{k: b[k] for k in ("trend_table", "changes", "sector_rows", "sector_year", "establishments", "bmo",
                             "bmo_year", "top", "n_secret_fap", "rate_table", "rate_last_own", "rate_quarter_label",
                             "rate_extra", "rate_last_own_label", "rate_last_any_label", "rate_own_estimate")},
        **_profile(data, areas),
        tension=parse_tension_list(tension_obs["note"] if tension_obs else None), tension_obs=tension_obs,
        notes=_notes(b), charts=_charts(b), first_year_rates=FIRST_YEAR_RATES)
