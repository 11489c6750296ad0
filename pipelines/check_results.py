"""Check results shared by the asset checks (``checks.py``) and the checks evaluated inside each
source asset's step (``assets/ingest.py``)."""


from dagster import AssetCheckResult, AssetCheckSeverity

from portraits import quality

from .resources import PortraitsSettings

SOURCE_CHECK = "not_empty_and_codes_well_formed"
SOURCE_CHECK_DESCRIPTION = ("The raw table is not empty, its commune codes are 5-character text, it "
                            "keeps every column of the last published build and its row count is "
                            "within 0.5x-2x of it.")


def result(problems: list[str], what: str) -> AssetCheckResult:
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        description=(what if not problems else f"{what}: FAILED\n" + "\n".join(problems)),
        metadata={"problems": len(problems), "first_problems": "\n".join(problems[:10]) or "none"},
    )


def previous_build(settings: PortraitsSettings, dataset_id):
    """Rows and columns of ``dataset_id`` in the last published build (None, None if none)."""
    import duckdb

    published = settings.output_path() / "portraits.duckdb"
    if not dataset_id or not published.exists():
        return None, None
    try:
        with duckdb.connect(str(published), read_only=True) as pub:
            cols = {r[0] for r in pub.execute(
                "select column_name from information_schema.columns where table_schema = 'meta' "
                "and table_name = 'source'").fetchall()}
            row = pub.execute(
                f"select rows, {'columns' if 'columns' in cols else 'null'} from meta.source where source_id = ?",
                [dataset_id]).fetchone()
    except duckdb.Error:
        return None, None
    if not row:
        return None, None
    return row[0], (row[1].split(",") if row[1] else None)


def source_problems(con, settings: PortraitsSettings, table: str, dataset_id: str) -> tuple[int, list[str]]:
    """Rows and problems of a raw table, on the working database connection ``con``."""
    n = con.execute(f'select count(*) from raw."{table}"').fetchone()[0]
    problems = [] if n else [f"raw.{table} is empty"]
    problems += quality.commune_codes_well_formed(con, "raw", table)
    columns = [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' "
        "and table_name = ?", [table]).fetchall()]
    prev_rows, prev_columns = previous_build(settings, dataset_id)
    problems += quality.row_count_in_band(n, prev_rows)
    problems += quality.columns_kept(columns, prev_columns)
    return n, problems

