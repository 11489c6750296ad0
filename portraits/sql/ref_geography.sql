-- ref.commune, ref.epci, ref.departement, ref.region from the COG 2026 raw tables.
-- ref.commune holds the region's current communes and, flagged in_region = false, the communes of
-- other regions that a territory of the region includes (members of cross-border EPCI or CLPE).
create or replace table ref.departement as
select code as departement_code, name as label, region as region_code
from raw.cog_departements_2026
order by 1;

create or replace table ref.region as
select code as region_code, name as label from raw.cog_regions_2026 order by 1;

create or replace table ref.epci as
select epci_siren, min(epci_name) as label, min(epci_type) as epci_type,
       count(*) as n_communes,
       count(*) filter (where commune_code in (select code from raw.cog_communes_2026
                                               where type = 'commune-actuelle' and region = '52')) as n_communes_region
from raw.cog_epci_2026
group by epci_siren
having n_communes_region > 0
order by 1;

create or replace table ref.commune as
with region_communes as (
    select c.code as commune_code, c.name as label, c.departement as departement_code,
           c.region as region_code, e.epci_siren, true as in_region, c.population as population_cog
    from raw.cog_communes_2026 c
    left join raw.cog_epci_2026 e on e.commune_code = c.code
    where c.type = 'commune-actuelle' and c.region = '52'
),
outside as (
    select e.commune_code, e.commune_name as label,
           case when e.commune_code like '97%' then left(e.commune_code, 3) else left(e.commune_code, 2) end
               as departement_code,
           null::varchar as region_code, e.epci_siren, false as in_region, null::double as population_cog
    from raw.cog_epci_2026 e
    where e.epci_siren in (select epci_siren from ref.epci)
      and e.commune_code not in (select commune_code from region_communes)
    union by name
    select k.commune_code, null as label, k.departement as departement_code, k.region as region_code,
           null as epci_siren, false as in_region, null::double as population_cog
    from raw.clpe_communes k
    where k.commune_code not in (select commune_code from region_communes)
      and k.commune_code not in (select commune_code from raw.cog_epci_2026)
)
select * from region_communes
union all by name
select commune_code, min(label) as label, min(departement_code) as departement_code,
       min(region_code) as region_code, min(epci_siren) as epci_siren, false as in_region,
       null::double as population_cog
from outside group by commune_code
order by commune_code;

-- ref.commune_history is written by portraits.stages.build_ref (portraits/geography.py).
