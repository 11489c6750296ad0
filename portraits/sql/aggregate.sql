-- Sum the counts of staging.commune_value over the communes of every territory of every set, for
-- the series of one theme: the indicators listed in the temp table indicator_scope(indicator_id)
-- (portraits.indicators.build_theme, which first deletes that theme's observations).
insert into indicators.observation
with series as (
    select distinct indicator_id, period, source_id from staging.commune_value
    where indicator_id in (select indicator_id from indicator_scope)
),
agg as (
    select m.set_id, m.territory_id, s.indicator_id, s.period, s.source_id,
           count(*) filter (where v.status = 'ok') as n_ok,
           count(*) filter (where v.status = 'secret') as n_secret,
           count(*) filter (where (v.status is null or v.status = 'missing') and m.in_region) as n_missing,
           count(*) filter (where v.status is null and not m.in_region) as n_outside,
           sum(v.value) filter (where v.status = 'ok') as total
    from ref.territory_commune m
    cross join series s
    left join staging.commune_value v
           on v.commune_code = m.commune_code and v.indicator_id = s.indicator_id
          and v.period = s.period and v.source_id = s.source_id
    group by all
)
select set_id, territory_id, indicator_id, period,
       case when n_secret = 0 and n_missing = 0 and n_ok > 0 then total end as value,
       case when n_secret = 0 and n_missing = 0 and n_ok > 0 then total end as numerator,
       null as denominator,
       case when n_secret > 0 then 'secret'
            when n_missing > 0 or n_ok = 0 then 'missing'
            else 'ok' end as status,
       source_id,
       nullif(concat_ws(' ; ',
           case when n_secret > 0 then n_secret || ' commune(s) sous secret statistique' end,
           case when n_missing > 0 then n_missing || ' commune(s) de la région sans valeur dans la source' end,
           case when n_outside > 0 then 'périmètre régional : ' || n_outside
                || ' commune(s) hors Pays de la Loire non couverte(s) par la source' end), '') as note
from agg
where n_ok + n_secret + n_missing > 0;
