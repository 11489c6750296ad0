-- Ratios declared with their numerator and denominator (portraits.indicators.Indicator), recomputed
-- on each territory from the summed parts, never averaged: factor x sum(numerator) / sum(denominator).
-- Registered by portraits.indicators.build_theme after the theme's derived step:
--   _ratio_def(indicator_id, period, part 'num'|'den', component, component_period, n_components,
--              factor, source_id).
-- A part with a secret component is 'secret'; with a missing one 'missing'; a zero denominator
-- 'missing' with a note.
insert into indicators.observation
with parts as (
    select d.indicator_id, d.period, d.part, o.set_id, o.territory_id,
           min(d.factor) as factor, min(d.source_id) as source_id,
           min(d.n_components) as expected,
           count(*) filter (where o.status = 'ok') as n_ok,
           count(*) filter (where o.status = 'secret') as n_secret,
           sum(o.value) filter (where o.status = 'ok') as total,
           string_agg(distinct o.note, ' ; ') as notes
    from _ratio_def d
    join indicators.observation o on o.indicator_id = d.component and o.period = d.component_period
    group by all
),
pairs as (
    select n.set_id, n.territory_id, n.indicator_id, n.period, n.factor, n.source_id,
           n.total as num, d.total as den,
           n.n_ok = n.expected and d.n_ok = d.expected as all_ok,
           n.n_secret + d.n_secret > 0 as any_secret,
           case when n.notes = d.notes or d.notes is null then n.notes
                when n.notes is null then d.notes else n.notes || ' ; ' || d.notes end as notes
    from parts n
    join parts d on d.set_id = n.set_id and d.territory_id = n.territory_id
                and d.indicator_id = n.indicator_id and d.period = n.period and d.part = 'den'
    where n.part = 'num'
)
select set_id, territory_id, indicator_id, period,
       case when all_ok and den > 0 then factor * num / den end as value,
       case when all_ok then num end as numerator,
       case when all_ok then den end as denominator,
       case when all_ok and den > 0 then 'ok'
            when any_secret then 'secret' else 'missing' end as status,
       source_id,
       case when all_ok and not den > 0 then concat_ws(' ; ', notes, 'dénominateur nul') else notes end as note
from pairs;

