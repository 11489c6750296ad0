-- Derive the published territory tables from staging.territory_set / staging.territory_member.
create or replace table ref.territory_set as
select set_id, label, source_id, description, portraits from staging.territory_set order by sort_order, set_id;

create or replace table ref.territory_commune as
select m.set_id, m.territory_id, m.commune_code, coalesce(c.in_region, false) as in_region
from staging.territory_member m
left join ref.commune c using (commune_code)
order by m.set_id, m.territory_id, m.commune_code;

create or replace table ref.territory as
select m.set_id, m.territory_id, min(m.label) as label,
       count(*) as n_communes,
       count(*) filter (where not coalesce(c.in_region, false)) as n_communes_outside_region,
       string_agg(distinct c.departement_code, '|' order by c.departement_code)
           filter (where c.in_region) as departements
from staging.territory_member m
left join ref.commune c using (commune_code)
group by m.set_id, m.territory_id
order by m.set_id, m.territory_id;
