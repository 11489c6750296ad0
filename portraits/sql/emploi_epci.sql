-- Employment theme: job seekers A+B+C at the end of December 2018 and 2019 by sex, age band and
-- registration length, published by EPCI only (Pôle emploi files, EPCI of 1 January 2020).
-- A territory gets a value only when it is made of WHOLE EPCI: every member commune (in any
-- region) of every EPCI touching it belongs to it. Perimeters changed between 2020 and 2026
-- (table emploi_epci_changes, from portraits/themes/emploi.py):
--   ok       the territory is a union of whole EPCI in their 2020 perimeter (mapped to 2026 communes);
--   estimate it is a union of whole EPCI in their 2026 perimeter only: the 2020 values of these
--            EPCI are summed, the note names the communes that moved;
--   missing  otherwise (commune without EPCI, EPCI cut by the territory, EPCI absent from the file).

create or replace temp table emploi_epci_m26 as
select distinct e.commune_code, e.epci_siren
from raw.cog_epci_2026 e
where e.epci_siren in (select epci_siren from ref.epci);

-- 2020 membership in 2026 commune codes: a commune that changed EPCI keeps its 2020 EPCI; a former
-- commune now merged into another one links that commune to its 2020 EPCI as well.
create or replace temp table emploi_epci_m20 as
with moves as (
    select coalesce(h.new_code, c.commune_code) as code26, c.commune_code as code20, c.epci_siren
    from emploi_epci_changes c
    left join ref.commune_history h on h.old_code = c.commune_code
)
select commune_code, epci_siren from emploi_epci_m26 m
where not exists (select 1 from moves v where v.code26 = m.commune_code and v.code20 = m.commune_code)
union
select code26, epci_siren from moves;

create or replace temp table emploi_epci_territory as
with tc as (select set_id, territory_id, commune_code, in_region from ref.territory_commune),
size26 as (select epci_siren, count(*) as n from emploi_epci_m26 group by 1),
size20 as (select epci_siren, count(*) as n from emploi_epci_m20 group by 1),
t26 as (
    select tc.set_id, tc.territory_id, m.epci_siren, count(*) as n_in
    from tc join emploi_epci_m26 m using (commune_code) group by all
),
t20 as (
    select tc.set_id, tc.territory_id, m.epci_siren, count(*) as n_in
    from tc join emploi_epci_m20 m using (commune_code) group by all
),
w26 as (
    select set_id, territory_id, bool_and(n_in = n) as whole, list(epci_siren order by epci_siren) as epcis
    from t26 join size26 using (epci_siren) group by all
),
w20 as (
    select set_id, territory_id, bool_and(n_in = n) as whole, list(epci_siren order by epci_siren) as epcis
    from t20 join size20 using (epci_siren) group by all
),
no_epci as (
    select set_id, territory_id,
           count(*) filter (where in_region and commune_code not in (select commune_code from emploi_epci_m26)) as n,
           count(*) filter (where in_region) as n_region
    from tc group by all
),
moved as (  -- communes whose EPCI changed since 2020, by 2026 EPCI touching the territory
    select t.set_id, t.territory_id,
           string_agg(distinct coalesce(c.label, v.code26) || ' (' || v.code26 || ')', ', ') as names
    from t26 t
    join (select coalesce(h.new_code, x.commune_code) as code26, x.epci_siren as epci20
          from emploi_epci_changes x left join ref.commune_history h on h.old_code = x.commune_code) v
      on true
    join emploi_epci_m26 now26 on now26.commune_code = v.code26
    left join ref.commune c on c.commune_code = v.code26
    where t.epci_siren in (v.epci20, now26.epci_siren)
    group by all
)
select n.set_id, n.territory_id,
       case when n.n > 0 then 'missing'
            when coalesce(w20.whole, false) then 'ok'
            when coalesce(w26.whole, false) then 'estimate'
            else 'missing' end as status,
       case when n.n = 0 and coalesce(w20.whole, false) then w20.epcis
            when n.n = 0 and coalesce(w26.whole, false) then w26.epcis end as epcis,
       case when n.n > 0 then n.n || ' commune(s) sans intercommunalité : répartition publiée par EPCI seulement'
            when coalesce(w20.whole, false) then null
            when coalesce(w26.whole, false) then
                 'Estimation : somme des EPCI du territoire dans leur périmètre au 1er janvier 2020, '
                 || 'modifié depuis pour ' || coalesce(mv.names, '?')
            else 'Le territoire ne regroupe pas des intercommunalités entières : répartition publiée par EPCI seulement' end
           as note
from no_epci n
left join w26 using (set_id, territory_id)
left join w20 using (set_id, territory_id)
left join moved mv using (set_id, territory_id)
where n.n_region > 0;

create or replace temp table emploi_epci_component as
select * from (values
    ('demandeurs_emploi_abc_decembre', 'total'),
    ('demandeurs_emploi_abc_femmes', 'total_femmes'),
    ('demandeurs_emploi_abc_hommes', 'total_hommes'),
    ('demandeurs_emploi_abc_moins_25ans', 'hommes_moins_de_25_ans'),
    ('demandeurs_emploi_abc_moins_25ans', 'femmes_moins_de_25_ans'),
    ('demandeurs_emploi_abc_25_49ans', 'hommes_25_a_49_ans'),
    ('demandeurs_emploi_abc_25_49ans', 'femmes_25_a_49_ans'),
    ('demandeurs_emploi_abc_50ans_plus', 'hommes_plus_de_50_ans'),
    ('demandeurs_emploi_abc_50ans_plus', 'femmes_plus_de_50_ans'),
    ('demandeurs_emploi_abc_inscrits_1an_plus', 'anc_12_a_23_mois'),
    ('demandeurs_emploi_abc_inscrits_1an_plus', 'anc_24_a_35_mois'),
    ('demandeurs_emploi_abc_inscrits_1an_plus', 'anc_plus_36_mois'),
    ('demandeurs_emploi_abc_inscrits_2ans_plus', 'anc_24_a_35_mois'),
    ('demandeurs_emploi_abc_inscrits_2ans_plus', 'anc_plus_36_mois')
) as t(indicator_id, category);

-- one value per EPCI x year x category (the total is in two files of the same year: same value)
create or replace temp table emploi_epci_value as
with src as (
    select epci_siren, year, category, value, status, source_id from raw.defm_epci_2018 where scope = 'ABC'
    union all
    select epci_siren, year, category, value, status, source_id from raw.defm_epci_2019 where scope = 'ABC'
),
cells as (
    select epci_siren, year, category, min(value) as value, min(source_id) as source_id,
           case when bool_or(status = 'secret') then 'secret'
                when bool_or(status <> 'ok') then 'missing' else 'ok' end as status
    from src group by all
),
years as (select distinct year, source_id from src)
select e.epci_siren, y.year, y.source_id, k.indicator_id,
       sum(c.value) as value,
       case when bool_or(c.status = 'secret') then 'secret'
            when bool_or(c.status is null or c.status <> 'ok') then 'missing' else 'ok' end as status
from (select distinct epci_siren from emploi_epci_m26) e
cross join years y
cross join emploi_epci_component k
left join cells c on c.epci_siren = e.epci_siren and c.year = y.year and c.category = k.category
group by all;

create or replace temp table emploi_epci_obs as
with years as (select distinct year, source_id from emploi_epci_value),
ind as (select distinct indicator_id from emploi_epci_component),
sums as (
    select t.set_id, t.territory_id, v.year, v.indicator_id, sum(v.value) as value,
           count(*) filter (where v.status = 'secret') as n_secret,
           count(*) filter (where v.status = 'missing') as n_missing
    from emploi_epci_territory t
    cross join unnest(t.epcis) as u(epci_siren)
    join emploi_epci_value v on v.epci_siren = u.epci_siren
    group by all
)
select t.set_id, t.territory_id, i.indicator_id, y.year, y.source_id,
       case when t.status = 'missing' or s.n_secret > 0 or s.n_missing > 0 then null else s.value end as value,
       case when t.status = 'missing' then 'missing'
            when s.n_secret > 0 then 'secret'
            when s.n_missing > 0 then 'missing'
            else t.status end as status,
       nullif(concat_ws(' ; ', t.note,
           case when t.status <> 'missing' and s.n_secret > 0 then s.n_secret
                || ' EPCI sous secret statistique' end,
           case when t.status <> 'missing' and s.n_missing > 0 then s.n_missing
                || ' EPCI sans valeur dans le fichier de décembre ' || y.year end), '') as note
from emploi_epci_territory t
cross join years y
cross join ind i
left join sums s on s.set_id = t.set_id and s.territory_id = t.territory_id
                and s.year = y.year and s.indicator_id = i.indicator_id;

insert into indicators.observation
select set_id, territory_id, indicator_id, year || '-12', value, value, null, status, source_id, note
from emploi_epci_obs;

-- shares of the December total, recomputed from the summed counts
insert into indicators.observation
select p.set_id, p.territory_id, p.indicator_id || '_part', p.year || '-12',
       case when p.status in ('ok', 'estimate') and d.status = p.status and d.value > 0
            then 100 * p.value / d.value end,
       p.value, d.value,
       case when p.status in ('ok', 'estimate') and d.status = p.status and d.value > 0 then p.status
            when 'secret' in (p.status, d.status) then 'secret' else 'missing' end,
       p.source_id, p.note
from emploi_epci_obs p
join emploi_epci_obs d on d.set_id = p.set_id and d.territory_id = p.territory_id and d.year = p.year
                      and d.indicator_id = 'demandeurs_emploi_abc_decembre'
where p.indicator_id in ('demandeurs_emploi_abc_femmes', 'demandeurs_emploi_abc_moins_25ans',
                         'demandeurs_emploi_abc_25_49ans', 'demandeurs_emploi_abc_50ans_plus',
                         'demandeurs_emploi_abc_inscrits_1an_plus', 'demandeurs_emploi_abc_inscrits_2ans_plus');
