"""Each report section returns a typed context (a ``TypedDict`` per section, ``reports/sections``):
exactly the keys its template reads, read from the one reader of observations."""

from __future__ import annotations

import typing

import pytest

from reports.portrait import base_context
from reports.sections import sections
from reports.sections.observations import Observations


def _declared_type(module):
    hint = typing.get_type_hints(module.context)["return"]
    return next(a for a in typing.get_args(hint) if a is not type(None))


@pytest.mark.parametrize("set_id, territory_id", [("clpe", "CLPE44003"), ("commune", "72214"), ("region", "52")])
def test_every_section_returns_exactly_the_keys_of_its_type(pub, set_id, territory_id):
    base = base_context(pub, set_id, territory_id)
    base["observations"] = Observations(pub, base["areas"])
    for module in sections():
        ctx = module.context(pub, base)
        assert ctx is not None, module.__name__
        keys = set(typing.get_type_hints(_declared_type(module)))
        assert set(ctx) == keys, (module.__name__, set(ctx) ^ keys)


def test_the_reader_reads_each_area_once_and_answers_every_section(pub):
    base = base_context(pub, "clpe", "CLPE44003")
    reader = Observations(pub, base["areas"])
    n = pub.execute("select count(*) from indicators.observation where set_id = 'clpe' "
                    "and territory_id = 'CLPE44003'").fetchone()[0]
    own = sum(len(v) for (s, t, _i), v in reader.by_key.items() if (s, t) == ("clpe", "CLPE44003"))
    assert own == n > 300
    pop = reader.own("population", "2022")
    assert pop["status"] == "ok" and pop["value"] == pub.execute(
        "select value from indicators.observation where set_id = 'clpe' and territory_id = 'CLPE44003' "
        "and indicator_id = 'population' and period = '2022'").fetchone()[0]
    with pytest.raises(KeyError, match="population_inconnue"):
        reader.cells("population_inconnue")
