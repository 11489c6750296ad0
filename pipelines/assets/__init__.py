"""Dagster assets of the pipeline, one module per group."""


def build_info(context) -> dict:
    """What a portrait says of the run that made it: its id and date (French)."""
    from portraits import warehouse
    from reports.formatting import long_date

    return {"build_id": context.run_id, "date_label": long_date(warehouse.now())}
