-- Training offer (portraits/themes/formation.py): additive counts per commune of the region, 0 where
-- there is none (every commune of the region gets a row, so a territory without lycée reads 0, ok).
-- Inputs: staging.formation_etablissement and staging.formation_parcoursup (written by the theme),
-- raw.orion_affelnet.

-- Establishments of the directory and apprenticeship organisations.
insert into staging.commune_value
with communes as (select commune_code from ref.commune where in_region),
e as (select * from staging.formation_etablissement where commune_code is not null),
counts as (
    select commune_code,
           count(*) filter (where category = 'lycee') as lycees,
           count(*) filter (where category = 'lycee' and lycee_kind = 'professionnel') as lycees_professionnels,
           count(*) filter (where category = 'lycee' and lycee_kind = 'polyvalent') as lycees_polyvalents,
           count(*) filter (where category = 'lycee' and lycee_kind = 'general_technologique')
               as lycees_generaux_technologiques,
           count(*) filter (where category = 'lycee' and lycee_kind = 'autre') as lycees_autres,
           count(*) filter (where category = 'lycee' and sector = 'Public') as lycees_publics,
           count(*) filter (where category = 'lycee' and sector = 'Privé') as lycees_prives,
           count(*) filter (where category = 'college') as colleges,
           count(*) filter (where category = 'cio') as cio,
           coalesce(sum(pupils) filter (where category = 'lycee'), 0) as eleves_lycees,
           count(*) filter (where apprentissage) as cfa
    from e
    group by commune_code
),
long as (
    unpivot counts
    on lycees, lycees_professionnels, lycees_polyvalents, lycees_generaux_technologiques, lycees_autres,
       lycees_publics, lycees_prives, colleges, cio, eleves_lycees, cfa
    into name indicator_id value value
),
defs (indicator_id, period, source_id) as (
    values ('lycees', '2025', 'annuaire_education'),
           ('lycees_professionnels', '2025', 'annuaire_education'),
           ('lycees_polyvalents', '2025', 'annuaire_education'),
           ('lycees_generaux_technologiques', '2025', 'annuaire_education'),
           ('lycees_autres', '2025', 'annuaire_education'),
           ('lycees_publics', '2025', 'annuaire_education'),
           ('lycees_prives', '2025', 'annuaire_education'),
           ('colleges', '2025', 'annuaire_education'),
           ('cio', '2025', 'annuaire_education'),
           ('eleves_lycees', '2025', 'annuaire_education'),
           ('cfa', '2023', 'ofa_referentiel')
)
select d.indicator_id, d.period, c.commune_code, coalesce(l.value, 0), 'ok', d.source_id
from communes c
cross join defs d
left join long l on l.commune_code = c.commune_code and l.indicator_id = d.indicator_id;

-- Affelnet capacities and first wishes per campaign. A (UAI, MEF) pair listed twice with the same
-- capacity is one capacity (counted once); wishes of both offers are summed.
insert into staging.commune_value
with communes as (select commune_code from ref.commune where in_region),
offers as (
    select year, uai, mefstat11,
           case when count(*) > 1 and min(capacity) = max(capacity) then min(capacity)
                else sum(capacity) end as capacity,
           sum(first_wishes) as first_wishes
    from raw.orion_affelnet
    group by year, uai, mefstat11
),
by_commune as (
    select o.year, e.commune_code, sum(o.capacity) as places_affelnet, sum(o.first_wishes) as voeux1_affelnet
    from offers o join staging.formation_etablissement e using (uai)
    where e.commune_code is not null
    group by all
),
long as (
    unpivot by_commune on places_affelnet, voeux1_affelnet into name indicator_id value value
),
years as (select distinct year from raw.orion_affelnet),
defs (indicator_id) as (values ('places_affelnet'), ('voeux1_affelnet'))
select d.indicator_id, cast(y.year as varchar), c.commune_code, coalesce(l.value, 0), 'ok', 'orion_affelnet'
from communes c
cross join years y
cross join defs d
left join long l on l.commune_code = c.commune_code and l.year = y.year and l.indicator_id = d.indicator_id;

-- Parcoursup offer (latest session of the file; the third-party extract states none: '2025').
insert into staging.commune_value
with communes as (select commune_code from ref.commune where in_region),
p as (
    select *, coalesce(nullif(session, ''), '2025') as period
    from staging.formation_parcoursup
),
latest as (
    select * from p where period = (select max(period) from p) and commune_code is not null
),
by_commune as (
    select commune_code, 'formations_parcoursup_' || type_group as indicator_id, count(*) as n
    from latest group by all
    union all
    select commune_code, 'formations_parcoursup', count(*) from latest group by all
),
defs (indicator_id) as (
    values ('formations_parcoursup'), ('formations_parcoursup_bts'), ('formations_parcoursup_but'),
           ('formations_parcoursup_licence'), ('formations_parcoursup_cpge'),
           ('formations_parcoursup_ingenieur'), ('formations_parcoursup_diplome_etat'),
           ('formations_parcoursup_autres')
)
select d.indicator_id, (select max(period) from p), c.commune_code, coalesce(b.n, 0), 'ok', 'parcoursup_extrait'
from communes c
cross join defs d
left join by_commune b on b.commune_code = c.commune_code and b.indicator_id = d.indicator_id;
