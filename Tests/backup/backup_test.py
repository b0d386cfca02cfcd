"""Issue 14, acceptance 1: `bayan backup` during a burst of joins, then `bayan restore`.

For SQLite and for PostgreSQL: serves a published statement, sends a burst of public joins,
takes a backup in the middle of it, restores the file into a new SQLite directory (and,
from PostgreSQL, into an empty PostgreSQL database too), and checks that every join
acknowledged before the backup began is in the copy, that `bayan verify` passes on it and
that `bayan serve` serves it. Also: a backup never overwrites, a restore refuses a target
that is not empty and a file that is not a backup. Needs BAYAN_TEST_POSTGRES_URL for the
PostgreSQL half (scripts/test starts a cluster).
"""
import base64
import concurrent.futures
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import BAYAN, Checks  # noqa: E402

check = Checks()
SERVER_URL = os.environ.get("BAYAN_TEST_POSTGRES_URL")
LIMITS_OFF = dict(BAYAN_JOIN_MIN_SECONDS="0", BAYAN_JOIN_PER_ADDRESS_PER_HOUR="100000000",
                  BAYAN_JOIN_PER_NETWORK_PER_HOUR="100000000", BAYAN_JOIN_PER_DOMAIN_PER_HOUR="100000000",
                  BAYAN_JOIN_PER_STATEMENT_PER_MINUTE="100000000")


def psql(url, sql):
    return subprocess.run(["psql", url, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def new_database():
    name = "bayan_backup_" + uuid.uuid4().hex[:12]
    psql(SERVER_URL, f"CREATE DATABASE {name}")
    return name, SERVER_URL.rsplit("/", 1)[0] + "/" + name


def cli(*args, env=None):
    return subprocess.run([BAYAN, *args], capture_output=True, text=True, env=env or os.environ)


def serve(where, env):
    server = subprocess.Popen([BAYAN, "serve", "--port", "0", *where], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    base = re.search(r"http://\S+?(?=/\s|/$)", server.stdout.readline()).group(0)
    return server, base


def stop(server):
    server.terminate()
    server.wait(timeout=30)


ADDRESS = re.compile(rb"p\d+@example\.net")


def clear_addresses(paths):
    """The files among `paths` that hold a joined address in clear (issue 14, acceptance 2)."""
    found = []
    for path in paths:
        if os.path.exists(path):
            with open(path, "rb") as f:
                if ADDRESS.search(f.read()):
                    found.append(path)
    return found


def run(label, where, tmp, restore_targets, key_env=None):
    """`where`: the --data/--database arguments of the instance under test; `key_env`: the
    contacts key in BAYAN_CONTACTS_KEY (PostgreSQL), else the key file in the data directory."""
    env = dict(os.environ, **LIMITS_OFF, **(key_env or {}))
    doc = os.path.join(tmp, "s.md")
    with open(doc, "w") as f:
        f.write("# بيان مشترك\n\nنحن الموقّعين أدناه.\n\n## الموقّعون\n\n1. نقابة المعلمين\n2. رابطة الكتّاب\n")
    r = cli("import", doc, "--slug", "joint", "--publish", *where, env=env)
    check(r.returncode == 0, f"[{label}] a published statement is imported")
    server, base = serve(where, env)
    backup = os.path.join(tmp, "bayan-backup.sqlite")
    try:
        def fetch(path, fields=None):
            data = urllib.parse.urlencode(fields).encode() if fields else None
            try:
                with urllib.request.urlopen(urllib.request.Request(base + path, data=data), timeout=60) as resp:
                    return resp.status, resp.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()

        page = fetch("/s/joint/join")[1]
        version = re.search(r'name="version" value="([^"]+)"', page).group(1)
        total = 1200
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            stamps = list(pool.map(lambda _: re.search(r'name="t" value="([^"]+)"', fetch("/s/joint/join")[1]).group(1), range(total)))
        acknowledged = []  # (name, monotonic time of the answer)
        lock = threading.Lock()
        backup_started = threading.Event()
        started_at = [None]
        result = {}

        def take_backup():
            started_at[0] = time.monotonic()
            result["backup"] = cli("backup", "--output", backup, *where, env=env)

        def join(i):
            fields = {"kind": "individual", "name": f"مؤيد رقم {i}", "email": f"p{i}@example.net", "consent": "yes",
                      "visibility": "public", "t": stamps[i], "version": version, "website": ""}
            status, _ = fetch("/s/joint/join", fields)
            if status == 200:
                with lock:
                    acknowledged.append((fields["name"], time.monotonic()))
                    if len(acknowledged) == 300 and not backup_started.is_set():
                        backup_started.set()
                        threading.Thread(target=take_backup).start()

        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(join, range(total)))
        while "backup" not in result:
            time.sleep(0.1)
        b = result["backup"]
        check(b.returncode == 0, f"[{label}] bayan backup completed during the burst ({len(acknowledged)} joins answered): "
              f"{(b.stdout + b.stderr).strip().splitlines()[-1:]}")
        before = {name for name, at in acknowledged if at < started_at[0]}
        during = len(acknowledged) - len(before)
        check(len(before) >= 300 and during > 0, f"[{label}] joins were answered before ({len(before)}) and after ({during}) the backup began")
        if where[0] == "--data":
            live = os.path.join(where[1], "bayan.sqlite")
            check(not clear_addresses([live, live + "-wal", backup]),
                  f"[{label}] no joined address in clear in the database file, its WAL or the backup (byte search)")
        else:
            dump = subprocess.run(["pg_dump", where[1]], capture_output=True, check=True).stdout
            check(len(dump) > 10000 and not ADDRESS.search(dump), f"[{label}] no joined address in clear in the database (pg_dump, byte search)")
            check(not clear_addresses([backup]), f"[{label}] no joined address in clear in the backup (byte search)")
        again = cli("backup", "--output", backup, *where, env=env)
        check(again.returncode != 0 and "exists" in again.stderr, f"[{label}] a second backup to the same file is refused: {again.stderr.strip()}")
    finally:
        stop(server)

    key_args = [] if key_env else ["--contacts-key", os.path.join(where[1], "contacts.key")]
    for target_label, target in restore_targets:
        if not key_env:
            nokey = cli("restore", backup, *target, env=env)
            leftover = os.listdir(target[1]) if target[0] == "--data" and os.path.exists(target[1]) else []
            check(nokey.returncode != 0 and "--contacts-key" in nokey.stderr and not leftover,
                  f"[{label} → {target_label}] a restore without the contacts key is refused and leaves nothing: {nokey.stderr.strip()[-160:]}")
        r = cli("restore", backup, *target, *key_args, env=env)
        if not check(r.returncode == 0, f"[{label} → {target_label}] bayan restore verified the copy: "
                     f"{(r.stdout + r.stderr).strip().splitlines()[-2:]}"):
            continue
        if target[0] == "--data":
            db = sqlite3.connect(os.path.join(target[1], "bayan.sqlite"))
            stored = {row[0] for row in db.execute("SELECT display_name FROM endorsements")}
            db.close()
        else:
            stored = set(psql(target[1], "SELECT display_name FROM endorsements").splitlines())
        missing = [n for n in before if n not in stored]
        check(not missing, f"[{label} → {target_label}] every join answered before the backup began is restored "
              f"({len(before)} answered, {len(stored)} rows, {len(missing)} missing)")
        if target[0] == "--data":
            check(not clear_addresses([os.path.join(target[1], "bayan.sqlite")]), f"[{label} → {target_label}] the restored file holds no address in clear")
        v = cli("verify", *target, env=env)
        check(v.returncode == 0, f"[{label} → {target_label}] bayan verify passes: {v.stdout.strip()}")
        server, base = serve(target, env)
        try:
            with urllib.request.urlopen(base + "/s/joint", timeout=60) as resp:
                body = resp.read().decode()
            check(resp.status == 200 and "نقابة المعلمين" in body, f"[{label} → {target_label}] bayan serve serves the restored statement")
        finally:
            stop(server)
        twice = cli("restore", backup, *target, env=env)
        check(twice.returncode != 0 and "not empty" in twice.stderr,
              f"[{label} → {target_label}] restoring into a target that is not empty is refused: {twice.stderr.strip()}")
    not_backup = os.path.join(tmp, "notes.txt")
    with open(not_backup, "w") as f:
        f.write("not a database\n")
    bad = cli("restore", not_backup, "--data", os.path.join(tmp, "never"))
    check(bad.returncode != 0 and "not a Bayan backup" in bad.stderr and not os.path.exists(os.path.join(tmp, "never")),
          f"[{label}] a file that is not a backup is refused and nothing is created: {bad.stderr.strip()}")


def main():
    tmp = tempfile.mkdtemp(prefix="bayan-backup-")
    databases = []
    try:
        print("SQLite")
        run("SQLite", ["--data", os.path.join(tmp, "live")], tmp, [("SQLite", ["--data", os.path.join(tmp, "restored")])])
        if SERVER_URL:
            print("PostgreSQL")
            pg_tmp = os.path.join(tmp, "pg")
            os.makedirs(pg_tmp)
            live, live_url = new_database()
            empty, empty_url = new_database()
            databases += [live, empty]
            run("PostgreSQL", ["--database", live_url], pg_tmp,
                [("SQLite", ["--data", os.path.join(pg_tmp, "restored")]), ("PostgreSQL", ["--database", empty_url])],
                key_env={"BAYAN_CONTACTS_KEY": base64.b64encode(os.urandom(32)).decode(),
                         "BAYAN_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode()})
        else:
            check(os.environ.get("BAYAN_TEST_SKIP_POSTGRES") == "1", "BAYAN_TEST_POSTGRES_URL is set (or the skip is explicit)")
    finally:
        for name in databases:
            psql(SERVER_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
