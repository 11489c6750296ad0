-- Employment theme: the official list of occupations in shortage (arrêté du 1er mars 2024) for the
-- region, published as one observation of the region set: value = number of occupations listed for
-- the region or for all of France; note = the list, "label [FAP-2009 code, tension 2019 : c/5]"
-- separated by " ; ", where c is the DARES 2019 tension category of the occupation in the region
-- (same FAP-2009 nomenclature), "national" marking the occupations listed for all of France.
insert into indicators.observation
with region as (
    select t.territory_id, r.label from ref.territory t join ref.region r on r.region_code = t.territory_id
    where t.set_id = 'region'
),
listed as (
    select m.label, m.fap_code, m.region = g.label as regional, m.source_id, g.territory_id
    from raw.metiers_en_tension_2024 m
    cross join region g
    where m.region = g.label or m.region = 'France Entière'
),
tension as (
    select fap_code, geo_code, tension_category from raw.dares_tensions_2019
    where geo_level = 'reg' and fap_level = 'fap225'
)
select 'region', l.territory_id, 'metiers_en_tension', '2024', count(*), count(*), null, 'ok',
       min(l.source_id),
       string_agg(l.label || ' [' || l.fap_code
                  || case when t.tension_category is not null
                          then ', tension 2019 : ' || cast(t.tension_category as integer) || '/5' else '' end
                  || case when l.regional then '' else ', national' end || ']',
                  ' ; ' order by l.regional desc, l.label)
from listed l
left join tension t on t.fap_code = l.fap_code and t.geo_code = l.territory_id
group by l.territory_id;
