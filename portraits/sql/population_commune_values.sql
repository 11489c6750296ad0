-- Population: one row per (year, commune), 2026 geography.
insert into staging.commune_value
select 'population', cast(year as varchar), commune_code, population,
       case when population is null then 'missing' else 'ok' end, source_id
from raw.population_historique;

-- Legal population 2023 (in force on 1 January 2026), shipped with COG 2026.
insert into staging.commune_value
select 'population', '2023', code, population,
       case when population is null then 'missing' else 'ok' end, source_id
from raw.cog_communes_2026
where type = 'commune-actuelle' and region = '52';
