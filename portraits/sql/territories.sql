-- Territory sets: every set is a list of (territory_id, label, commune_code) members in
-- staging.territory_member; ref.territory_set / ref.territory / ref.territory_commune derive from it.
create or replace table staging.territory_set (
    set_id varchar, label varchar, source_id varchar, description varchar, sort_order integer,
    portraits boolean  -- true: one portrait per territory is rendered for this set
);
create or replace table staging.territory_member (
    set_id varchar, territory_id varchar, label varchar, commune_code varchar
);

insert into staging.territory_set values
  ('clpe', 'Territoires locaux (comités locaux pour l''emploi, périmètres des Clefop)', 'clpe_communes',
   'France Travail CLPE referential: 18 territories coded in the region and the region part of the 2 cross-border ones (CLPE35001 Redon, CLPE61003 Alençon). Out-of-region communes of CLPE44003 and CLPE72002 are kept and flagged.', 1, true),
  ('commune', 'Communes', 'cog_communes_2026', 'The current communes of the region, COG 2026.', 2, false),
  ('epci', 'Intercommunalités (EPCI à fiscalité propre)', 'cog_epci_2026',
   'EPCI with at least one commune in the region, with all their member communes (out-of-region members flagged); ZZZZZZZZZ groups the communes without EPCI (L''Île-d''Yeu).', 3, false),
  ('departement', 'Départements', 'cog_departements_2026', 'The 5 départements of the region.', 4, false),
  ('region', 'Région', 'cog_regions_2026', 'Pays de la Loire (52).', 5, false),
  ('zone_emploi', 'Zones d''emploi 2020', 'insee_zonages_2024',
   'INSEE zones d''emploi 2020 (table d''appartenance 2024, mapped to COG 2026); the 2 interregional zones (Alençon 0051, Redon 0062) keep only their region communes.', 6, false),
  ('bassin_vie', 'Bassins de vie 2022', 'insee_zonages_2024',
   'INSEE bassins de vie 2022 (table d''appartenance 2024, mapped to COG 2026); region part of interregional bassins.', 7, false),
  ('bassin_bmo', 'Bassins d''emploi France Travail (BMO)', 'bmo_bassins',
   'France Travail employment basins of the BMO 2024 survey (commune table in COG 2021, mapped to COG 2026). The region communes attached to a basin of another region (Redon area) form the territory HORS_REGION.', 8, false);

insert into staging.territory_member
select 'commune', commune_code, label, commune_code from ref.commune where in_region;

insert into staging.territory_member
select 'epci', coalesce(c.epci_siren, 'ZZZZZZZZZ'),
       coalesce(e.label, 'Communes sans intercommunalité'), c.commune_code
from ref.commune c left join ref.epci e using (epci_siren)
where c.in_region or c.epci_siren in (select epci_siren from ref.epci);

insert into staging.territory_member
select 'departement', c.departement_code, d.label, c.commune_code
from ref.commune c join ref.departement d using (departement_code) where c.in_region;

insert into staging.territory_member
select 'region', r.region_code, r.label, c.commune_code
from ref.commune c join ref.region r on r.region_code = c.region_code where c.in_region;

-- clpe: region communes, plus all communes of territories coded in the region (see sources/clpe.py)
insert into staging.territory_member
select 'clpe', territory_id, label, commune_code
from raw.clpe_communes
where commune_code in (select commune_code from ref.commune where in_region)
   or substr(territory_id, 5, 2) in (select departement_code from ref.departement);

-- Standard zonings, mapped to COG 2026 codes: when several former communes of one 2026 commune
-- carry different zones, the zone of the part bearing the 2026 code wins (else the smallest code).
create or replace temp table zonage_2026 as
with mapped as (
    select coalesce(h.new_code, z.commune_code) as commune_code, z.commune_code as source_code,
           z.ze2020, z.ze2020_label, z.bv2022, z.bv2022_label
    from raw.zonages_2024 z left join ref.commune_history h on h.old_code = z.commune_code
)
select commune_code,
       arg_min(ze2020, (source_code <> commune_code, ze2020)) as ze2020,
       arg_min(ze2020_label, (source_code <> commune_code, ze2020)) as ze2020_label,
       arg_min(bv2022, (source_code <> commune_code, bv2022)) as bv2022,
       arg_min(bv2022_label, (source_code <> commune_code, bv2022)) as bv2022_label
from mapped
where commune_code in (select commune_code from ref.commune where in_region)
group by commune_code;

insert into staging.territory_member
select 'zone_emploi', ze2020, ze2020_label, commune_code from zonage_2026;

insert into staging.territory_member
select 'bassin_vie', bv2022, bv2022_label, commune_code from zonage_2026;

insert into staging.territory_member
with mapped as (
    select coalesce(h.new_code, b.commune_code) as commune_code, b.commune_code as source_code,
           b.basin_code, b.basin_label
    from raw.bmo_bassins b left join ref.commune_history h on h.old_code = b.commune_code
),
one as (
    select commune_code, arg_min(basin_code, (source_code <> commune_code, basin_code)) as basin_code
    from mapped group by commune_code
),
labels as (select basin_code, min(basin_label) as basin_label from mapped group by 1)
select 'bassin_bmo', coalesce(o.basin_code, 'HORS_REGION'),
       coalesce(l.basin_label, 'Communes rattachées à un bassin d''une autre région'), c.commune_code
from ref.commune c
left join one o using (commune_code)
left join labels l using (basin_code)
where c.in_region;
