"""Group commit keeps acknowledged sign-ons across `kill -9`.

Starts `bayan serve` on a fresh SQLite directory, sends a burst of concurrent sign-ons,
kills the server with SIGKILL in the middle of the burst, then checks that every sign-on
that got its 200 is in the database and that `PRAGMA integrity_check` is clean, for both
durability levels (BAYAN_SQLITE_SYNCHRONOUS=full and normal).
"""
import concurrent.futures
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import ARTIFACTS, BAYAN, ROOT, Checks, free_port  # noqa: E402

check = Checks()



def run(level):
    tmp = tempfile.mkdtemp(prefix="bayan-kill9-")
    data = os.path.join(tmp, "d")
    env = dict(os.environ, BAYAN_SQLITE_SYNCHRONOUS=level)
    try:
        doc = os.path.join(tmp, "s.md")
        open(doc, "w").write("# بيان\n\nنص.\n")
        bayan = lambda *a, stdin=None: subprocess.run([BAYAN, *a, "--data", data], input=stdin, env=env,
                                                      capture_output=True, text=True, check=True).stdout
        bayan("import", doc, "--slug", "s")
        bayan("state", "s", "--to", "circulating")
        names = [f"جمعية رقم {i}" for i in range(1500)]
        tokens = [l.split("\t")[1] for l in bayan("invite", "s", stdin="\n".join(names) + "\n").splitlines()]
        version = json.loads(bayan("export", "s", "--format", "json"))["version"]["hash"]
        server = subprocess.Popen([BAYAN, "serve", "--port", "0", "--data", data], env=env, stdout=subprocess.PIPE, text=True)
        base = re.search(r"http://\S+?(?=/\s|/$)", server.stdout.readline()).group(0)
        acknowledged = []
        lock = threading.Lock()

        def sign(i):
            fields = {"version": version, "name": names[i], "signer": "س", "contact": "s@example.org", "consent": "yes"}
            try:
                with urllib.request.urlopen(urllib.request.Request(base + tokens[i], data=urllib.parse.urlencode(fields).encode()), timeout=30) as r:
                    if r.status == 200:
                        with lock:
                            acknowledged.append(names[i])
                            if len(acknowledged) == 300:
                                server.send_signal(signal.SIGKILL)
            except Exception:
                pass

        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(sign, range(len(names))))
        server.wait(timeout=30)
        check(server.returncode == -signal.SIGKILL, f"[{level}] the server was killed mid-burst after {len(acknowledged)} acknowledgements")
        check(300 <= len(acknowledged) < len(names), f"[{level}] the burst was cut short ({len(acknowledged)} of {len(names)})")
        db = sqlite3.connect(os.path.join(data, "bayan.sqlite"))
        stored = {row[0] for row in db.execute("SELECT display_name FROM endorsements")}
        missing = [n for n in acknowledged if n not in stored]
        check(not missing, f"[{level}] every acknowledged sign-on is stored ({len(stored)} stored, {len(missing)} missing)")
        check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"[{level}] PRAGMA integrity_check is ok")
        db.close()
        verified = subprocess.run([BAYAN, "verify", "s", "--data", data], capture_output=True, text=True)
        check(verified.returncode == 0, f"[{level}] after restart: {verified.stdout.strip()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    for level in ("full", "normal"):
        run(level)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
