"""The rows of a definition file checked against the reference tables (communes and EPCI of the
COG 2026 or 2024, the commune history): codes resolved to 2026 communes, ids, labels, communes
in two territories, the members and the coverage warnings. Used by
:func:`portraits.territories.load_definition`; every fault is a French :class:`Problem`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .definition_file import (COMMUNE_PATTERN, ID_PATTERN, MAX_LISTED, REGION_DEPARTEMENTS,  # noqa: F401
                              SIREN_PATTERN, Problem)
from .geography import KNOWN_SPLITS

def _communes_table(communes: pd.DataFrame) -> tuple[set[str], dict[str, str]]:
    """Current codes and names of a commune frame (sources.cog.parse_communes or ref.commune)."""
    if "code" in communes.columns:
        cur = communes[communes["type"] == "commune-actuelle"] if "type" in communes.columns else communes
        names = dict(zip(communes["code"], communes["name"]))
        names.update(zip(cur["code"], cur["name"]))  # a current commune's name wins over a delegated one
        return set(cur["code"]), names
    if "commune_code" in communes.columns:
        label = "label" if "label" in communes.columns else None
        names = dict(zip(communes["commune_code"], communes[label])) if label else {}
        return set(communes["commune_code"]), names
    raise KeyError("communes: expected columns (code, name, type) or (commune_code, label)")


def _name(code: str, *tables: dict) -> str:
    for t in tables:
        v = t.get(code)
        if isinstance(v, str) and v:
            return f"{code} ({v})"
    return code


def _listing(codes, names: dict, limit: int = MAX_LISTED) -> str:
    codes = list(codes)
    shown = ", ".join(_name(c, names) for c in codes[:limit])
    return shown + (f" … (+{len(codes) - limit})" if len(codes) > limit else "")


def _lines(lines) -> str:
    lines = sorted(set(lines))
    return ("ligne " if len(lines) == 1 else "lignes ") + ", ".join(map(str, lines))



@dataclass
class _Reference:
    """The reference tables as the checks read them: ``*_v`` in the file's COG vintage, ``names26``
    the names to show (2026 names first when the file is in COG 2026)."""

    cog: int
    history: pd.DataFrame
    current: set[str]  # current communes of the vintage
    names_v: dict[str, str]
    parents_v: dict[str, str]  # delegated or associated commune -> its commune, in the vintage
    old_to_new: dict[str, str]  # former code -> 2026 code
    old_names: dict[str, str]
    new_names: dict[str, str]
    names26: dict[str, str]
    epci_communes: dict[str, list[str]]  # EPCI SIREN -> member communes (vintage)
    epci_member_codes: set[str]
    member_names: dict[str, str]

    def to_2026(self, code: str) -> str:
        return self.old_to_new.get(code, code) if self.cog == 2024 else code


def _reference(communes: pd.DataFrame, epci_members: pd.DataFrame, history: pd.DataFrame,
               cog: int) -> _Reference:
    current, names_v = _communes_table(communes)
    parents_v = {}
    if {"code", "type", "parent_code"} <= set(communes.columns):
        child = communes[(communes["type"] != "commune-actuelle") & ~communes["code"].isin(current)]
        parents_v = dict(zip(child["code"], child["parent_code"]))
    hist = history.drop_duplicates("old_code").set_index("old_code")
    old_to_new = hist["new_code"].to_dict()
    old_names = hist["old_name"].dropna().to_dict() if "old_name" in hist.columns else {}
    new_names = dict(zip(history["new_code"], history["new_name"])) if "new_name" in history.columns else {}
    names26 = {**names_v, **new_names} if cog == 2024 else {**new_names, **names_v}
    epci_communes = epci_members.groupby("epci_siren")["commune_code"].apply(list).to_dict()
    epci_member_codes = set(epci_members["commune_code"])
    member_names = dict(zip(epci_members["commune_code"], epci_members.get("commune_name", epci_members["commune_code"])))
    return _Reference(cog, history, current, names_v, parents_v, old_to_new, old_names, new_names, names26,
                      epci_communes, epci_member_codes, member_names)


@dataclass
class _Rows:
    """What the row checks gather for the territory checks."""

    detail: list[tuple] = field(default_factory=list)  # territory_id, commune_code (2026), line, given_code, via
    no_code_rows: dict[str, list[int]] = field(default_factory=dict)  # territory_id -> lines without a code
    rows_by_tid: dict[str, list[dict]] = field(default_factory=dict)  # in file order
    converted: dict[str, str] = field(default_factory=dict)  # COG 2024 code -> 2026 code


def _check_row(rec: dict, ref: _Reference, rows: _Rows, problems: list[Problem]) -> None:
    """Check one row and resolve its EPCI or commune to 2026 communes (into ``rows.detail``)."""
    line, tid, lab = rec["line"], rec["territory_id"], rec["label"]
    ep, cc = rec["epci_siren"], rec["commune_code"]
    if not tid:
        problems.append(Problem(line, "territory_id", "empty_id", "identifiant de territoire vide."))
    elif not ID_PATTERN.fullmatch(tid):
        bad = sorted({ch for ch in tid if not re.fullmatch(r"[A-Za-z0-9_-]", ch)})
        why = (f"caractère(s) non autorisé(s) : {' '.join(repr(c) for c in bad)}" if bad
               else "plus de 64 caractères")
        problems.append(Problem(line, "territory_id", "bad_id",
                                f"identifiant « {tid} » invalide ({why}) : lettres sans accent, chiffres, "
                                "« - » et « _ » seulement (l'identifiant devient un nom de fichier)."))
    if not lab:
        problems.append(Problem(line, "label", "empty_label", "libellé du territoire vide."))
    if tid:
        rows.rows_by_tid.setdefault(tid, []).append(rec)
    if ep and cc:
        problems.append(Problem(line, None, "both_codes",
                                f"la ligne remplit à la fois epci_siren ({ep}) et commune_code ({cc}) : "
                                "une ligne désigne soit un EPCI entier, soit une commune."))
        return
    if not ep and not cc:
        rows.no_code_rows.setdefault(tid, []).append(line)
        return
    if cc:
        _resolve_commune(line, tid, cc, ref, rows, problems)
    else:
        _resolve_epci(line, tid, ep, ref, rows, problems)


def _resolve_commune(line: int, tid: str, cc: str, ref: _Reference, rows: _Rows,
                     problems: list[Problem]) -> None:
    cog = ref.cog
    if not COMMUNE_PATTERN.fullmatch(cc):
        hint = ""
        if re.fullmatch(r"\d{4}", cc) and ("0" + cc in ref.current or "0" + cc in ref.epci_member_codes):
            hint = f" Le zéro initial a-t-il été perdu (0{cc}) ? Mettez la colonne au format Texte."
        elif SIREN_PATTERN.fullmatch(cc):
            hint = " Cela ressemble à un SIREN d'EPCI : mettez-le dans la colonne epci_siren."
        problems.append(Problem(line, "commune_code", "bad_commune_code",
                                f"« {cc} » n'est pas un code commune INSEE (5 caractères).{hint}"))
        return
    if cc in ref.current or (cc in ref.epci_member_codes and cc not in ref.old_to_new):
        new = ref.to_2026(cc)
        if new != cc:
            rows.converted[cc] = new
        if tid:
            rows.detail.append((tid, new, line, cc, "commune"))
    elif cc in ref.old_to_new:
        new = ref.old_to_new[cc]
        msg = (f"{_name(cc, ref.old_names)} est une ancienne commune, fusionnée dans "
               f"{_name(new, ref.new_names, ref.names26)} : utilisez le code {new}")
        if cog == 2026 and cc in _gone_after_2024(ref.history):
            msg += " (ou indiquez --cog 2024 si tout le fichier est en COG 2024)"
        problems.append(Problem(line, "commune_code", "former_commune", msg + "."))
    elif cc in ref.parents_v:
        parent = ref.parents_v[cc]
        new = ref.to_2026(parent)
        after = f" (aujourd'hui {_name(new, ref.names26)})" if new != parent else ""
        problems.append(Problem(line, "commune_code", "former_commune",
                                f"{_name(cc, ref.names_v)} est une commune déléguée ou associée de "
                                f"{_name(parent, ref.names_v)} dans le COG {cog}{after} : utilisez le "
                                f"code {parent}."))
    elif cc[:2] not in REGION_DEPARTEMENTS:
        problems.append(Problem(line, "commune_code", "unknown_commune",
                                f"code commune {cc} inconnu : hors de la région, seules les communes "
                                f"des EPCI du COG {cog} ayant au moins une commune dans la région sont "
                                "connues (indiquez plutôt l'EPCI, ou vérifiez le code)."))
    else:
        problems.append(Problem(line, "commune_code", "unknown_commune",
                                f"code commune {cc} inconnu dans le COG {cog}."))


def _resolve_epci(line: int, tid: str, ep: str, ref: _Reference, rows: _Rows,
                  problems: list[Problem]) -> None:
    cog = ref.cog
    if not SIREN_PATTERN.fullmatch(ep):
        hint = ""
        if COMMUNE_PATTERN.fullmatch(ep):
            hint = " Cela ressemble à un code commune : mettez-le dans la colonne commune_code."
        problems.append(Problem(line, "epci_siren", "bad_epci_siren",
                                f"« {ep} » n'est pas un SIREN d'EPCI (9 chiffres).{hint}"))
        return
    if ep not in ref.epci_communes:
        problems.append(Problem(line, "epci_siren", "unknown_epci",
                                f"EPCI {ep} inconnu parmi les EPCI du COG {cog} ayant au moins une "
                                "commune dans la région."))
        return
    for c in ref.epci_communes[ep]:
        new = ref.to_2026(c)
        if new != c:
            rows.converted[c] = new
        if tid:
            rows.detail.append((tid, new, line, c, f"epci:{ep}"))


def _check_codeless_rows(rows: _Rows, problems: list[Problem]) -> None:
    """Rows with neither an EPCI nor a commune: a problem each, or one for a territory with no code."""
    for tid, lines in rows.no_code_rows.items():
        if not tid:
            for line in lines:
                problems.append(Problem(line, None, "no_code", "ni epci_siren ni commune_code : ligne vide de sens."))
        elif len(lines) == len(rows.rows_by_tid.get(tid, [])):
            problems.append(Problem(lines[0], None, "empty_territory",
                                    f"le territoire « {tid} » n'a aucun EPCI ni aucune commune "
                                    f"({_lines(lines)} sans code)."))
        else:
            for line in lines:
                problems.append(Problem(line, None, "no_code",
                                        "ni epci_siren ni commune_code : indiquez l'un des deux."))


def _check_id_case(rows: _Rows, problems: list[Problem]) -> None:
    """Two territory ids differing only by case would give the same file name."""
    by_lower: dict[str, list[str]] = {}
    for tid in rows.rows_by_tid:
        by_lower.setdefault(tid.lower(), []).append(tid)
    for spellings in by_lower.values():
        if len(spellings) > 1:
            firsts = {t: rows.rows_by_tid[t][0]["line"] for t in spellings}
            later = sorted(spellings, key=firsts.get)
            desc = " et ".join(f"« {t} » (ligne {firsts[t]})" for t in later)
            problems.append(Problem(firsts[later[1]], "territory_id", "duplicate_id",
                                    f"les identifiants {desc} ne diffèrent que par la casse : ils donneraient "
                                    "le même nom de fichier. Utilisez un seul identifiant par territoire."))


def _check_labels(rows: _Rows, problems: list[Problem]) -> None:
    """One label per territory."""
    for tid, recs in rows.rows_by_tid.items():
        labels: dict[str, list[int]] = {}
        for r in recs:
            if r["label"]:
                labels.setdefault(r["label"], []).append(r["line"])
        if len(labels) > 1:
            ordered = sorted(labels.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
            desc = " ; ".join(f"« {lab} » ({_lines(ls)})" for lab, ls in ordered)
            first_odd = min(ordered[1][1])
            problems.append(Problem(first_odd, "label", "label_mismatch",
                                    f"le territoire « {tid} » a plusieurs libellés : {desc}. "
                                    "Un même libellé sur toutes ses lignes."))


def _check_communes_in_two(det: pd.DataFrame, ref: _Reference, problems: list[Problem]) -> None:
    """A commune in two territories: one problem per (line, territory already holding the communes)."""
    per_commune = det.groupby("commune_code")["territory_id"].nunique()
    clash = per_commune[per_commune > 1].index
    if not len(clash):
        return
    c = det[det["commune_code"].isin(clash)]
    pairs: dict[tuple, dict] = {}
    for code, part in c.groupby("commune_code"):
        firsts = part.sort_values("line").drop_duplicates("territory_id")
        base = firsts.iloc[0]
        for other in firsts.iloc[1:].itertuples(index=False):
            entry = pairs.setdefault((int(other.line), other.territory_id, base.territory_id),
                                     {"codes": [], "lines": set()})
            entry["codes"].append(code)
            entry["lines"].add(int(base.line))
    names26 = ref.names26
    for (l2, t2, t1), entry in sorted(pairs.items()):
        codes = entry["codes"]
        merged = ""
        if ref.cog == 2024:
            notes = []
            for code in codes:
                given = sorted(set(det.loc[det["commune_code"] == code, "given_code"]) - {code})
                if given:
                    notes.append(f"{', '.join(given)} et {code} forment {_name(code, names26)} en 2026")
            merged = (" (" + " ; ".join(notes) + ")") if notes else ""
        n = len(codes)
        problems.append(Problem(
            l2, None, "commune_in_two_territories",
            f"{'la commune' if n == 1 else f'{n} communes'} {_listing(codes, names26)} "
            f"{'est' if n == 1 else 'sont'} dans le territoire « {t2} » (ligne {l2}) et déjà dans le "
            f"territoire « {t1} » ({_lines(entry['lines'])}){merged}. "
            "Une commune appartient à un seul territoire.",
        ))


def _listed_twice(det: pd.DataFrame, ref: _Reference) -> list[str]:
    """The warning (none or one) for communes listed twice in one territory (counted once)."""
    twice = det[det.duplicated(["territory_id", "commune_code"], keep=False)]
    if twice.empty:
        return []
    parts = []
    for (tid, code), part in twice.groupby(["territory_id", "commune_code"]):
        parts.append(f"{_name(code, ref.names26)} dans « {tid} » ({_lines(part['line'])})")
    return [f"{len(parts)} commune(s) listée(s) deux fois dans le même territoire (comptée(s) "
            f"une fois) : {'; '.join(parts[:MAX_LISTED])}{' …' if len(parts) > MAX_LISTED else ''}."]


def _members(det: pd.DataFrame, rows: _Rows) -> pd.DataFrame:
    """``territory_id, label, commune_code``: one row per pair, territories in file order."""
    label_of = {tid: next(r["label"] for r in recs if r["label"]) for tid, recs in rows.rows_by_tid.items()}
    members = det.drop_duplicates(["territory_id", "commune_code"])[["territory_id", "commune_code"]].copy()
    members["label"] = members["territory_id"].map(label_of)
    order = {tid: i for i, tid in enumerate(rows.rows_by_tid)}
    return (members.assign(_o=members["territory_id"].map(order))
            .sort_values(["_o", "commune_code"]).drop(columns="_o")
            [["territory_id", "label", "commune_code"]].reset_index(drop=True))


def _coverage_warnings(members: pd.DataFrame, region_communes: set[str], converted: dict[str, str],
                       ref: _Reference) -> list[str]:
    """Warnings of a valid definition: communes of the region left out, communes outside the region,
    COG 2024 codes converted, groups of communes that older data count together split."""
    warnings = []
    names26 = ref.names26
    covered = set(members["commune_code"])
    left_out = sorted(set(region_communes) - covered)
    if left_out:
        warnings.append(f"{len(left_out)} commune(s) de la région ne sont dans aucun territoire : "
                        f"{_listing(left_out, names26)}.")
    outside = members[~members["commune_code"].isin(region_communes)]
    if not outside.empty:
        parts = [f"{_name(r.commune_code, ref.member_names, names26)} dans « {r.territory_id} »"
                 for r in outside.itertuples(index=False)]
        warnings.append(f"{len(outside)} commune(s) hors région, conservée(s) et signalée(s) : "
                        f"{'; '.join(parts[:MAX_LISTED])}{' …' if len(parts) > MAX_LISTED else ''}.")
    if converted:
        pairs = [f"{old} → {_name(new, names26)}" for old, new in sorted(converted.items())]
        warnings.append(f"{len(converted)} code(s) du COG 2024 convertis en COG 2026 : {', '.join(pairs)}.")
    territory_of = dict(zip(members["commune_code"], members["territory_id"]))
    for parent, split in KNOWN_SPLITS.items():
        group = [parent, *split["restored"]]
        where = {territory_of.get(c) for c in group}
        if len(where) > 1 and where != {None}:
            warnings.append(
                f"les communes {_listing(group, names26)} sont dans des territoires différents : les données "
                f"antérieures à {split['year']} les comptent ensemble ({_name(parent, names26)}) et ne "
                "pourront pas être réparties entre ces territoires.")
    return warnings


def _description(path: Path, sha: str, cog: int, members: pd.DataFrame, region_communes: set[str]) -> str:
    """The set's default description (English, for the database's metadata)."""
    covered = set(members["commune_code"])
    outside = members[~members["commune_code"].isin(region_communes)]
    n_t = members["territory_id"].nunique()
    return (f"Coordinator definition {path.name} (sha256 {sha[:12]}, COG {cog}"
            f"{' mapped to 2026' if cog != 2026 else ''}): {n_t} territories, "
            f"{len(covered)} communes"
            f"{f', {len(outside)} outside the region' if len(outside) else ''}.")


def _gone_after_2024(history: pd.DataFrame) -> set[str]:
    if "kind" not in history.columns:
        return set()
    return set(history.loc[history["kind"].isin(["merged_after_2024", "recoded_after_2024"]), "old_code"])

