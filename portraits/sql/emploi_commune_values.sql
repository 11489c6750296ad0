-- Employment theme: additive commune-level counts, summed over territories by emploi_aggregate.sql.
--
-- status: 'ok'; 'secret'; 'missing' (no value in the source); 'none' = the source documents the
-- absence as "nothing to count" (URSSAF: a commune without any declaring private employer is not in
-- the file). A 'none' commune has no value of its own (its commune observation is 'missing') but
-- does not make the total of a larger territory unknown; the territory's note counts such communes.
-- counted_in: commune whose published value, according to the project's geography
-- (portraits.geography.KNOWN_SPLITS, table emploi_splits), probably includes this commune.
create or replace table staging.emploi_commune_value (
    indicator_id varchar, period varchar, commune_code varchar, value double, status varchar,
    source_id varchar, reason varchar, counted_in varchar
);

-- URSSAF private-sector salaried headcount at 31 December, 2015-2025 (COG 2025 = COG 2026 here).
-- The official commune x APE file starts in 2006; the portraits keep the series from 2015, as the
-- mirror's table (raw keeps every year parsed).
insert into staging.emploi_commune_value
select 'emplois_salaries_prives', cast(year as varchar), commune_code, value,
       case when status = 'ok' then 'ok' else 'none' end, source_id,
       case when status <> 'ok'
            then 'sans établissement employeur privé dans le fichier Urssaf (aucun effectif compté)' end,
       null
from raw.urssaf_effectifs_commune
where year >= 2015;

-- URSSAF 2025 by grand secteur. The file omits the sectors where a commune has neither employee nor
-- establishment: for a commune with a 2025 headcount (0 included), an absent sector is a true 0
-- (the sector headcounts of every commune add up to its total, checked by the mirror). A commune
-- without 2025 headcount is absent from both files: 'none', as for the total.
-- emploi_sectors (sector_code, indicator_id) is registered by portraits/themes/emploi.py.
create or replace temp table emploi_urssaf_2025 as
select commune_code, status, source_id
from raw.urssaf_effectifs_commune
where year = (select max(year) from raw.urssaf_secteurs_2025);

insert into staging.emploi_commune_value
select s.indicator_id, cast(y.year as varchar), c.commune_code,
       case when c.status = 'ok' then coalesce(v.employees, 0) end,
       case when c.status = 'ok' then 'ok' else 'none' end,
       'urssaf_secteurs_2025',
       case when c.status <> 'ok'
            then 'sans établissement employeur privé dans le fichier Urssaf (aucun effectif compté)' end,
       null
from emploi_urssaf_2025 c
cross join emploi_sectors s
cross join (select max(year) as year from raw.urssaf_secteurs_2025) y
left join raw.urssaf_secteurs_2025 v on v.commune_code = c.commune_code and v.sector_code = s.sector_code;

insert into staging.emploi_commune_value
select 'etablissements_employeurs', cast(y.year as varchar), c.commune_code,
       case when c.status = 'ok' then coalesce(v.n, 0) end,
       case when c.status = 'ok' then 'ok' else 'none' end,
       'urssaf_secteurs_2025',
       case when c.status <> 'ok'
            then 'sans établissement employeur privé dans le fichier Urssaf (aucun établissement compté)' end,
       null
from emploi_urssaf_2025 c
cross join (select max(year) as year from raw.urssaf_secteurs_2025) y
left join (select commune_code, sum(establishments) as n from raw.urssaf_secteurs_2025 group by 1) v
       using (commune_code);

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
from raw.defm_communes d
left join emploi_splits s on s.commune_code = d.commune_code
left join ref.commune p on p.commune_code = s.parent_code;
