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
-- Cells '*' (secret) are left out of the totals (stated in the notes). A '*' is not a small number:
-- it marks too few survey answers (Nantes has 827 projects of artists with a '*' difficult count).
-- So the shares of difficult and seasonal projects are computed over the cells where both counts
-- are published (numerator and denominator summed over those cells only), and a share with secret
-- parts is never presented as complete: its status is 'estimate' and its note gives the share of
-- projects covered and the bounds within which the true share lies (every secret count at 0, or at
-- its cell's projects): for the region's seasonal share, 50.0 % over the covered projects, between
-- 32.9 % and 67.0 %. A share whose published cells cover less than half of the projects is
-- 'secret' (no figure: the bounds say too little), with the bounds in its note.

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
       sum(projects) filter (where projects_status = 'ok' and difficult_status = 'ok') as projects_d,
       coalesce(sum(projects) filter (where projects_status = 'ok' and difficult_status <> 'ok'), 0) as unknown_d,
       sum(seasonal) filter (where projects_status = 'ok' and seasonal_status = 'ok') as seasonal,
       sum(projects) filter (where projects_status = 'ok' and seasonal_status = 'ok') as projects_s,
       coalesce(sum(projects) filter (where projects_status = 'ok' and seasonal_status <> 'ok'), 0) as unknown_s,
       min(source_id) as source_id, min(year) as year
from raw.bmo_2024
group by basin_code;

create or replace temp table emploi_bmo_total as
select s.set_id, s.territory_id,
       sum(s.share * b.projects) as projects,
       sum(s.share * b.difficult) as difficult, sum(s.share * b.projects_d) as projects_d,
       sum(s.share * b.unknown_d) as unknown_d,
       sum(s.share * b.seasonal) as seasonal, sum(s.share * b.projects_s) as projects_s,
       sum(s.share * b.unknown_s) as unknown_s,
       sum(b.n_secret) filter (where s.share > 0) as n_secret,
       min(b.source_id) as source_id, min(b.year) as year
from emploi_bmo_share s join emploi_bmo_basin b using (basin_code)
group by all;

insert into indicators.observation
with t as (
    select t.*, x.projects, x.difficult, x.projects_d, x.unknown_d, x.seasonal, x.projects_s, x.unknown_s,
           x.n_secret,
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
select set_id, territory_id, 'projets_recrutement_' || kind || '_part', cast(year as varchar),
       case when status <> 'missing' and den > 0 and den >= unknown then 100 * num / den end,
       case when status <> 'missing' and den > 0 and den >= unknown then num end,
       case when status <> 'missing' and den > 0 and den >= unknown then den end,
       case when status = 'missing' then 'missing'
            when not den > 0 then case when unknown > 0 then 'secret' else 'missing' end
            when den < unknown then 'secret'
            when unknown > 1e-9 then 'estimate' else status end,
       source_id,
       nullif(concat_ws(' ; ', note, case when status <> 'missing' and den > 0 and unknown > 1e-9 then
              case when den < unknown
                   then 'nombre de projets ' || what || ' publié pour ' || cast(round(100 * den / (den + unknown)) as integer)
                        || ' % des projets seulement : part non calculée'
                   else 'part calculée sur les projets dont le nombre de projets ' || what || ' est publié ('
                        || cast(round(100 * den / (den + unknown)) as integer) || ' % des projets publiés)' end
              || ' ; avec les '
              || 'cellules sous secret (*), la part réelle est comprise entre '
              || replace(cast(round(100 * num / (den + unknown), 1) as varchar), '.', ',') || ' % et '
              || replace(cast(round(100 * (num + unknown) / (den + unknown), 1) as varchar), '.', ',') || ' %' end), '')
from (
    select *, 'difficiles' as kind, 'difficiles' as what, difficult as num, projects_d as den, unknown_d as unknown
    from secret_note
    union all
    select *, 'saisonniers', 'saisonniers', seasonal, projects_s, unknown_s from secret_note
);

-- Projects by occupation (one indicator per FAP-2021 code of the file, catalogued by the theme):
-- same attribution; a territory touching a basin where the cell is secret is 'secret' for that
-- occupation (its total is unknown). Not computed for the commune set (a commune's figure would only
-- be its basin's scaled by population: see portraits/themes/emploi.py).
create or replace temp table emploi_bmo_fap as
select s.set_id, s.territory_id, c.fap_code,
       sum(s.share * c.projects) filter (where c.projects_status = 'ok') as projects,
       count(*) filter (where c.projects_status = 'secret') as n_secret,
       sum(s.share * c.difficult) filter (where c.projects_status = 'ok' and c.difficult_status = 'ok') as difficult,
       sum(s.share * c.projects) filter (where c.projects_status = 'ok' and c.difficult_status = 'ok') as projects_d,
       coalesce(sum(s.share * c.projects) filter (where c.projects_status = 'ok' and c.difficult_status <> 'ok'), 0) as unknown_d,
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
       case when f.n_secret = 0 and f.n_secret_d < f.n_cells and f.projects_d > 0 and f.projects_d >= f.unknown_d
            then 100 * coalesce(f.difficult, 0) / f.projects_d end,
       case when f.n_secret = 0 and f.n_secret_d < f.n_cells and f.projects_d > 0 and f.projects_d >= f.unknown_d
            then coalesce(f.difficult, 0) end,
       case when f.n_secret = 0 and f.n_secret_d < f.n_cells and f.projects_d > 0 and f.projects_d >= f.unknown_d
            then f.projects_d end,
       case when f.n_secret > 0 or f.n_secret_d = f.n_cells then 'secret'
            when not f.projects > 0 then 'missing'
            when not f.projects_d > 0 or f.projects_d < f.unknown_d then 'secret'
            when f.unknown_d > 1e-9 then 'estimate'
            when t.whole then 'ok' else 'estimate' end,
       f.source_id,
       nullif(concat_ws(' ; ',
           case when f.n_secret > 0 then f.n_secret || ' bassin(s) du territoire sous secret statistique pour ce métier'
                when f.n_secret_d = f.n_cells or not f.projects_d > 0 then 'projets difficiles sous secret statistique'
                when f.unknown_d > 1e-9 then case when f.projects_d < f.unknown_d
                     then 'nombre de projets difficiles publié pour ' || cast(round(100 * f.projects_d / f.projects) as integer)
                          || ' % des projets seulement : part non calculée'
                     else 'part calculée sur les bassins où le nombre de projets difficiles est publié ('
                          || cast(round(100 * f.projects_d / f.projects) as integer) || ' % des projets)' end
                     || ' ; avec les '
                     || f.n_secret_d || ' bassin(s) sous secret (*), la part réelle est comprise entre '
                     || replace(cast(round(100 * coalesce(f.difficult, 0) / f.projects, 1) as varchar), '.', ',')
                     || ' % et '
                     || replace(cast(round(100 * (coalesce(f.difficult, 0) + f.unknown_d) / f.projects, 1) as varchar), '.', ',')
                     || ' %' end,
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
       || 'attributed like projets_recrutement, over the basins where both counts are published; secret '
       || 'when the projects are secret in a basin touching the territory or the difficult projects in all '
       || 'of them; estimate, with the bounds in the note, when some difficult counts are secret. Not '
       || 'computed for the commune set.',
       'ratio', 1
from fap;
