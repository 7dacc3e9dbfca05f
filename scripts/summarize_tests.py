#!/usr/bin/env python3
"""Prints the suite's closing line, "N passed, N failed", from meson's JUnit log.

GoogleTest binaries (protocol gtest) contribute one test case per TEST; other
tests count once. A test binary that crashed before writing its cases counts as
one failure. Exit status: 0 only when nothing failed and something ran.
"""
import sys
import xml.etree.ElementTree as ET


def main(path: str) -> int:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"summarize: cannot read {path}: {e}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    passed = failed = skipped = 0
    failures = []
    for suite in root.iter("testsuite"):
        for case in suite.findall("testcase"):
            name = f"{suite.get('name')}.{case.get('name')}"
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                failures.append(name)
            elif case.find("skipped") is not None:
                skipped += 1
                failures.append(name + " (skipped)")
            else:
                passed += 1
    for f in failures:
        print(f"FAILED: {f}")
    # A skip is not allowed to hide: it counts as a failure of the suite.
    failed += skipped
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
