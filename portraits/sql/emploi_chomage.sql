-- Employment theme: INSEE localised unemployment rates (%, CVS), one observation per quarter.
--   zone_emploi set: the zone's published rate (2003-T1 .. 2023-T3); for the 2 interregional zones,
--       whose territories keep only their region communes, the rate of their Pays de la Loire part
--       (chomage_ze_parties: region code + last 2 digits, 0062 -> 5262);
--   departement and region sets: the BDM series (2000-T1 .. 2024-T4);
--   every other territory: estimate = average of the rates of the zones d'emploi it touches,
--       weighted by the active population aged 15-64 (census 2022, P22_ACT1564) of its communes in
--       each zone; numerator = sum of rate x active population / 100, denominator = active
--       population. Exact ('ok') when the territory's region communes are exactly one zone.

create or replace temp table emploi_ze_rate as
with zones as (
    select distinct ze_code, region,
           (select territory_id from ref.territory where set_id = 'region') as region_code
    from raw.chomage_ze
)
select z.ze_code as zone_id,
       coalesce(p.ze_code, z.ze_code) as rate_code,
       coalesce(p.quarter, r.quarter) as quarter,
       coalesce(p.rate, r.rate) as rate,
       coalesce(p.source_id, r.source_id) as source_id,
       p.ze_code is not null as regional_part
from zones z
join raw.chomage_ze r on r.ze_code = z.ze_code
left join raw.chomage_ze_parties p
       on z.region <> z.region_code and p.ze_code = z.region_code || right(z.ze_code, 2)
      and p.quarter = r.quarter;

-- exact series
insert into indicators.observation
select t.set_id, t.territory_id, 'taux_chomage_localise', r.quarter, r.rate, null, null, 'ok', r.source_id,
       case when r.regional_part then 'taux de la partie Pays de la Loire de la zone d''emploi ('
            || r.rate_code || ')' end
from ref.territory t
join emploi_ze_rate r on r.zone_id = t.territory_id
where t.set_id = 'zone_emploi';

insert into indicators.observation
select t.set_id, t.territory_id, 'taux_chomage_localise', b.quarter, b.rate, null, null, 'ok', b.source_id, null
from ref.territory t
join raw.chomage_dep_reg b on b.geo_code = t.territory_id
where t.set_id in ('departement', 'region');

-- estimates for the other territories
create or replace temp table emploi_ze_weight as
with act as (
    select commune_code, value, status from raw.census_comparateur_2022 where variable = 'P22_ACT1564'
),
zone_size as (
    select territory_id as zone_id, count(*) as n from ref.territory_commune where set_id = 'zone_emploi' group by 1
)
select m.set_id, m.territory_id, z.territory_id as zone_id,
       sum(a.value) as active,
       sum(a.value) / sum(sum(a.value)) over (partition by m.set_id, m.territory_id) as share,
       count(*) over (partition by m.set_id, m.territory_id) as n_zones_t,
       count(*) as n_in, min(s.n) as n_zone,
       count(*) filter (where a.status is distinct from 'ok') as n_no_active
from ref.territory_commune m
join ref.territory_commune z on z.set_id = 'zone_emploi' and z.commune_code = m.commune_code
join zone_size s on s.zone_id = z.territory_id
left join act a on a.commune_code = m.commune_code
where m.set_id not in ('zone_emploi', 'departement', 'region')
group by m.set_id, m.territory_id, z.territory_id;

create or replace temp table emploi_ze_territory as
with w as (
    select x.set_id, x.territory_id, sum(x.active) as active, count(*) as n_zones,
           bool_and(x.n_in = x.n_zone) and count(*) = 1 as exact, sum(x.n_no_active) as n_no_active,
           string_agg(z.label || case when x.n_zones_t = 1 then ''
                                      when x.share < 0.01 then ' (moins de 1 %)'
                                      else ' (' || cast(round(100 * x.share) as integer) || ' %)' end,
                      ', ' order by x.active desc, z.label) as zones
    from emploi_ze_weight x
    join ref.territory z on z.set_id = 'zone_emploi' and z.territory_id = x.zone_id
    group by x.set_id, x.territory_id
),
outside as (
    select set_id, territory_id, count(*) filter (where not in_region) as n_outside
    from ref.territory_commune group by all
)
select w.*, o.n_outside from w join outside o using (set_id, territory_id);

insert into indicators.observation
select w.set_id, w.territory_id, 'taux_chomage_localise', r.quarter,
       case when t.n_no_active = 0 and t.active > 0 then sum(r.rate * w.active) / sum(w.active) end,
       case when t.n_no_active = 0 then sum(r.rate * w.active) / 100 end,
       case when t.n_no_active = 0 then sum(w.active) end,
       case when t.n_no_active > 0 or not t.active > 0 then 'missing' when t.exact then 'ok' else 'estimate' end,
       min(r.source_id),
       nullif(concat_ws(' ; ',
           case when t.exact then 'taux de la zone d''emploi ' || t.zones
                when t.n_zones = 1 then 'Estimation : taux de la zone d''emploi ' || t.zones
                     || ', qui ne coïncide pas avec le territoire'
                else 'Estimation : taux des zones d''emploi pondérés par leur population active de 15 à 64 ans '
                     || 'dans le territoire (recensement 2022) ; zones (part de la population active) : '
                     || t.zones end,
           case when t.n_no_active > 0 then t.n_no_active || ' commune(s) sans population active connue' end,
           case when t.n_outside > 0 then 'périmètre régional : ' || t.n_outside
                || ' commune(s) hors Pays de la Loire non couverte(s) par la source' end), '')
from emploi_ze_weight w
join emploi_ze_territory t using (set_id, territory_id)
join emploi_ze_rate r on r.zone_id = w.zone_id
group by w.set_id, w.territory_id, r.quarter, t.n_no_active, t.active, t.exact, t.zones, t.n_outside, t.n_zones
having count(*) = min(t.n_zones);
