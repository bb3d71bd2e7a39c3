"""The results of ``lossexp check`` in the forms CI reads: JUnit XML and JSON.

One test case per config: passed; failed, with the fields out of tolerance in the failure
message and their table in its body; skipped (a sweep config, or a missing baseline outside
CI); or failed for a missing baseline under CI=true.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

PASSED, FAILED, MISSING, SKIPPED = "passed", "failed", "missing", "skipped"
SUITE = "lossexp check"


@dataclass
class CaseResult:
    """The outcome of one config in a check."""

    config: Path
    status: str  # passed, failed, missing (no baseline) or skipped (a sweep config)
    name: str = ""
    baseline: Path | None = None
    seconds: float = 0.0
    failures: list = field(default_factory=list)  # baselines.Failure
    extra: list[str] = field(default_factory=list)
    message: str = ""  # why it was skipped or missing, or the failure table
    fails_check: bool = False  # for missing: whether it fails the check (CI=true)

    @property
    def failed(self) -> bool:
        return self.status == FAILED or (self.status == MISSING and self.fails_check)


def _plain(value):
    from lossexp.curves.baselines import MISSING as ABSENT

    if value is ABSENT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def as_json(results: list[CaseResult]) -> dict:
    """The check as one JSON-ready document: ``passed`` and one entry per config."""
    configs = []
    for r in results:
        entry = {"config": str(r.config), "name": r.name or Path(r.config).stem,
                 "status": r.status,
                 "baseline": None if r.baseline is None else str(r.baseline),
                 "seconds": round(r.seconds, 3)}
        if r.status == FAILED:
            entry["failures"] = [
                {"field": f.field, "expected": _plain(f.expected), "got": _plain(f.got),
                 "tolerance": None if f.tolerance is None else f.tolerance.as_dict(),
                 "note": f.note} for f in r.failures]
        if r.extra:
            entry["not_in_baseline"] = list(r.extra)
        if r.message and r.status != FAILED:
            entry["message"] = r.message
        configs.append(entry)
    return {"passed": not any(r.failed for r in results), "configs": configs}


def junit_xml(results: list[CaseResult]) -> str:
    """JUnit XML: a <testsuite> named 'lossexp check' with a <testcase> per config."""
    cases = [_testcase(r) for r in results]
    counts = {"tests": len(results),
              "failures": sum(r.failed for r in results),
              "errors": 0,
              "skipped": sum(not r.failed and r.status in (SKIPPED, MISSING) for r in results),
              "time": f"{sum(r.seconds for r in results):.3f}"}
    suites = ET.Element("testsuites", {k: str(v) for k, v in counts.items()})
    suite = ET.SubElement(suites, "testsuite", {"name": SUITE, **{k: str(v) for k, v in counts.items()}})
    suite.extend(cases)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _testcase(r: CaseResult) -> ET.Element:
    case = ET.Element("testcase", {"classname": "lossexp.check", "name": r.name or Path(r.config).stem,
                                   "file": str(r.config), "time": f"{r.seconds:.3f}"})
    if r.status == FAILED:
        fields = ", ".join(f.field for f in r.failures)
        failure = ET.SubElement(case, "failure", {
            "message": f"{len(r.failures)} field(s) out of tolerance of {r.baseline}: {fields}",
            "type": "CurveMismatch"})
        failure.text = r.message
    elif r.status == MISSING and r.fails_check:
        ET.SubElement(case, "failure", {"message": r.message, "type": "MissingBaseline"})
    elif r.status in (SKIPPED, MISSING):
        ET.SubElement(case, "skipped", {"message": r.message})
    return case
