-- staging.commune_value: one row per (indicator, period, commune) for every additive count;
-- filled by the themes (portraits/themes). status: 'ok', 'secret' (blank or masked at the source),
-- 'missing'.
create or replace table staging.commune_value (
    indicator_id varchar, period varchar, commune_code varchar, value double, status varchar,
    source_id varchar
);
