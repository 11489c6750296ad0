-- Employment theme: additive commune-level counts, summed over territories by emploi_aggregate.sql.
--
-- status: 'ok'; 'secret'; 'missing' (no value in the source); 'none' = the source documents the
-- absence as "nothing to count" (URSSAF: a commune without any declaring private employer is not in
-- the file). A 'none' commune has no value of its own (its commune observation is 'missing') but
-- does not make the total of a larger territory unknown; the territory's note counts such communes.
-- counted_in: commune whose published value, according to the project's geography
-- (portraits.geography.KNOWN_SPLITS, table emploi_splits), probably includes this commune.
-- The official files use the publisher's geography of the day (DARES: COG 2024; URSSAF: the
-- edition's): a code merged since is mapped to its 2026 commune (ref.commune_history) and the
-- values of merged communes are added (a missing part makes the sum missing). The mirror's copies
-- are already in COG 2025, identical to COG 2026 in the region, so they go through unchanged.
create or replace temp table emploi_urssaf_commune as
select coalesce(h.new_code, r.commune_code) as commune_code, r.year,
       case when bool_and(r.status = 'ok') then sum(r.value) end as value,
       case when bool_and(r.status = 'ok') then 'ok' else 'missing' end as status,
       min(r.source_id) as source_id
from raw.urssaf_effectifs_commune r left join ref.commune_history h on h.old_code = r.commune_code
group by all;

-- The official file has no row for a commune without any declaring employer (the mirror lists them
-- blank): the same 'missing' rows are added, so both give the same staging.
insert into emploi_urssaf_commune
select c.commune_code, y.year, null, 'missing', (select min(source_id) from raw.urssaf_effectifs_commune)
from ref.commune c cross join (select distinct year from emploi_urssaf_commune) y
where c.in_region
  and not exists (select 1 from emploi_urssaf_commune u where u.commune_code = c.commune_code and u.year = y.year);

create or replace temp table emploi_urssaf_secteurs as
select coalesce(h.new_code, r.commune_code) as commune_code, r.year, r.sector_code,
       sum(r.employees) as employees, sum(r.establishments) as establishments, min(r.source_id) as source_id
from raw.urssaf_secteurs_2025 r left join ref.commune_history h on h.old_code = r.commune_code
group by all;

create or replace temp table emploi_defm_commune as
select coalesce(h.new_code, r.commune_code) as commune_code, r.year,
       case when bool_and(r.status = 'ok') then sum(r.value) end as value,
       case when bool_and(r.status = 'ok') then 'ok' else 'missing' end as status,
       min(r.source_id) as source_id
from raw.defm_communes r left join ref.commune_history h on h.old_code = r.commune_code
group by all;

create or replace table staging.emploi_commune_value (
    indicator_id varchar, period varchar, commune_code varchar, value double, status varchar,
    source_id varchar, reason varchar, counted_in varchar
);

-- URSSAF private-sector salaried headcount at 31 December, 2015-2025 (COG 2025 = COG 2026 here).
-- The official commune x APE file starts in 2006; the portraits keep the series from 2015, as the
-- mirror's table (raw keeps every year parsed).
insert into staging.emploi_commune_value
select 'emplois_salaries_prives', cast(u.year as varchar), u.commune_code, u.value,
       case when u.status = 'ok' then 'ok' when e.n > 0 then 'missing' else 'none' end, u.source_id,
       case when u.status <> 'ok' and e.n > 0
            then 'effectif non publié par l''Urssaf (établissements employeurs présents)'
            when u.status <> 'ok'
            then 'sans établissement employeur privé dans le fichier Urssaf (aucun effectif compté)' end,
       null
from emploi_urssaf_commune u
left join (select commune_code, year, sum(establishments) as n from emploi_urssaf_secteurs group by all) e
       using (commune_code, year)
where u.year >= 2015;

-- URSSAF 2025 by grand secteur. The file omits the sectors where a commune has neither employee nor
-- establishment: for a commune with a 2025 headcount (0 included), an absent sector is a true 0
-- (the sector headcounts of every commune add up to its total, checked by the mirror). A commune
-- without 2025 headcount is absent from both files: 'none', as for the total.
-- emploi_sectors (sector_code, indicator_id) is registered by portraits/themes/emploi.py.
create or replace temp table emploi_urssaf_2025 as
select u.commune_code, u.status, u.source_id, e.n as establishments
from emploi_urssaf_commune u
left join (select commune_code, sum(establishments) as n from emploi_urssaf_secteurs group by 1) e using (commune_code)
where u.year = (select max(year) from emploi_urssaf_secteurs);

-- A sector row of the official file with an empty headcount is withheld: 'missing', never 0. A
-- sector absent for a commune with a headcount is a true 0.
insert into staging.emploi_commune_value
select s.indicator_id, cast(y.year as varchar), c.commune_code,
       case when c.status = 'ok' then case when v.commune_code is null then 0 else v.employees end end,
       case when c.status = 'ok' and (v.commune_code is null or v.employees is not null) then 'ok'
            when c.status = 'ok' or c.establishments > 0 then 'missing' else 'none' end,
       'urssaf_secteurs_2025',
       case when c.status = 'ok' and v.commune_code is not null and v.employees is null
            then 'effectif du secteur non publié par l''Urssaf'
            when c.status <> 'ok' and c.establishments > 0
            then 'effectif non publié par l''Urssaf (établissements employeurs présents)'
            when c.status <> 'ok'
            then 'sans établissement employeur privé dans le fichier Urssaf (aucun effectif compté)' end,
       null
from emploi_urssaf_2025 c
cross join emploi_sectors s
cross join (select max(year) as year from emploi_urssaf_secteurs) y
left join emploi_urssaf_secteurs v on v.commune_code = c.commune_code and v.sector_code = s.sector_code;

-- Establishments are published even where the headcount is withheld.
insert into staging.emploi_commune_value
select 'etablissements_employeurs', cast(y.year as varchar), c.commune_code,
       case when c.establishments is not null then c.establishments when c.status = 'ok' then 0 end,
       case when c.establishments is not null or c.status = 'ok' then 'ok' else 'none' end,
       'urssaf_secteurs_2025',
       case when c.establishments is null and c.status <> 'ok'
            then 'sans établissement employeur privé dans le fichier Urssaf (aucun établissement compté)' end,
       null
from emploi_urssaf_2025 c
cross join (select max(year) as year from emploi_urssaf_secteurs) y;

-- DARES job seekers A+B+C living in the commune, Q4 average, rounded to 5 by the source. Blank
-- cells stay 'missing'; those of a commune restored from a commune nouvelle (KNOWN_SPLITS) carry
-- counted_in = the commune nouvelle, whose published value probably still includes them.
insert into staging.emploi_commune_value
select 'demandeurs_emploi_abc', cast(d.year as varchar), d.commune_code, d.value, d.status, d.source_id,
       case when d.status <> 'ok' then
            'sans valeur dans le fichier DARES'
            || case when s.parent_code is not null
                    then ' (vraisemblablement comptée avec ' || coalesce(p.label, s.parent_code)
                         || ' (' || s.parent_code || '), dont elle a été détachée en ' || s.year || ')'
                    else '' end
       end,
       case when d.status <> 'ok' then s.parent_code end
from emploi_defm_commune d
left join emploi_splits s on s.commune_code = d.commune_code
left join ref.commune p on p.commune_code = s.parent_code;
