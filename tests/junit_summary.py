"""Print "PASSED FAILED" summed over JUnit XML files (ctest and pytest)."""
import sys
import xml.etree.ElementTree as ET

passed = failed = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        failed += 1  # a suite that could not even write its report failed
        continue
    for case in root.iter("testcase"):
        outcome = {child.tag for child in case}
        if outcome & {"failure", "error"}:
            failed += 1
        elif "skipped" in outcome or case.get("status") in ("notrun", "disabled"):
            continue
        else:
            passed += 1
print(passed, failed)
