"""JUnit XML: the report format GitHub, GitLab and Jenkins all read.

One ``<testsuite>`` per suite file, one ``<testcase>`` per case, with
``<failure>`` (an expectation does not hold), ``<error>`` (the case could not
run) or ``<skipped>``.  ``file`` and ``line`` on each testcase let GitLab and
test-reporter actions link to the case.  Written with ElementTree, so every
name and message is escaped; characters XML 1.0 forbids are replaced first.
"""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path
from xml.etree import ElementTree

from visor_mem.testing.runner import CaseResult, SuiteResult

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold, even escaped."""


def clean(text: str) -> str:
    """``text`` with characters XML cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def junit_tree(result: SuiteResult) -> ElementTree.ElementTree:
    """The JUnit document of a suite run."""
    counts = {
        "tests": str(len(result.cases)),
        "failures": str(result.count("failed")),
        "errors": str(result.count("error")),
        "skipped": str(result.count("skipped")),
        "time": _seconds(result.duration_ms),
    }
    root = ElementTree.Element("testsuites", {"name": "visor test", **counts})
    suite = ElementTree.SubElement(
        root,
        "testsuite",
        {
            "name": clean(str(result.suite.path)),
            **counts,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "hostname": clean(socket.gethostname()),
        },
    )
    for case in result.cases:
        _testcase(suite, result, case)
    ElementTree.indent(root)
    return ElementTree.ElementTree(root)


def _testcase(parent: ElementTree.Element, result: SuiteResult, case: CaseResult) -> None:
    where = result.suite.locate(f"tests.cases.{case.index}")
    attributes = {
        "name": clean(case.name),
        "classname": clean(Path(result.suite.path).name),
        "time": _seconds(case.duration_ms),
        "file": clean(where.file or ""),
    }
    if where.line is not None:
        attributes["line"] = str(where.line)
    element = ElementTree.SubElement(parent, "testcase", attributes)
    if case.status == "skipped":
        ElementTree.SubElement(element, "skipped", {"message": clean(case.message or "")})
    elif case.status == "error":
        error = ElementTree.SubElement(
            element, "error", {"message": clean(case.message or ""), "type": "error"}
        )
        error.text = clean(f"{where.prefix()}: {case.message}")
    elif case.failures:
        lines = [f"{result.suite.locate(f.field).prefix()}: {f.message}" for f in case.failures]
        failure = ElementTree.SubElement(
            element, "failure", {"message": clean(case.failures[0].message), "type": "expectation"}
        )
        failure.text = clean("\n".join(lines))


def _seconds(milliseconds: float) -> str:
    return f"{milliseconds / 1000:.3f}"


def write_junit(result: SuiteResult, path: Path) -> None:
    """Write the JUnit XML of ``result`` to ``path`` (UTF-8, with declaration)."""
    junit_tree(result).write(path, encoding="utf-8", xml_declaration=True)
