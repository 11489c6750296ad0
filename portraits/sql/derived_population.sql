-- Average annual change of the population, recomputed from the summed populations of each territory.
insert into indicators.observation
with pop as (
    select set_id, territory_id, cast(period as integer) as year, value, status, note
    from indicators.observation where indicator_id = 'population'
),
years as (select distinct year from pop),
spans as (
    select 'population_variation_annuelle_longue' as indicator_id, min(year) as y0, max(year) as y1 from years
    union all
    select 'population_variation_annuelle_5ans', max(a.year) - 5, max(a.year)
    from years a join years b on b.year = a.year - 5
)
select p1.set_id, p1.territory_id, s.indicator_id, s.y0 || '-' || s.y1 as period,
       case when p0.status = 'ok' and p1.status = 'ok' and p0.value > 0
            then (pow(p1.value / p0.value, 1.0 / (s.y1 - s.y0)) - 1) * 100 end as value,
       p1.value as numerator, p0.value as denominator,
       case when p0.status = 'ok' and p1.status = 'ok' then 'ok'
            when 'secret' in (p0.status, p1.status) then 'secret' else 'missing' end as status,
       'insee_pop_historiques' as source_id,
       coalesce(p1.note, p0.note) as note
from spans s
join pop p0 on p0.year = s.y0
join pop p1 on p1.year = s.y1 and p1.set_id = p0.set_id and p1.territory_id = p0.territory_id;
