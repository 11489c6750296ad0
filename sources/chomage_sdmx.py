"""INSEE BDM: the SDMX-ML 2.1 data message of the BDM web service, read into a table of series.

Split from :mod:`sources.chomage`, whose ``parse_bdm_rates`` reads the localised unemployment rates
either from this message (the official layout, what the dataset's ``url`` serves) or from the
mirror's CSV, and documents both. :class:`_SdmxReader` streams the XML with :mod:`xml.parsers.expat`
(no DOCTYPE, so no entity expansion) and returns one row per series, quarters as columns; errors
name the file, the line and the attribute. ``_quarter_number`` (the order of ``YYYY-Tq`` quarters)
is shared with the rates parsers of :mod:`sources.chomage`, which imports both from here; this
module imports nothing from :mod:`sources.chomage`.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.parsers import expat

import pandas as pd

from .errors import SourceFormatError

_SDMX_ROOTS = ("StructureSpecificData", "GenericData")
_SDMX_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def _quarter_number(quarter: str) -> int:
    return int(quarter[:4]) * 4 + int(quarter[-1]) - 1


class _SdmxReader:
    """SDMX-ML 2.1 data message → series (IDBANK, TITLE_FR, line, {quarter: OBS_VALUE}).

    StructureSpecificData carries everything as attributes (``<Series IDBANK=… TITLE_FR=…>``,
    ``<Obs TIME_PERIOD=… OBS_VALUE=…/>``); GenericData as ``<Value id=… value=…/>`` children of
    ``SeriesKey``/``Attributes``, ``<ObsDimension value=…/>`` and ``<ObsValue value=…/>``. Elements
    are matched by local name, whatever the namespace prefixes. A DOCTYPE is refused (no entity
    expansion)."""

    def __init__(self, path: Path, dataset_id: str):
        self.path, self.dataset_id = path, dataset_id
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        self.parser.StartDoctypeDeclHandler = self.doctype
        self.stack: list[str] = []
        self.series: list[dict] = []
        self.current: dict | None = None
        self.obs: dict | None = None
        self.error_code: str | None = None
        self.error_text: list[str] = []

    def fail(self, reason, line=None, column=None, value=None):
        raise SourceFormatError(self.path, reason, line=line or self.parser.CurrentLineNumber,
                                column=column, value=value, dataset_id=self.dataset_id)

    def doctype(self, *_):
        self.fail("DOCTYPE declaration in an SDMX message (refused)")

    def start(self, name, attrs):
        local = name.rsplit(" ", 1)[-1]
        attrs = {k.rsplit(" ", 1)[-1]: v for k, v in attrs.items()}
        line = self.parser.CurrentLineNumber
        if not self.stack and local not in (*_SDMX_ROOTS, "Error"):
            self.fail(f"not an SDMX-ML 2.1 data message: root element <{local}>, expected "
                      f"<{'> or <'.join(_SDMX_ROOTS)}>", line)
        parent = self.stack[-1] if self.stack else None
        self.stack.append(local)
        if local == "Series":
            self.current = {"attrs": dict(attrs), "line": line, "obs": {}}
            self.series.append(self.current)
        elif self.current is None:
            if local == "ErrorMessage":
                self.error_code = attrs.get("code")
        elif local == "Obs":
            if "TIME_PERIOD" in attrs:
                self.add(attrs["TIME_PERIOD"], attrs.get("OBS_VALUE"), line)
            else:
                self.obs = {"line": line}
        elif self.obs is not None:
            if local == "ObsDimension":
                self.obs["period"] = attrs.get("value")
            elif local == "ObsValue":
                self.obs["value"] = attrs.get("value")
        elif local == "Value" and parent in ("SeriesKey", "Attributes") and attrs.get("id"):
            self.current["attrs"][attrs["id"]] = attrs.get("value")

    def end(self, name):
        local = self.stack.pop()
        if local == "Obs" and self.obs is not None:
            self.add(self.obs.get("period"), self.obs.get("value"), self.obs["line"])
            self.obs = None
        elif local == "Series":
            self.current = None

    def text(self, data):
        if self.stack and self.stack[-1] == "Text" and self.current is None:
            self.error_text.append(data)

    def add(self, period, value, line):
        m = _SDMX_QUARTER.match(period or "")
        if not m:
            self.fail("TIME_PERIOD is not a quarter (expected YYYY-Qn)", line, "TIME_PERIOD", period)
        quarter = f"{m.group(1)}-T{m.group(2)}"
        if quarter in self.current["obs"]:
            self.fail("two observations for one quarter", line, "TIME_PERIOD", period)
        self.current["obs"][quarter] = "" if value is None else value

    def read(self) -> pd.DataFrame:
        try:
            with open(self.path, "rb") as f:
                self.parser.ParseFile(f)
        except expat.ExpatError as exc:
            raise SourceFormatError(self.path, f"malformed XML ({expat.ErrorString(exc.code)})",
                                    line=exc.lineno, dataset_id=self.dataset_id) from None
        if self.error_code is not None or (not self.series and self.error_text):
            message = " ".join("".join(self.error_text).split())
            raise SourceFormatError(self.path, f"SDMX error message instead of data (code "
                                    f"{self.error_code}): {message}", dataset_id=self.dataset_id)
        if not self.series:
            raise SourceFormatError(self.path, "no Series in the SDMX message", dataset_id=self.dataset_id)
        for s in self.series:
            for attr in ("IDBANK", "TITLE_FR"):
                if not s["attrs"].get(attr):
                    self.fail(f"Series without {attr}", s["line"], attr)
        quarters = sorted({q for s in self.series for q in s["obs"]}, key=_quarter_number)
        ordered = sorted(self.series, key=lambda s: s["attrs"]["IDBANK"].strip().zfill(9))
        table = [[s["attrs"]["TITLE_FR"], s["attrs"]["IDBANK"], *(s["obs"].get(q, "") for q in quarters)]
                 for s in ordered]
        df = pd.DataFrame(table, columns=["TITLE_FR", "IDBANK", *quarters], dtype="string")
        df["_line"] = [s["line"] for s in ordered]
        return df
