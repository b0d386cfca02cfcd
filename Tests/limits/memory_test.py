"""Issue 12, acceptance 4: 10,000 requests with distinct query strings and 10,000 with
distinct forwarded client addresses grow the resident memory of `bayan serve` by less
than 20 MB. Before the bounds (cache keyed by raw query, rate-limit map keyed by raw
header) each request left an entry behind.
"""
import concurrent.futures
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import BAYAN, Checks, free_port  # noqa: E402

check = Checks()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) / 1024


def main():
    tmp = tempfile.mkdtemp(prefix="bayan-memory-")
    data = os.path.join(tmp, "d")
    doc = os.path.join(tmp, "s.md")
    open(doc, "w").write("# بيان\n\nنص البيان.\n\n" + "".join(f"- {i} - جمعية رقم {i}\n" for i in range(1, 66)))
    subprocess.run([BAYAN, "import", doc, "--slug", "joint", "--publish", "--data", data], check=True, capture_output=True)
    port = free_port()
    env = dict(os.environ, BAYAN_TRUSTED_PROXIES="127.0.0.1", BAYAN_JOIN_MIN_SECONDS="0")
    server = subprocess.Popen([BAYAN, "serve", "--port", str(port), "--data", data], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server.stdout.readline()
    local = threading.local()

    def request(method, path, body=None, headers=None):
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local.conn.request(method, path, body=body, headers=headers or {})
        r = local.conn.getresponse()
        r.read()
        return r.status

    page = subprocess.run(["curl", "-s", f"http://127.0.0.1:{port}/s/joint/join"], capture_output=True, text=True).stdout
    stamp = re.search(r'name="t" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    # A join that passes the stamp and reaches the rate limits, then fails validation:
    # each distinct client leaves counters behind, nothing is stored.
    invalid = urllib.parse.urlencode({"kind": "individual", "name": "x", "email": "not-an-address", "consent": "yes",
                                      "t": stamp, "version": version, "visibility": "public"})
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def queries(offset):
        return [request("GET", f"/s/joint?page={i}&lang=en&utm_source=x{i}&q={i}") for i in range(offset, offset + 10_000)]

    def clients(offset):
        def one(i):
            hop = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            return request("POST", "/s/joint/join", invalid, dict(form, **{"X-Forwarded-For": hop}))
        return list(pool.map(one, range(offset, offset + 10_000)))

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            # Warm-up: the allocator, caches and connection buffers reach their working size.
            list(pool.map(lambda i: request("GET", f"/s/joint?page={i}"), range(2_000)))
            clients(1_000_000)
            time.sleep(1)
            before = rss_mb(server.pid)
            started = time.time()
            statuses = list(pool.map(lambda c: request("GET", f"/s/joint?page={c}&lang=en&utm_source=x{c}&q={c}"), range(10_000)))
            joins = clients(0)
            elapsed = time.time() - started
            time.sleep(1)
            after = rss_mb(server.pid)
        check(set(statuses) == {200}, f"10,000 distinct query strings answered ({set(statuses)})")
        check(set(joins) <= {422, 429}, f"10,000 distinct forwarded addresses answered and refused ({sorted(set(joins))})")
        check(after - before < 20, f"resident memory grew {after - before:.1f} MB ({before:.0f} -> {after:.0f} MB, "
                                   f"20,000 requests in {elapsed:.0f} s; limit 20 MB)")
        print(f"MEMORY before={before:.1f}MB after={after:.1f}MB growth={after - before:.1f}MB")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
