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
  ('region', 'Région', 'cog_regions_2026', 'Pays de la Loire (52).', 5, false);

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
