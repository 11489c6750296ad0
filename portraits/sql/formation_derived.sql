-- Training offer (portraits/themes/formation.py), after aggregation: ratios, regional InserJeunes
-- rates, notes, and the published per-establishment table.

-- First wishes per place, recomputed on each territory from the summed wishes and places.
insert into indicators.observation
select v.set_id, v.territory_id, 'voeux1_par_place', v.period,
       case when v.status = 'ok' and p.status = 'ok' and p.value > 0 then v.value / p.value end,
       v.value, p.value,
       case when v.status = 'ok' and p.status = 'ok' and p.value > 0 then 'ok'
            when 'secret' in (v.status, p.status) then 'secret' else 'missing' end,
       'orion_affelnet',
       case when p.status = 'ok' and p.value = 0
            then concat_ws(' ; ', 'aucune place Affelnet recensée dans les lycées du territoire', p.note)
            else coalesce(p.note, v.note) end
from indicators.observation v
join indicators.observation p using (set_id, territory_id, period)
where v.indicator_id = 'voeux1_affelnet' and p.indicator_id = 'places_affelnet';

-- Employment rates of leavers by voie, region only: recomputed from the counts summed over every
-- diploma (rows with both counts), never from the published per-diploma rates.
insert into indicators.observation
with defs (indicator_id, voie, months) as (
    values ('taux_emploi_6_mois_scolaire', 'scolaire', 6),
           ('taux_emploi_12_mois_scolaire', 'scolaire', 12),
           ('taux_emploi_6_mois_apprentis', 'apprentissage', 6),
           ('taux_emploi_12_mois_apprentis', 'apprentissage', 12)
),
rows_ as (
    select d.indicator_id, r.code_region, r.cohort, r.nb_sortant,
           case d.months when 6 then r.nb_en_emploi_6_mois else r.nb_en_emploi_12_mois end as employed
    from raw.inserjeunes_region r join defs d on d.voie = r.voie
),
sums as (
    select indicator_id, code_region, cohort,
           sum(employed) filter (where employed is not null and nb_sortant is not null) as num,
           sum(nb_sortant) filter (where employed is not null and nb_sortant is not null) as den
    from rows_ group by all
)
select 'region', t.territory_id, s.indicator_id, replace(s.cohort, '_', '-'),
       case when s.den > 0 then 100 * s.num / s.den end, s.num, s.den,
       case when s.den > 0 then 'ok' else 'missing' end, 'inserjeunes_region', null
from sums s join ref.territory t on t.set_id = 'region' and t.territory_id = s.code_region;

-- Pupils: name the lycées whose count the directory does not publish (sections excluded: their
-- pupils are reported under their lycée).
update indicators.observation o
set note = concat_ws(' ; ', o.note, x.n || ' lycée(s) sans effectif publié dans l''annuaire (lycées '
                     || 'agricoles, écoles de production, établissements privés hors contrat…), non compté(s)')
from (
    select tc.set_id, tc.territory_id, count(*) as n
    from staging.formation_etablissement e
    join ref.territory_commune tc using (commune_code)
    where e.category = 'lycee' and e.pupils is null and not e.is_section
    group by all
) x
where o.indicator_id = 'eleves_lycees' and o.set_id = x.set_id and o.territory_id = x.territory_id;

-- Affelnet offers of lycées absent from the 2025 directory: counted nowhere; say so on the region.
update indicators.observation o
set note = concat_ws(' ; ', o.note, x.n || ' lycée(s) absent(s) de l''annuaire 2025 non compté(s) ('
                     || cast(x.places as bigint) || ' places, ' || cast(x.voeux as bigint) || ' premiers vœux)')
from (
    select cast(a.year as varchar) as period, count(distinct a.uai) as n, sum(a.capacity) as places,
           sum(a.first_wishes) as voeux
    from raw.orion_affelnet a
    where a.uai not in (select uai from staging.formation_etablissement)
    group by all
) x
where o.set_id = 'region' and o.period = x.period
  and o.indicator_id in ('places_affelnet', 'voeux1_affelnet', 'voeux1_par_place');

-- Parcoursup: the third-party extract does not state its session.
update indicators.observation
set note = concat_ws(' ; ', note, 'session Parcoursup non indiquée dans l''extrait utilisé (2024 ou 2025)')
where indicator_id like 'formations_parcoursup%'
  and (select count(*) filter (where coalesce(session, '') <> '') from staging.formation_parcoursup) = 0;

-- Published per-establishment table (indicators.etablissement_insertion is written by the theme).
create or replace table ref.etablissement_formation as
select uai, name, category, lycee_kind, sector, commune_code, latitude, longitude, pupils, apprentissage,
       source_id
from staging.formation_etablissement
order by uai;
