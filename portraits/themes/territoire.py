"""The territory itself: area (IGN contours) and population density (issue 3)."""

from __future__ import annotations

from ..indicators import Indicator

ID = "territoire"
SOURCES = ["contours_communes_2024", "cog_communes_2026", "insee_comparateur_2022"]
#: the density divides the latest population (theme population) by the area
THEMES_READ = ["population"]

INDICATORS = [
    Indicator(
        "superficie", "Superficie", "km²", "contours_communes_2024",
        "Area of the territory: sum of its communes' areas (IGN ADMIN EXPRESS AREA attribute, 2024 "
        "communes dissolved into COG 2026). The official Etalab contours carry no area: a commune "
        "without one takes INSEE's area (SUPERF of the comparateur, source insee_comparateur_2022). "
        "Communes outside the region have no contour in the mirror.",
        "sum", 1,
    ),
    Indicator(
        "densite_population", "Densité de population", "habitants par km²", "cog_communes_2026",
        "Population municipale of the latest year divided by the area (both summed over the communes "
        "covered by both sources).",
        "ratio", 1,
    ),
]


def commune_values(con) -> None:
    con.execute(
        """insert into staging.commune_value
           select 'superficie', '2024', g.commune_code, coalesce(g.area_m2 / 1e6, s.value),
                  case when coalesce(g.area_m2, s.value) is null then 'missing' else 'ok' end,
                  -- one source per series (aggregate.sql groups by it); the fallback is in the description
                  'contours_communes_2024'
           from ref.commune_geometry g
           left join raw.census_comparateur_2022 s
                  on s.commune_code = g.commune_code and s.variable = 'SUPERF' and s.status = 'ok'"""
    )


def derived(con) -> None:
    con.execute(
        """insert into indicators.observation
           with pop as (
               select * from indicators.observation
               where indicator_id = 'population'
                 and period = (select max(period) from indicators.observation where indicator_id = 'population')),
           area as (select * from indicators.observation where indicator_id = 'superficie')
           select p.set_id, p.territory_id, 'densite_population', p.period,
                  case when p.status = 'ok' and a.status = 'ok' and a.value > 0 then p.value / a.value end,
                  p.value, a.value,
                  case when p.status = 'ok' and a.status = 'ok' then 'ok'
                       when 'secret' in (p.status, a.status) then 'secret' else 'missing' end,
                  p.source_id, coalesce(p.note, a.note)
           from pop p join area a using (set_id, territory_id)"""
    )
