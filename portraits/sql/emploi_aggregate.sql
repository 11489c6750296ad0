-- Employment theme: sum staging.emploi_commune_value over the communes of every territory of every
-- set (same rules as aggregate.sql, plus the 'none' status and the counted_in links):
--   secret  if a member commune of the region is secret;
--   missing if a member commune of the region has no value (and is not counted with another member
--           commune of the same territory), or if no member commune has a value;
--   ok      otherwise; 'none' communes (documented as "nothing to count": URSSAF's communes without
--           any private employer) count 0, alone as in a territory (one rule), and are counted in
--           the note, as are the out-of-region communes the regional files do not cover.
create or replace temp table emploi_cells as
with series as (
    select distinct indicator_id, period, source_id from staging.emploi_commune_value
)
select m.set_id, m.territory_id, m.commune_code, m.in_region, s.indicator_id, s.period, s.source_id,
       v.value, v.reason, v.counted_in,
       case when v.status = 'ok' then 'ok'
            when v.status = 'secret' then 'secret'
            when v.status = 'none' then 'none'
            when v.counted_in is not null and p.commune_code is not null then 'covered'
            when m.in_region then 'missing'
            else 'outside' end as cls
from ref.territory_commune m
cross join series s
left join staging.emploi_commune_value v
       on v.commune_code = m.commune_code and v.indicator_id = s.indicator_id
      and v.period = s.period and v.source_id = s.source_id
left join ref.territory_commune p
       on p.set_id = m.set_id and p.territory_id = m.territory_id and p.commune_code = v.counted_in;

insert into indicators.observation
with agg as (
    select set_id, territory_id, indicator_id, period, source_id,
           count(*) filter (where cls = 'ok') as n_ok,
           count(*) filter (where cls = 'secret') as n_secret,
           count(*) filter (where cls = 'missing') as n_missing,
           count(*) filter (where cls = 'none') as n_none,
           count(*) filter (where cls = 'covered') as n_covered,
           count(*) filter (where cls = 'outside') as n_outside,
           sum(value) filter (where cls = 'ok') as total
    from emploi_cells
    group by all
),
reasons as (  -- "n commune(s) <reason>" for every distinct reason of the secret/missing/none members
    select set_id, territory_id, indicator_id, period, source_id,
           string_agg(n || ' commune(s) ' || reason, ' ; ' order by reason) as text
    from (select set_id, territory_id, indicator_id, period, source_id, reason, count(*) as n
          from emploi_cells
          where cls in ('secret', 'missing', 'none') and reason is not null
          group by all)
    group by all
),
covered_group as (  -- members without value of their own, probably counted with another member
    select e.set_id, e.territory_id, e.indicator_id, e.period, e.source_id,
           string_agg(coalesce(c.label, e.commune_code) || ' (' || e.commune_code || ')', ', '
                      order by e.commune_code)
           || ' : sans valeur propre dans la source, vraisemblablement comptée(s) avec '
           || min(coalesce(p.label, e.counted_in)) || ' (' || e.counted_in || ')' as text
    from emploi_cells e
    left join ref.commune c on c.commune_code = e.commune_code
    left join ref.commune p on p.commune_code = e.counted_in
    where e.cls = 'covered'
    group by e.set_id, e.territory_id, e.indicator_id, e.period, e.source_id, e.counted_in
),
covered as (
    select set_id, territory_id, indicator_id, period, source_id, string_agg(text, ' ; ' order by text) as text
    from covered_group group by all
),
includes_group as (  -- territories holding a commune whose value probably includes communes outside them
    select m.set_id, m.territory_id, v.indicator_id, v.period, v.source_id,
           'valeur publiée pour ' || min(coalesce(p.label, v.counted_in)) || ' (' || v.counted_in
           || ') : inclut vraisemblablement ' || string_agg(coalesce(c.label, v.commune_code), ', '
                                                          order by v.commune_code)
           || ', hors du territoire' as text
    from staging.emploi_commune_value v
    join ref.territory_commune m on m.commune_code = v.counted_in
    left join ref.commune c on c.commune_code = v.commune_code
    left join ref.commune p on p.commune_code = v.counted_in
    where v.counted_in is not null
      and not exists (select 1 from ref.territory_commune x
                      where x.set_id = m.set_id and x.territory_id = m.territory_id
                        and x.commune_code = v.commune_code)
    group by m.set_id, m.territory_id, v.indicator_id, v.period, v.source_id, v.counted_in
),
includes as (
    select set_id, territory_id, indicator_id, period, source_id, string_agg(text, ' ; ' order by text) as text
    from includes_group group by all
)
select a.set_id, a.territory_id, a.indicator_id, a.period,
       case when a.n_secret = 0 and a.n_missing = 0 and a.n_ok + a.n_none > 0 then coalesce(a.total, 0) end as value,
       case when a.n_secret = 0 and a.n_missing = 0 and a.n_ok + a.n_none > 0 then coalesce(a.total, 0) end as numerator,
       null as denominator,
       case when a.n_secret > 0 then 'secret'
            when a.n_missing > 0 or a.n_ok + a.n_none = 0 then 'missing'
            else 'ok' end as status,
       a.source_id,
       nullif(concat_ws(' ; ',
           r.text, cv.text, i.text,
           case when a.n_outside > 0 then 'périmètre régional : ' || a.n_outside
                || ' commune(s) hors Pays de la Loire non couverte(s) par la source' end), '') as note
from agg a
left join reasons r using (set_id, territory_id, indicator_id, period, source_id)
left join covered cv using (set_id, territory_id, indicator_id, period, source_id)
left join includes i using (set_id, territory_id, indicator_id, period, source_id)
where a.n_ok + a.n_secret + a.n_missing + a.n_none + a.n_covered > 0;
