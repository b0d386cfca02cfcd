"""Issue 14, acceptance 4: `/metrics` in Prometheus' format, checked by `promtool check
metrics` (Debian's prometheus package), and who may read it; `/healthz` and `/readyz`.

Serves a published statement, joins it, opens its pages, then reads /metrics from the
machine itself (the socket peer is loopback and no proxy is involved), refuses it to a
client that a trusted proxy says is elsewhere, and serves it to that client with the
configured bearer token.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import BAYAN, Checks  # noqa: E402

check = Checks()
TOKEN = "metrics-token-for-the-test-0123456789"


def main():
    tmp = tempfile.mkdtemp(prefix="bayan-metrics-")
    data = os.path.join(tmp, "d")
    env = dict(os.environ, BAYAN_JOIN_MIN_SECONDS="0", BAYAN_TRUSTED_PROXIES="127.0.0.1", BAYAN_METRICS_TOKEN=TOKEN)
    server = None
    try:
        doc = os.path.join(tmp, "s.md")
        with open(doc, "w") as f:
            f.write("# بيان\n\nنص.\n\n1. نقابة المعلمين\n")
        subprocess.run([BAYAN, "import", doc, "--slug", "joint", "--publish", "--data", data], check=True, capture_output=True)
        server = subprocess.Popen([BAYAN, "serve", "--port", "0", "--data", data], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        base = re.search(r"http://\S+?(?=/\s|/$)", server.stdout.readline()).group(0)

        def fetch(path, fields=None, headers=None):
            data = urllib.parse.urlencode(fields).encode() if fields else None
            try:
                with urllib.request.urlopen(urllib.request.Request(base + path, data=data, headers=headers or {}), timeout=30) as r:
                    return r.status, r.read().decode(), r.headers
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode(), e.headers

        check(fetch("/healthz")[:2] == (200, "ok\n"), "/healthz answers ok")
        check(fetch("/readyz")[:2] == (200, "ready\n"), "/readyz answers ready")
        for _ in range(3):
            fetch("/s/joint")
        page = fetch("/s/joint/join")[1]
        fields = {"kind": "individual", "name": "مؤيد", "email": "m@example.net", "consent": "yes", "visibility": "public",
                  "t": re.search(r'name="t" value="([^"]+)"', page).group(1),
                  "version": re.search(r'name="version" value="([^"]+)"', page).group(1), "website": ""}
        check(fetch("/s/joint/join", fields)[0] == 200, "a join is stored")

        status, text, headers = fetch("/metrics")
        check(status == 200 and headers.get("Content-Type", "").startswith("text/plain"), "/metrics answers the machine itself")
        for name in ["bayan_joins_total", "bayan_group_commit_batch_size", "bayan_group_commit_seconds", "bayan_page_cache_total",
                     "hb_requests_total", "http_server_request_duration"]:
            check(re.search(rf"^{name}", text, re.M) is not None, f"/metrics reports {name}")
        check('bayan_joins_total{outcome="joined"} 1' in text, "the join is counted once")
        check("m@example.net" not in text and TOKEN not in text, "no contact or token in the metrics")
        promtool = shutil.which("promtool")
        if check(promtool is not None, "promtool is installed (Debian's prometheus package)"):
            result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
            check(result.returncode == 0, f"promtool check metrics passes {(result.stdout + result.stderr).strip()[:300]}")

        outside = {"X-Forwarded-For": "203.0.113.9"}
        check(fetch("/metrics", headers=outside)[0] == 403, "a client the trusted proxy names as outside is refused")
        check(fetch("/metrics", headers={**outside, "Authorization": "Bearer wrong"})[0] == 403, "a wrong token is refused")
        check(fetch("/metrics", headers={**outside, "Authorization": f"Bearer {TOKEN}"})[0] == 200, "the configured token opens it")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    try:
        json_logs(tmp, data)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return check.finish()


def json_logs(tmp, data):
    """BAYAN_LOG_FORMAT=json: the server's log lines are JSON objects (a scheduled backup's
    notice is one); an unknown format stops the start with a message."""
    bad = subprocess.run([BAYAN, "serve", "--port", "0", "--data", data], env=dict(os.environ, BAYAN_LOG_FORMAT="xml"),
                         capture_output=True, text=True, timeout=60)
    check(bad.returncode != 0 and "BAYAN_LOG_FORMAT must be text or json" in bad.stderr, "an unknown log format is refused")
    env = dict(os.environ, BAYAN_LOG_FORMAT="json", BAYAN_BACKUP_DIR=os.path.join(tmp, "backups"))
    server = subprocess.Popen([BAYAN, "serve", "--port", "0", "--data", data], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        try:
            entry = json.loads(line)
        except ValueError:
            entry = {}
        check(entry.get("message") == "backup written" and entry.get("level") == "notice" and "time" in entry,
              f"a log line is one JSON object: {line.strip()[:200]}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
