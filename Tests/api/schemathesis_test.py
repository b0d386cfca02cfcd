"""The described API against its description (issue 17, acceptance 1): schemathesis (PyPI)
generates requests for every operation of the live server's /openapi.yaml, with all its
checks (server errors, undocumented status codes, responses that do not match their
schema, content types, methods not allowed), bounded in examples and time.

The server holds a real-sized statement (docs/sample-statement.md, 65 organisations) with
300 seeded individuals, so keyset pages and cursors are exercised.

Run by scripts/test; standalone: python3 Tests/api/schemathesis_test.py
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import BAYAN, ROOT, Checks, stop  # noqa: E402

check = Checks()


def main():
    tmp = tempfile.mkdtemp(prefix="bayan-api-")
    data = os.path.join(tmp, "d")
    subprocess.run([BAYAN, "import", os.path.join(ROOT, "docs", "sample-statement.md"), "--slug", "joint", "--publish", "--data", data],
                   check=True, capture_output=True)
    subprocess.run([BAYAN, "dev", "seed-individuals", "joint", "--count", "300", "--data", data], check=True, capture_output=True)
    server = subprocess.Popen([BAYAN, "serve", "--port", "0", "--data", data], stdout=subprocess.PIPE, text=True)
    try:
        base = re.search(r"http://\S+?/(?=\s|$)", server.stdout.readline()).group(0).rstrip("/")
        print("schemathesis against", base + "/openapi.yaml")
        run = subprocess.run(
            ["schemathesis", "run", base + "/openapi.yaml", "--checks", "all", "--max-examples", "40", "--seed", "20261202",
             "--request-timeout", "10"],
            capture_output=True, text=True, timeout=600)
        tail = "\n".join(run.stdout.strip().split("\n")[-25:])
        print(tail)
        check(run.returncode == 0, "schemathesis finds no failure on any operation")
        check("5/5" in run.stdout, "every operation of the description was tested")
    finally:
        stop([server])
        shutil.rmtree(tmp, ignore_errors=True)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
