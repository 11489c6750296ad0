-- The two tables the themes fill (created empty if absent; portraits.indicators.build starts from
-- scratch, portraits.indicators.build_theme replaces one theme's rows).
-- staging.commune_value: one row per (indicator, period, commune) for every additive count;
-- filled by the themes (portraits/themes). status: 'ok', 'secret' (blank or masked at the source),
-- 'missing'.
create table if not exists staging.commune_value (
    indicator_id varchar, period varchar, commune_code varchar, value double, status varchar,
    source_id varchar
);

create table if not exists indicators.observation (
    set_id varchar, territory_id varchar, indicator_id varchar, period varchar,
    value double, numerator double, denominator double, status varchar, source_id varchar,
    note varchar
);
