"""Issue 14, acceptance 5: deploy/bayan.service passes `systemd-analyze verify`, and
`systemd-analyze security --offline=true` rates its exposure at most 2.0."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import BAYAN, ROOT, Checks  # noqa: E402

check = Checks()


def main():
    tmp = tempfile.mkdtemp(prefix="bayan-unit-")
    try:
        unit = open(os.path.join(ROOT, "deploy", "bayan.service")).read()
        # The unit names the installed binary; verify it against the one just built.
        path = os.path.join(tmp, "bayan.service")
        with open(path, "w") as f:
            f.write(unit.replace("/usr/local/bin/bayan", os.path.abspath(BAYAN)))
        if not check(shutil.which("systemd-analyze") is not None, "systemd-analyze is installed"):
            return check.finish()
        verify = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
        check(verify.returncode == 0 and "bayan.service" not in verify.stderr,
              f"systemd-analyze verify passes {verify.stderr.strip()[:300]}")
        security = subprocess.run(["systemd-analyze", "security", "--offline=true", path], capture_output=True, text=True)
        match = re.search(r"Overall exposure level for bayan.service: ([0-9.]+)", security.stdout)
        score = float(match.group(1)) if match else 99
        check(score <= 2.0, f"systemd-analyze security --offline=true rates the unit {score} (at most 2.0)")
        for setting in ["ProtectSystem=strict", "NoNewPrivileges=yes", "ReadWritePaths=/var/lib/bayan", "User=bayan"]:
            check(setting in unit, f"the unit sets {setting}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
