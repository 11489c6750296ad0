-- Employment theme: changes and shares recomputed from the summed counts of each territory.

-- Changes between two years, in % of the first: (V_end / V_start - 1) x 100; numerator = V_end,
-- denominator = V_start (both summed over the communes). Spans are taken from the available years:
-- 1 and 5 years before the latest year, 10 years for the jobs, the first year for the job seekers.
insert into indicators.observation
with obs as (
    select set_id, territory_id, indicator_id, cast(period as integer) as year, value, status, source_id, note
    from indicators.observation
    where indicator_id in ('emplois_salaries_prives', 'demandeurs_emploi_abc')
),
years as (select indicator_id, min(year) as y_first, max(year) as y_last from obs group by 1),
spans as (
    select indicator_id || '_evol_1an' as change_id, indicator_id, y_last - 1 as y0, y_last as y1 from years
    union all
    select indicator_id || '_evol_5ans', indicator_id, y_last - 5, y_last from years
    union all
    select indicator_id || '_evol_10ans', indicator_id, y_last - 10, y_last from years
    where indicator_id = 'emplois_salaries_prives'
    union all
    select indicator_id || '_evol_longue', indicator_id, y_first, y_last from years
    where indicator_id = 'demandeurs_emploi_abc'
)
select o1.set_id, o1.territory_id, s.change_id, s.y0 || '-' || s.y1,
       case when o0.status = 'ok' and o1.status = 'ok' and o0.value > 0
            then (o1.value / o0.value - 1) * 100 end,
       o1.value, o0.value,
       case when o0.status = 'ok' and o1.status = 'ok' and o0.value > 0 then 'ok'
            when 'secret' in (o0.status, o1.status) then 'secret' else 'missing' end,
       o1.source_id,
       coalesce(o1.note, o0.note)
from spans s
join obs o0 on o0.indicator_id = s.indicator_id and o0.year = s.y0
join obs o1 on o1.indicator_id = s.indicator_id and o1.year = s.y1
           and o1.set_id = o0.set_id and o1.territory_id = o0.territory_id;

-- Share of each grand secteur in the private salaried headcount of the same year: sector count /
-- sum of the 7 sector counts (equal to the total headcount, see the URSSAF source notes).
insert into indicators.observation
with sectors as (
    select o.* from indicators.observation o
    join emploi_sectors s using (indicator_id)
),
totals as (
    select set_id, territory_id, period, sum(value) as total,
           count(*) filter (where status = 'ok') as n_ok,
           count(*) filter (where status = 'secret') as n_secret,
           count(*) as n
    from sectors group by all
)
select s.set_id, s.territory_id, s.indicator_id || '_part', s.period,
       case when t.n_ok = t.n and t.total > 0 then 100 * s.value / t.total end,
       s.value, case when t.n_ok = t.n then t.total end,
       case when t.n_ok = t.n and t.total > 0 then 'ok'
            when t.n_secret > 0 then 'secret' else 'missing' end,
       s.source_id, s.note
from sectors s join totals t using (set_id, territory_id, period);
