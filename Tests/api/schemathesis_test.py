"""The described API against its description (issue 17, acceptances 1 and 3): schemathesis
(PyPI) generates requests for every operation of the live server's /openapi.yaml, public
and, with a coordinator's token, the coordinator's (its stateful phase creates statements,
invites, moderates, publishes), with all its checks (server errors, undocumented status
codes, responses that do not match their schema, schema-violating requests accepted, methods
not allowed), bounded in examples and time. The token never appears in the server's log.

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
    subprocess.run([BAYAN, "coordinator", "create", "--email", "api@example.org", "--password-stdin", "--data", data],
                   input="correct horse battery\n", text=True, check=True, capture_output=True, env=dict(os.environ, BAYAN_BCRYPT_COST="4"))
    token = subprocess.run([BAYAN, "token", "create", "--email", "api@example.org", "--write", "--data", data],
                           check=True, capture_output=True, text=True).stdout.strip()
    check(token.startswith("bayan_"), "a write token for every statement of the coordinator")
    log = open(os.path.join(tmp, "server.log"), "w")
    server = subprocess.Popen([BAYAN, "serve", "--port", "0", "--data", data], stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        base = re.search(r"http://\S+?/(?=\s|$)", server.stdout.readline()).group(0).rstrip("/")
        print("schemathesis against", base + "/openapi.yaml")
        run = subprocess.run(
            ["schemathesis", "run", base + "/openapi.yaml", "--checks", "all", "--max-examples", "40", "--seed", "20261202",
             "--request-timeout", "10", "-H", f"Authorization: Bearer {token}"],
            capture_output=True, text=True, timeout=600)
        tail = "\n".join(run.stdout.strip().split("\n")[-25:])
        print(tail)
        check(run.returncode == 0, "schemathesis finds no failure on any operation")
        check("11/11" in run.stdout, "every operation of the description was tested (5 public, 6 coordinator's)")
        stop([server])
        log.close()
        logged = open(os.path.join(tmp, "server.log")).read() + (server.stdout.read() if server.stdout else "")
        check(token not in logged and token[6:] not in logged, "the token appears nowhere in the server's log")
    finally:
        stop([server])
        shutil.rmtree(tmp, ignore_errors=True)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
