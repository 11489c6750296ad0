-- Census counts by commune (RP2022 dossier complet and comparateur RP2022, both in 2026 geography)
-- into staging.commune_value. Registered by portraits/themes/population.py:
--   _pop_counts(indicator_id, source_id, variable, period, grouped): one census column per indicator;
--   staging.population_grouped_series(indicator_id, period): series published for a split group
--     (Essarts-en-Bocage 85084 with L'Oie 85165 and Sainte-Florence 85212);
--   staging.population_split_member(commune_code, parent_code, group_codes, group_size).
-- Values keep INSEE's decimals; status as in the raw table (ok / secret / missing).

create or replace temp view _pop_census_raw as
select commune_code, variable, value, status, source_id from raw.census_dossier_complet_2022
union all
select commune_code, variable, value, status, source_id from raw.census_comparateur_2022;

insert into staging.commune_value
select m.indicator_id, m.period, r.commune_code, r.value, r.status, m.source_id
from _pop_counts m
join _pop_census_raw r on r.variable = m.variable and r.source_id = m.source_id
where not m.grouped;

-- Grouped series: the parent (85084) carries the group's total (its value plus any value given to
-- the restored communes, e.g. 0 jobs), the restored communes are 'ok' with no value of their own, so
-- that a territory holding the whole group sums right; population_derived.sql blanks the territories
-- holding part of the group.
insert into staging.commune_value
with g as (
    select m.indicator_id, m.period, m.source_id, r.commune_code, r.value, r.status,
           s.parent_code, s.commune_code is not null and s.commune_code <> s.parent_code as restored
    from _pop_counts m
    join _pop_census_raw r on r.variable = m.variable and r.source_id = m.source_id
    left join staging.population_split_member s on s.commune_code = r.commune_code
    where m.grouped
),
group_total as (
    select indicator_id, period, parent_code, sum(value) filter (where status = 'ok') as extra
    from g where restored group by all
)
select g.indicator_id, g.period, g.commune_code,
       case when g.restored then null
            when g.status = 'ok' then g.value + coalesce(t.extra, 0) end,
       case when g.restored then 'ok' else g.status end,
       g.source_id
from g
left join group_total t
       on t.indicator_id = g.indicator_id and t.period = g.period and t.parent_code = g.commune_code;

-- Counts computed from several columns of the comparateur RP2022, per commune.
insert into staging.commune_value
with w as (
    select commune_code,
           min(value) filter (where variable = 'P22_POP') as p22,
           min(status) filter (where variable = 'P22_POP') as s_p22,
           min(value) filter (where variable = 'P16_POP') as p16,
           min(status) filter (where variable = 'P16_POP') as s_p16,
           min(value) filter (where variable = 'NAIS1621') as nais,
           min(status) filter (where variable = 'NAIS1621') as s_nais,
           min(value) filter (where variable = 'DECE1621') as dece,
           min(status) filter (where variable = 'DECE1621') as s_dece,
           min(value) filter (where variable = 'P22_ACT1564') as act,
           min(status) filter (where variable = 'P22_ACT1564') as s_act,
           min(value) filter (where variable = 'P22_CHOM1564') as chom,
           min(status) filter (where variable = 'P22_CHOM1564') as s_chom,
           min(source_id) as source_id
    from raw.census_comparateur_2022
    where variable in ('P22_POP', 'P16_POP', 'NAIS1621', 'DECE1621', 'P22_ACT1564', 'P22_CHOM1564')
    group by commune_code
),
parts as (
    select commune_code, source_id, 'solde_naturel' as indicator_id, '2016-2022' as period,
           nais - dece as value, [s_nais, s_dece] as statuses from w
    union all
    select commune_code, source_id, 'solde_migratoire_apparent', '2016-2022',
           (p22 - p16) - (nais - dece), [s_p22, s_p16, s_nais, s_dece] from w
    union all
    select commune_code, source_id, 'actifs_occupes_1564', '2022', act - chom, [s_act, s_chom] from w
)
select indicator_id, period, commune_code,
       case when list_bool_and(list_transform(statuses, s -> s = 'ok')) then value end,
       case when list_bool_and(list_transform(statuses, s -> s = 'ok')) then 'ok'
            when list_contains(statuses, 'secret') then 'secret' else 'missing' end,
       source_id
from parts;
