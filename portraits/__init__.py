"""The domain: territories, indicators and the DuckDB warehouse. Plain Python, no Dagster."""
