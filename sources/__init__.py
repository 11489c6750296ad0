"""Official open-data sources: where each lives, how to fetch, parse and validate it.

Plain Python; never imports dagster or the rest of the project.
"""
