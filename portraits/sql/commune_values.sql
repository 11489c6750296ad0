-- staging.commune_value: one row per (indicator, period, commune) for every additive count.
-- status: 'ok' (value present), 'secret' (blank or masked at the source), 'missing'.
create or replace table staging.commune_value (
    indicator_id varchar, period varchar, commune_code varchar, value double, status varchar,
    source_id varchar
);

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
