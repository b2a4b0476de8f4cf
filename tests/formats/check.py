"""Re-read mlgate reports with real consumers and check what they see.

usage: check.py DIR   (DIR holds report.json, junit.xml, cq.json, gh.txt,
                       summary.md written from tests/formats/hostile.json)
Prints one line per check and "N passed, N failed".
"""
import json
import re
import sys

import jsonschema
import junitparser

d = sys.argv[1]
src = json.load(open("tests/formats/hostile.json"))
ids = [c["id"] for c in src["checks"]]
ids[6] = "accuracy#2"  # the report makes ids unique
results = []


def check(name, fn):
    try:
        fn()
        results.append(True)
        print("ok     formats." + name)
    except Exception as e:  # noqa: BLE001 - report any failure
        results.append(False)
        print("FAIL   formats.%s: %r" % (name, e))


def json_report():
    rep = json.load(open(d + "/report.json"))
    jsonschema.validate(rep, json.load(open("docs/report-schema.json")))
    assert [c["id"] for c in rep["checks"]] == ids, rep["checks"]
    assert rep["status"] == "error" and rep["exit_code"] == 3
    assert rep["summary"] == {"checks": 8, "pass": 3, "warn": 1,
                              "fail": 2, "error": 1, "skip": 1}
    c = rep["checks"][2]
    assert c["count"] == 3 and len(c["findings"]) == 2
    assert c["findings"][0]["location"] == {
        "file": "data/a:b,c%.csv", "line": 4, "column": 2, "field": "age"}
    assert rep["checks"][1]["message"] == src["checks"][1]["message"]
    assert rep["checks"][7]["value"] == 1e-300
    assert rep["properties"] == src["properties"]
    assert rep["tables"][0]["rows"][1] == ["age|years", "0.01", "pass"]


def junit():
    xml = junitparser.JUnitXml.fromfile(d + "/junit.xml")
    suites = list(xml)
    assert len(suites) == 1
    s = suites[0]
    assert s.name == "mlgate.mlg-testtool"
    assert (s.tests, s.failures, s.errors, s.skipped) == (8, 2, 1, 1)
    cases = list(s)
    assert [c.name for c in cases] == ids
    assert all(c.classname == "mlgate.mlg-testtool" for c in cases)
    res = [type(c.result[0]).__name__ if c.result else "pass" for c in cases]
    assert res == ["pass", "Failure", "Failure", "Error", "Skipped", "pass",
                   "pass", "pass"], res
    fail = cases[1].result[0]
    # XML 1.0 cannot carry \x01 or \x08: shown as the text report shows
    # them; the line breaks it carries are kept.
    assert fail.message == ("p99 0.2514s is above 250ms\nsecond line\r\n"
                            "third\\x01\\x08 100% done"), repr(fail.message)
    assert "value: 0.2514s" in cases[1].system_out
    assert "rule: p99 < 250ms" in cases[1].system_out
    assert "... 1 more (3 in all)" in cases[2].result[0].text
    props = {p.name: p.value for p in s.properties()}
    assert props["baseline"] == "origin/main"
    # Tables have no testcase: they are the suite's own system-out.
    out = s._elem.find("system-out").text
    assert "Drift | by column\ncolumn     psi   verdict\n" in out, out
    assert "age|years  0.01  pass\n" in out, out


def codequality():
    cq = json.load(open(d + "/cq.json"))
    assert isinstance(cq, list) and len(cq) == 5, len(cq)
    fps = set()
    for i in cq:
        assert set(i) == {"description", "check_name", "fingerprint",
                          "severity", "location"}, i
        assert i["severity"] in ("info", "minor", "major", "critical",
                                 "blocker")
        assert isinstance(i["location"]["path"], str)
        assert isinstance(i["location"]["lines"]["begin"], int)
        fps.add(i["fingerprint"])
    assert len(fps) == len(cq), "fingerprints not unique"
    assert cq[1]["location"] == {"path": "data/a:b,c%.csv",
                                 "lines": {"begin": 4}}
    assert [i["severity"] for i in cq] == ["major", "major", "major",
                                           "critical", "minor"]


def unescape(s, prop):
    # The runner's rules, in reverse of how it escapes.
    s = s.replace("%0D", "\r").replace("%0A", "\n")
    if prop:
        s = s.replace("%3A", ":").replace("%2C", ",")
    return s.replace("%25", "%")


def github():
    lines = [l for l in open(d + "/gh.txt").read().split("\n") if l]
    cmd = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")
    parsed = []
    for l in lines:
        m = cmd.match(l)
        assert m, "not a workflow command: %r" % l
        props = {}
        if m.group(2):
            for kv in m.group(2).split(","):
                k, v = kv.split("=", 1)
                props[k] = unescape(v, True)
        parsed.append((m.group(1), props, unescape(m.group(3), False)))
    kinds = [p[0] for p in parsed]
    assert kinds == ["error", "error", "error", "error", "warning",
                     "notice"], kinds
    assert parsed[0][1] == {"title": ids[1]}
    # controls other than CR and LF show as the text report shows them
    shown = re.sub(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]",
                   lambda m: "\\x%02x" % ord(m.group()),
                   src["checks"][1]["message"])
    assert "\\x01\\x08" in shown
    assert parsed[0][2] == shown, parsed[0][2]
    assert parsed[1][1] == {"file": "data/a:b,c%.csv", "line": "4",
                            "col": "2", "title": "type-error:age"}
    assert parsed[1][2] == "field 'age': 'abc' is not an integer"
    assert parsed[3][1] == {"file": "mlgate.yml", "line": "3",
                            "title": "registry"}
    assert "1 more errors and 0 more warnings" in parsed[5][2]


def markdown():
    md = open(d + "/summary.md").read()
    assert md.startswith("<!-- mlgate:mlg-testtool -->\n"), md[:60]
    assert "| \u274c | type-error:age |  |  | 3 cells are not integers |" in md
    assert "p99 &lt;latency&gt;" in md
    assert "| age\\|years | 0.01 | pass |" in md
    assert "second line third" in md


check("json-schema", json_report)
check("junit-junitparser", junit)
check("codequality", codequality)
check("github-commands", github)
check("markdown", markdown)
passed = sum(results)
print("%d passed, %d failed" % (passed, len(results) - passed))
sys.exit(0 if all(results) else 1)
