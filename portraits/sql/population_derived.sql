-- Derived indicators of the population theme, after sql/aggregate.sql (its declared ratios are
-- computed next, by sql/ratios.sql). Registered by
-- portraits/themes/population.py:
--   _pop_params (one row): grouped_note, non_additive_note, components_period, components_years, cmp22;
--   _pop_growth_def(indicator_id, period, start_id, start_period, end_id, end_period, years, source_id);
--   _pop_commune_only(indicator_id, variable);
--   staging.population_grouped_series, staging.population_split_member (see population_census_commune_values.sql).

-- 1. Series published for a split group (85084 + 85165 + 85212): a territory holding only part of
--    the group has no value of its own.
update indicators.observation o
set value = null, numerator = null, denominator = null, status = 'missing',
    note = concat_ws(' ; ', o.note, (select grouped_note from _pop_params))
from (
    select tc.set_id, tc.territory_id
    from ref.territory_commune tc
    join staging.population_split_member m using (commune_code)
    group by tc.set_id, tc.territory_id, m.parent_code
    having count(distinct tc.commune_code) < min(m.group_size)
) partial, staging.population_grouped_series g
where o.set_id = partial.set_id and o.territory_id = partial.territory_id
  and o.indicator_id = g.indicator_id and o.period = g.period;

-- 2. Average annual changes between two summed values.
insert into indicators.observation
select e.set_id, e.territory_id, d.indicator_id, d.period,
       case when s.status = 'ok' and e.status = 'ok' and s.value > 0 and e.value >= 0
            then (pow(e.value / s.value, 1.0 / d.years) - 1) * 100 end as value,
       case when s.status = 'ok' and e.status = 'ok' then e.value end as numerator,
       case when s.status = 'ok' and e.status = 'ok' then s.value end as denominator,
       case when s.status = 'ok' and e.status = 'ok' and s.value > 0 then 'ok'
            when 'secret' in (s.status, e.status) then 'secret' else 'missing' end as status,
       d.source_id,
       nullif(array_to_string(list_distinct(list_filter([s.note, e.note], x -> x is not null)), ' ; '), '') as note
from _pop_growth_def d
join indicators.observation s on s.indicator_id = d.start_id and s.period = d.start_period
join indicators.observation e on e.indicator_id = d.end_id and e.period = d.end_period
                              and e.set_id = s.set_id and e.territory_id = s.territory_id;

-- 3. Components of the change between the censuses of 2016 and 2022: natural balance rate =
--    100 x (births - deaths) / person-years, person-years = years x (P2016 + P2022) / 2; the
--    apparent migration part is the residual (total annual change - natural part), INSEE's convention.
insert into indicators.observation
with p as (select * from _pop_params),
obs as (
    select set_id, territory_id,
           min(value) filter (where indicator_id = 'solde_naturel') as sn,
           min(status) filter (where indicator_id = 'solde_naturel') as s_sn,
           min(value) filter (where indicator_id = 'solde_migratoire_apparent') as sm,
           min(status) filter (where indicator_id = 'solde_migratoire_apparent') as s_sm,
           min(value) filter (where indicator_id = 'population_variation_annuelle_rp') as total,
           min(numerator) filter (where indicator_id = 'population_variation_annuelle_rp') as p1,
           min(denominator) filter (where indicator_id = 'population_variation_annuelle_rp') as p0,
           min(status) filter (where indicator_id = 'population_variation_annuelle_rp') as s_total,
           min(note) filter (where indicator_id = 'population_variation_annuelle_rp') as note
    from indicators.observation
    where period = (select components_period from _pop_params)
      and indicator_id in ('solde_naturel', 'solde_migratoire_apparent', 'population_variation_annuelle_rp')
    group by all
),
rates as (
    select o.*, p.components_years * (o.p0 + o.p1) / 2 as person_years,
           o.s_sn = 'ok' and o.s_sm = 'ok' and o.s_total = 'ok' and o.p0 + o.p1 > 0 as ok,
           'secret' in (o.s_sn, o.s_sm, o.s_total) as secret,
           p.components_period as period, p.cmp22 as source_id
    from obs o cross join p
)
select set_id, territory_id, 'variation_annuelle_solde_naturel', period,
       case when ok then 100 * sn / person_years end, case when ok then sn end,
       case when ok then person_years end,
       case when ok then 'ok' when secret then 'secret' else 'missing' end, source_id, note
from rates
union all
select set_id, territory_id, 'variation_annuelle_solde_migratoire', period,
       case when ok then total - 100 * sn / person_years end, case when ok then sm end,
       case when ok then person_years end,
       case when ok then 'ok' when secret then 'secret' else 'missing' end, source_id, note
from rates;

-- 4. Not additive (median income, poverty rate): the commune set only, with the source's status;
--    every other territory is 'missing' with a note. Never averaged.
insert into indicators.observation
select t.set_id, t.territory_id, c.indicator_id, '2021',
       case when t.set_id = 'commune' and r.status = 'ok' then r.value end, null, null,
       case when t.set_id = 'commune' then coalesce(r.status, 'missing') else 'missing' end,
       (select cmp22 from _pop_params),
       case when t.set_id <> 'commune' then (select non_additive_note from _pop_params) end
from ref.territory t
cross join _pop_commune_only c
left join (select r.commune_code, r.variable, r.value, r.status
           from raw.census_comparateur_2022 r
           where r.variable in (select variable from _pop_commune_only)) r
       on r.commune_code = t.territory_id and r.variable = c.variable and t.set_id = 'commune';
