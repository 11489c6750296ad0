-- Employment theme: BMO 2024 recruitment projects (France Travail), published by employment basin
-- (bassin BMO) x occupation (FAP-2021). Basins do not nest in the territories, so basin figures are
-- attributed to territories by population:
--   weight of a commune in its basin = its population municipale 2022 / the basin's population 2022
--   (basin membership: the bassin_bmo set, communes in COG 2026);
--   share(T, b) = sum of the weights of the communes of basin b that belong to territory T;
--   value(T)    = sum over basins b of share(T, b) x value(b).
-- Over the territories of any partition of the region the shares of a basin add up to 1, so the
-- values add up to the regional total. status: 'ok' when every basin touching T lies wholly in T
-- (the bassin_bmo set itself, départements, the region: exact sums), 'estimate' otherwise, 'missing'
-- when T has no commune in a basin of the file (communes attached to a basin of another region).
-- Cells '*' (secret) are left out of the totals (stated in the notes). Shares of difficult and
-- seasonal projects = published difficult (seasonal) projects / published projects, as France
-- Travail's own totals: a '*' difficult or seasonal count under a published project count is a small
-- number (zeros included) and adds nothing to the numerator, so the share is a slight lower bound.
-- Leaving those cells out of the denominator too would bias the shares upwards (the seasonal share of
-- the region would be 50 % instead of 33 %: 63,856 projects have a secret seasonal count).

create or replace temp table emploi_bmo_weight as
with basins as (select distinct basin_code from raw.bmo_2024),
members as (
    select tc.territory_id as basin_code, tc.commune_code
    from ref.territory_commune tc
    where tc.set_id = 'bassin_bmo' and tc.territory_id in (select basin_code from basins)
),
pop as (select commune_code, population from raw.population_historique where year = 2022)
select m.basin_code, m.commune_code, p.population,
       p.population / sum(p.population) over (partition by m.basin_code) as weight,
       count(*) over (partition by m.basin_code) as basin_communes
from members m join pop p using (commune_code);

create or replace temp table emploi_bmo_share as
select tc.set_id, tc.territory_id, w.basin_code,
       case when count(*) = min(w.basin_communes) then 1.0 else sum(w.weight) end as share,  -- exact 1 for whole basins
       count(*) as n_in, min(w.basin_communes) as n_basin
from ref.territory_commune tc join emploi_bmo_weight w using (commune_code)
group by all;

-- per territory: basins touched, all whole?, communes not covered, note on the method
create or replace temp table emploi_bmo_territory as
with t as (
    select m.set_id, m.territory_id,
           count(*) filter (where m.in_region and w.commune_code is null) as n_uncovered,
           count(*) filter (where not m.in_region) as n_outside
    from ref.territory_commune m
    left join emploi_bmo_weight w using (commune_code)
    group by all
),
s as (
    select x.set_id, x.territory_id, bool_and(x.n_in = x.n_basin) as whole, count(*) as n_basins,
           string_agg(b.label || case when x.n_in = x.n_basin then ' (entier)'
                                      when x.share < 0.01 then ' (moins de 1 %)'
                                      else ' (' || cast(round(100 * x.share) as integer) || ' %)' end,
                      ', ' order by x.share desc, b.label) as basins
    from emploi_bmo_share x
    left join ref.territory b on b.set_id = 'bassin_bmo' and b.territory_id = x.basin_code
    group by x.set_id, x.territory_id
)
select t.set_id, t.territory_id, coalesce(s.whole, false) as whole, coalesce(s.n_basins, 0) as n_basins,
       nullif(concat_ws(' ; ',
           case when s.n_basins > 0 and not s.whole then
                'Estimation : chiffres des bassins BMO répartis au prorata de la population municipale '
                || '2022 des communes ; bassins (part de leur population dans le territoire) : ' || s.basins end,
           case when t.n_uncovered > 0 then t.n_uncovered
                || ' commune(s) rattachée(s) à un bassin d''emploi d''une autre région, non couverte(s)' end,
           case when t.n_outside > 0 then 'périmètre régional : ' || t.n_outside
                || ' commune(s) hors Pays de la Loire non couverte(s) par la source' end), '') as note
from t left join s using (set_id, territory_id)
where t.n_uncovered + coalesce(s.n_basins, 0) > 0;

create or replace temp table emploi_bmo_basin as
select basin_code,
       sum(projects) filter (where projects_status = 'ok') as projects,
       count(*) filter (where projects_status = 'secret') as n_secret,
       sum(difficult) filter (where projects_status = 'ok' and difficult_status = 'ok') as difficult,
       sum(projects) filter (where projects_status = 'ok') as projects_d,
       sum(seasonal) filter (where projects_status = 'ok' and seasonal_status = 'ok') as seasonal,
       sum(projects) filter (where projects_status = 'ok') as projects_s,
       min(source_id) as source_id, min(year) as year
from raw.bmo_2024
group by basin_code;

create or replace temp table emploi_bmo_total as
select s.set_id, s.territory_id,
       sum(s.share * b.projects) as projects,
       sum(s.share * b.difficult) as difficult, sum(s.share * b.projects_d) as projects_d,
       sum(s.share * b.seasonal) as seasonal, sum(s.share * b.projects_s) as projects_s,
       sum(b.n_secret) filter (where s.share > 0) as n_secret,
       min(b.source_id) as source_id, min(b.year) as year
from emploi_bmo_share s join emploi_bmo_basin b using (basin_code)
group by all;

insert into indicators.observation
with t as (
    select t.*, x.projects, x.difficult, x.projects_d, x.seasonal, x.projects_s, x.n_secret,
           coalesce(x.source_id, (select min(source_id) from raw.bmo_2024)) as source_id,
           coalesce(x.year, (select max(year) from raw.bmo_2024)) as year,
           case when t.n_basins = 0 then 'missing' when t.whole then 'ok' else 'estimate' end as status
    from emploi_bmo_territory t
    left join emploi_bmo_total x using (set_id, territory_id)
),
secret_note as (
    select *, case when n_secret > 0 then n_secret
                   || ' cellule(s) métier x bassin sous secret statistique (*) non comptée(s)' end as secret_text
    from t
)
select set_id, territory_id, 'projets_recrutement', cast(year as varchar),
       case when status <> 'missing' then projects end, case when status <> 'missing' then projects end,
       null, status, source_id, nullif(concat_ws(' ; ', note, secret_text), '')
from secret_note
union all
select set_id, territory_id, 'projets_recrutement_difficiles_part', cast(year as varchar),
       case when status <> 'missing' and projects_d > 0 then 100 * difficult / projects_d end,
       case when status <> 'missing' then difficult end, case when status <> 'missing' then projects_d end,
       case when status <> 'missing' and not projects_d > 0 then 'missing' else status end, source_id,
       nullif(concat_ws(' ; ', note,
              'projets difficiles publiés / projets publiés ; les projets difficiles sous secret (petits nombres) ne sont pas comptés'), '')
from secret_note
union all
select set_id, territory_id, 'projets_recrutement_saisonniers_part', cast(year as varchar),
       case when status <> 'missing' and projects_s > 0 then 100 * seasonal / projects_s end,
       case when status <> 'missing' then seasonal end, case when status <> 'missing' then projects_s end,
       case when status <> 'missing' and not projects_s > 0 then 'missing' else status end, source_id,
       nullif(concat_ws(' ; ', note,
              'projets saisonniers publiés / projets publiés ; les projets saisonniers sous secret (petits nombres) ne sont pas comptés'), '')
from secret_note;

-- Projects by occupation (one indicator per FAP-2021 code of the file, catalogued by the theme):
-- same attribution; a territory touching a basin where the cell is secret is 'secret' for that
-- occupation (its total is unknown). Not computed for the commune set (a commune's figure would only
-- be its basin's scaled by population: see portraits/themes/emploi.py).
create or replace temp table emploi_bmo_fap as
select s.set_id, s.territory_id, c.fap_code,
       sum(s.share * c.projects) filter (where c.projects_status = 'ok') as projects,
       count(*) filter (where c.projects_status = 'secret') as n_secret,
       sum(s.share * c.difficult) filter (where c.projects_status = 'ok' and c.difficult_status = 'ok') as difficult,
       count(*) filter (where c.projects_status = 'ok' and c.difficult_status <> 'ok') as n_secret_d,
       count(*) filter (where c.projects_status = 'ok') as n_cells,
       min(c.source_id) as source_id, min(c.year) as year
from emploi_bmo_share s
join raw.bmo_2024 c using (basin_code)
where s.set_id <> 'commune' and s.share > 0
group by all;

insert into indicators.observation
select f.set_id, f.territory_id, 'projets_recrutement_metier_' || lower(f.fap_code), cast(f.year as varchar),
       case when f.n_secret = 0 then f.projects end, case when f.n_secret = 0 then f.projects end, null,
       case when f.n_secret > 0 then 'secret' when t.whole then 'ok' else 'estimate' end,
       f.source_id,
       case when f.n_secret > 0 then f.n_secret || ' bassin(s) du territoire sous secret statistique pour ce métier'
            when not t.whole then 'Estimation : chiffres des bassins BMO répartis au prorata de la population 2022 des communes' end
from emploi_bmo_fap f join emploi_bmo_territory t using (set_id, territory_id)
union all
select f.set_id, f.territory_id, 'projets_recrutement_difficiles_part_metier_' || lower(f.fap_code),
       cast(f.year as varchar),
       case when f.n_secret = 0 and f.n_secret_d < f.n_cells and f.projects > 0
            then 100 * coalesce(f.difficult, 0) / f.projects end,
       case when f.n_secret = 0 and f.n_secret_d < f.n_cells then coalesce(f.difficult, 0) end,
       case when f.n_secret = 0 and f.n_secret_d < f.n_cells then f.projects end,
       case when f.n_secret > 0 or f.n_secret_d = f.n_cells then 'secret' when not f.projects > 0 then 'missing'
            when t.whole then 'ok' else 'estimate' end,
       f.source_id,
       nullif(concat_ws(' ; ',
           case when f.n_secret > 0 then f.n_secret || ' bassin(s) du territoire sous secret statistique pour ce métier'
                when f.n_secret_d = f.n_cells then 'projets difficiles sous secret statistique'
                when f.n_secret_d > 0 then 'projets difficiles sous secret dans ' || f.n_secret_d
                     || ' bassin(s) (petits nombres, non comptés) : part minorée' end,
           case when not t.whole then 'Estimation : chiffres des bassins BMO répartis au prorata de la population 2022 des communes' end),
           '')
from emploi_bmo_fap f join emploi_bmo_territory t using (set_id, territory_id);

-- Catalogue entries of the occupation indicators (labels of the BMO file).
insert into indicators.catalog
with fap as (select fap_code, min(fap_label) as fap_label, min(source_id) as source_id
             from raw.bmo_2024 group by 1)
select 'projets_recrutement_metier_' || lower(fap_code), 'Projets de recrutement : ' || fap_label,
       'projets', source_id,
       'BMO recruitment projects for occupation ' || fap_code || ' (FAP-2021), attributed to the '
       || 'territory like projets_recrutement; secret when a basin touching the territory is secret '
       || 'for this occupation. Not computed for the commune set.',
       'sum', 0
from fap
union all
select 'projets_recrutement_difficiles_part_metier_' || lower(fap_code),
       'Part des projets de recrutement jugés difficiles : ' || fap_label, '%', source_id,
       'Difficult / all recruitment projects (x 100) for occupation ' || fap_code || ' (FAP-2021), both '
       || 'attributed like projets_recrutement; secret when the projects are secret in a basin touching '
       || 'the territory or the difficult projects in all of them; a secret difficult count elsewhere adds '
       || 'nothing (lower bound, see the note). Not computed for the commune set.',
       'ratio', 1
from fap;
