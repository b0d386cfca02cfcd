#!/usr/bin/env python3
"""Side-by-side HTTP benchmark of Bayan (scripts/bench runs this; issue 15).

Everything on loopback, every load bounded in time, every pair of runs alternating in
slices so both see the same moments of a noisy machine:

- the client's own capacity (wrk against nginx's smallest answer);
- the public page of a statement of real size (65 organisations) and of one with 10,000
  individual endorsers, Bayan alone against nginx serving the very same bytes from a file,
  plain and gzip (nginx with gzip_static, so it serves the same precompressed bytes);
- the same page behind nginx with deploy/nginx.conf (proxy cache) against nginx's file,
  with the number of requests Bayan itself saw;
- an unknown address (404) against a cached page;
- stored sign-ons against the no-store floor (the same form parsed, nothing stored), on
  SQLite (synchronous FULL and NORMAL) and, unless BENCH_POSTGRES=0, on PostgreSQL with one
  instance and with two instances behind nginx.

Writes its report between the bench markers of BENCHMARKS.md (or to BENCH_OUT).
Environment: BAYAN_BIN (another build), BENCH_SECONDS (per series, default 10),
BENCH_SLICES (default 5), BENCH_CONNECTIONS (default 64), BENCH_POSTGRES=0 (no PostgreSQL part),
BENCH_MILLION=0 (no 1,000,000-endorser part; for side-by-side runs of two builds).
"""
import base64
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LUA = os.path.join(ROOT, "Benchmarks", "http")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
SLICES = int(os.environ.get("BENCH_SLICES", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
SLICE = max(1, round(SECONDS / SLICES))
LIFTED = {
    "BAYAN_JOIN_MIN_SECONDS": "0", "BAYAN_JOIN_PER_ADDRESS_PER_HOUR": "100000000",
    "BAYAN_JOIN_PER_STATEMENT_PER_MINUTE": "100000000", "BAYAN_JOIN_PER_NETWORK_PER_HOUR": "100000000",
    "BAYAN_JOIN_PER_DOMAIN_PER_HOUR": "100000000", "BAYAN_BENCH_ROUTES": "true",
}
MARK_BEGIN, MARK_END = "<!-- bench:begin (scripts/bench writes this part) -->", "<!-- bench:end -->"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Bench:
    def __init__(self, bayan, tmp):
        self.bayan, self.tmp, self.procs = bayan, tmp, []
        self.pids = {}  # base URL -> the bayan serve answering it
        os.chmod(tmp, 0o755)  # nginx workers (user nobody) read the page files from here

    def cli(self, *args, **kw):
        return subprocess.run([self.bayan, *args], check=True, capture_output=True, text=True, **kw).stdout

    def serve(self, name, store_args, env=None):
        port = free_port()
        log = open(os.path.join(self.tmp, name + ".log"), "w")
        proc = subprocess.Popen([self.bayan, "serve", "--port", str(port), *store_args], stdout=log, stderr=subprocess.STDOUT,
                                env=dict(os.environ, **LIFTED, **(env or {})))
        self.procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        self.pids[base] = proc.pid
        self.wait(base + "/")
        return proc, base

    def nginx(self, name, conf):
        path = os.path.join(self.tmp, name + ".conf")
        open(path, "w").write(conf)
        proc = subprocess.Popen(["nginx", "-c", path, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        return proc

    @staticmethod
    def wait(url):
        for _ in range(200):
            try:
                urllib.request.urlopen(url, timeout=2).read()
                return
            except Exception:
                time.sleep(0.1)
        raise SystemExit(f"{url} did not answer")

    @staticmethod
    def fetch(url, headers=None):
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
            return r.read(), dict(r.headers)

    def stamps(self, store_args, count, base):
        """One-use form stamps, one per request, from `bayan dev form-stamps`. A build from
        before one-use stamps (measured side by side through BAYAN_BIN) has no such command
        and accepts one stamp any number of times: it gets its join page's stamp, repeated."""
        path = os.path.join(self.tmp, f"stamps-{free_port()}-{time.monotonic_ns()}")
        with open(path, "w") as f:
            made = subprocess.run([self.bayan, "dev", "form-stamps", "seed", "--count", str(count), *store_args], stdout=f,
                                  stderr=subprocess.DEVNULL)
        if made.returncode != 0:
            page = self.fetch(base + "/s/seed/join")[0].decode()
            stamp = re.search(r'name="t" value="([^"]*)"', page).group(1)
            open(path, "w").write((stamp + "\n") * count)
        return path

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def wrk(url, seconds, script="report.lua", args=(), headers=(), threads=2, connections=None):
    cmd = ["wrk", f"-t{threads}", f"-c{connections or CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", "-s", os.path.join(LUA, script)]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(url)
    if args:
        cmd += ["--", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, BENCH_LUA_DIR=LUA, BENCH_WRK_THREADS=str(threads))).stdout
    line = next((l for l in out.splitlines() if l.startswith("BENCH ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result for {url}:\n{out}")
    return json.loads(line[6:])


def combine(runs):
    req = sum(r["requests"] for r in runs)
    sec = sum(r["seconds"] for r in runs)
    out = {"requests": req, "seconds": sec, "rps": req / sec, "p50_ms": sum(r["p50_ms"] * r["requests"] for r in runs) / max(req, 1),
           "p99_ms": max(r["p99_ms"] for r in runs), "ok": sum(r["ok"] for r in runs), "non2xx": sum(r["non2xx"] for r in runs),
           "errors": sum(r["errors"] for r in runs)}
    for key in ("server_cpu_s", "idle_s", "wall_s"):
        if all(key in r for r in runs):
            out[key] = sum(r[key] for r in runs)
    return out


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User and system CPU time the process has used (/proc/PID/stat fields 14 and 15)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def idle_seconds():
    """The machine's idle and I/O-wait time over all cores (/proc/stat)."""
    fields = open("/proc/stat").readline().split()
    return (int(fields[4]) + int(fields[5])) / TICK


def accounted(pid, run):
    """run(), with the server's CPU time and the machine's idle time while it ran: what a
    request costs the server, and whether the machine was short of CPU."""
    server, idle, wall = cpu_seconds(pid), idle_seconds(), time.monotonic()
    result = run()
    result.update(server_cpu_s=cpu_seconds(pid) - server, idle_s=idle_seconds() - idle, wall_s=time.monotonic() - wall)
    return result


def cost_note(runs):
    """One line per run: server CPU per request and the machine's idle share."""
    parts = []
    for name, r in runs:
        if "server_cpu_s" in r:
            parts.append(f"{name} {1e6 * r['server_cpu_s'] / max(r['requests'], 1):.0f} µs of server CPU a request, machine "
                         f"{100 * r['idle_s'] / (r['wall_s'] * os.cpu_count()):.0f} % idle")
    return "- " + "; ".join(parts) + " (`/proc`, around each slice)." if parts else ""


def alternate(title, series):
    """series: [(name, run(seconds) -> dict)], run one slice each in turn, SLICES times."""
    print(f"== {title}: {SLICES} x {SLICE} s each, alternating", flush=True)
    results = {name: [] for name, _ in series}
    for i in range(SLICES):
        for name, run in series:
            results[name].append(run(SLICE))
        print("   slice %d: %s" % (i + 1, ", ".join(f"{n} {results[n][-1]['rps']:.0f}/s" for n, _ in series)), flush=True)
    return {name: combine(r) for name, r in results.items()}


def static_conf(tmp, port, www):
    t = os.path.join(tmp, "ng")
    return f"""worker_processes auto; pid {t}-static.pid; error_log {t}-static-error.log warn;
events {{ worker_connections 4096; }}
http {{ access_log off; client_body_temp_path {t}-b; proxy_temp_path {t}-p; fastcgi_temp_path {t}-f; uwsgi_temp_path {t}-u; scgi_temp_path {t}-s;
  server {{ listen 127.0.0.1:{port}; root {www}; default_type "text/html; charset=utf-8"; gzip_static on; etag off; }} }}
"""


def deploy_conf(tmp, port, upstreams):
    """deploy/nginx.conf as documented, only its ports and temporary paths replaced."""
    conf = open(os.path.join(ROOT, "deploy", "nginx.conf")).read()
    servers = "\n".join(f"        server {u} max_fails=3 fail_timeout=5s;" for u in upstreams)
    conf = re.sub(r"(        server 127\.0\.0\.1:808\d max_fails=3 fail_timeout=5s;\n)+", servers + "\n", conf)
    conf = conf.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};").replace("/tmp/bayan-nginx", os.path.join(tmp, "deploy-" + str(port)))
    conf = conf.replace("worker_connections 1024;", "worker_connections 4096;").replace("limit_conn per_client 50;", "")
    return conf


def page_requests(base):
    """GET answers Bayan gave for statement pages, from its own /metrics (0 for a build without it)."""
    try:
        text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    except urllib.error.URLError:
        return 0
    return sum(float(m.group(1)) for m in re.finditer(r'hb_requests_total\{http_route="/s/\{[^"]*\}",http_request_method="GET"[^}]*\} (\S+)', text))


def sign_ons(bench, title, targets):
    """targets: [(name, base, store_args, path)]; one stamp file per slice and target."""
    per_slice = 60_000 * SLICE // 2 + 20_000
    files = {name: [bench.stamps(store_args, per_slice, base) for _ in range(SLICES)] for name, base, store_args, _ in targets}
    version = {}
    for name, base, _, _ in targets:
        page = bench.fetch(base + "/s/seed/join")[0].decode()
        version[name] = re.search(r'name="version" value="([^"]*)"', page).group(1)
    counters = {name: iter(range(SLICES)) for name, _, _, _ in targets}

    def runner(name, base, path):
        def run(seconds):
            i = next(counters[name])
            go = lambda: wrk(base, seconds, "join.lua", (path, files[name][i], version[name], f"{name}{i}-{time.monotonic_ns()}"))
            return accounted(bench.pids[base], go) if base in bench.pids else go()
        return run
    return alternate(title, [(name, runner(name, base, path)) for name, base, _, path in targets])


def main():
    for tool in ("wrk", "nginx", "curl"):
        if shutil.which(tool) is None:
            if os.geteuid() == 0:
                subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx curl >/dev/null",
                               shell=True, check=True)
            else:
                raise SystemExit(f"{tool} is needed (apt-get install wrk nginx curl)")
    bayan = os.environ.get("BAYAN_BIN")
    if not bayan:
        print("== building release", flush=True)
        subprocess.run(["swift", "build", "-c", "release", "--product", "bayan"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        bayan = os.path.join(ROOT, ".build", "release", "bayan")
    tmp = tempfile.mkdtemp(prefix="bayan-bench-")
    bench = Bench(bayan, tmp)
    pg_dir = None
    try:
        report = run_all(bench, tmp)
        if os.environ.get("BENCH_POSTGRES", "1") != "0":
            out = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster")], check=True, capture_output=True, text=True,
                                 env=dict(os.environ, BAYAN_PG_FSYNC="on")).stdout
            env = dict(re.findall(r"export (\w+)=['\"]?([^'\"\n]*)", out))
            pg_dir = env["BAYAN_TEST_POSTGRES_DIR"]
            report += run_postgres(bench, tmp, env["BAYAN_TEST_POSTGRES_URL"])
    finally:
        bench.stop()
        if pg_dir:
            subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", pg_dir])
        shutil.rmtree(tmp, ignore_errors=True)
    write(report)


def run_all(bench, tmp):
    print("== data: a statement of real size (65 organisations) and one with 10,000 individual endorsers", flush=True)
    data = os.path.join(tmp, "data")
    doc = os.path.join(ROOT, "docs", "sample-statement.md")
    for slug in ("seed", "joint"):
        bench.cli("import", doc, "--slug", slug, "--publish", "--data", data)
    bench.cli("dev", "seed-individuals", "joint", "--count", "10000", "--data", data)
    data_normal = os.path.join(tmp, "data-normal")
    shutil.copytree(data, data_normal)
    server, base = bench.serve("serve", ["--data", data])
    _, base_normal = bench.serve("serve-normal", ["--data", data_normal], {"BAYAN_SQLITE_SYNCHRONOUS": "normal"})

    www = os.path.join(tmp, "www")
    os.makedirs(os.path.join(www, "s"))
    sizes = {}
    for slug in ("seed", "joint"):
        plain, _ = bench.fetch(f"{base}/s/{slug}")
        gz, headers = bench.fetch(f"{base}/s/{slug}", {"Accept-Encoding": "gzip"})
        assert headers.get("Content-Encoding") == "gzip", "Bayan did not answer gzip"
        open(os.path.join(www, "s", slug), "wb").write(plain)
        open(os.path.join(www, "s", slug + ".gz"), "wb").write(gz)
        sizes[slug] = (len(plain), len(gz))
    open(os.path.join(www, "tiny"), "wb").write(b"")
    for root, dirs, files in os.walk(www):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    static_port, proxy_port = free_port(), free_port()
    bench.nginx("static", static_conf(tmp, static_port, www))
    bench.nginx("proxy", deploy_conf(tmp, proxy_port, [base.removeprefix("http://")]))
    static, proxy = f"http://127.0.0.1:{static_port}", f"http://127.0.0.1:{proxy_port}"
    bench.wait(static + "/s/seed")
    bench.wait(proxy + "/s/seed")
    for slug in ("seed", "joint"):
        assert bench.fetch(f"{static}/s/{slug}")[0] == bench.fetch(f"{base}/s/{slug}")[0]
        assert bench.fetch(f"{static}/s/{slug}", {"Accept-Encoding": "gzip"})[0] == bench.fetch(f"{base}/s/{slug}", {"Accept-Encoding": "gzip"})[0]
        assert bench.fetch(f"{proxy}/s/{slug}")[0] == bench.fetch(f"{base}/s/{slug}")[0]
    print("   nginx serves the same bytes: seed %d (gzip %d), joint %d (gzip %d)" % (*sizes["seed"], *sizes["joint"]), flush=True)

    gzip = ("Accept-Encoding: gzip",)
    print("== the client's capacity: wrk against nginx's smallest answer", flush=True)
    capacity = wrk(static + "/tiny", SECONDS)
    print(f"   {capacity['rps']:.0f}/s", flush=True)
    pages = {}
    for slug in ("seed", "joint"):
        for enc, h in (("plain", ()), ("gzip", gzip)):
            pages[(slug, enc)] = alternate(f"/s/{slug} {enc}", [
                ("bayan", lambda s, slug=slug, h=h: wrk(f"{base}/s/{slug}", s, headers=h)),
                ("nginx", lambda s, slug=slug, h=h: wrk(f"{static}/s/{slug}", s, headers=h))])
    # A first reader fills nginx's cache (one wrk second: the entry for a request without
    # Accept-Encoding differs from the one fetched above, Bayan's answer varying by it).
    wrk(f"{proxy}/s/seed", 1)
    seen_before = page_requests(base)
    behind = alternate("/s/seed behind nginx (deploy/nginx.conf) vs nginx's file", [
        ("proxied", lambda s: wrk(f"{proxy}/s/seed", s)),
        ("nginx", lambda s: wrk(f"{static}/s/seed", s))])
    seen = page_requests(base) - seen_before
    missing = alternate("unknown address (404) vs the cached page", [
        ("404", lambda s: wrk(f"{base}/s/no-such-statement", s)),
        ("page", lambda s: wrk(f"{base}/s/seed", s))])
    before = count_rows(data)
    joins = sign_ons(bench, "sign-ons on SQLite: (c) stored FULL, (d) floor, (c') stored NORMAL", [
        ("c", base, ["--data", data], "/s/seed/join"), ("d", base, ["--data", data], "/s/seed/join-floor"),
        ("c'", base_normal, ["--data", data_normal], "/s/seed/join")])
    stored = count_rows(data) - before
    rss = int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{server.pid}/status").read()).group(1))
    report = render_sqlite(capacity, sizes, pages, behind, seen, missing, joins, stored, rss)
    return report + (run_million(bench, data) if os.environ.get("BENCH_MILLION", "1") != "0" else "")


def run_million(bench, data):
    """The statement with 1,000,000 individual endorsers: its public pages, a join, and the
    coordinator's pages (issue 11, goal under 200 ms each)."""
    print("== 1,000,000 individual endorsers", flush=True)
    bench.cli("dev", "seed-individuals", "joint", "--count", "990000", "--data", data)
    try:
        bench.cli("dev", "seed-individuals", "joint", "--count", "10000", "--state", "pending", "--data", data)
    except subprocess.CalledProcessError:
        print("   (this build cannot seed pending individuals)", flush=True)
    bench.cli("coordinator", "create", "--email", "bench@example.org", "--password-stdin", "--data", data, input="bench password 1234\n")
    _, base = bench.serve("serve-million", ["--data", data])

    def timed(opener, url, data=None):
        start = time.perf_counter()
        try:
            with opener.open(url, data=data, timeout=300) as r:
                body, status = r.read(), r.status
        except urllib.error.HTTPError as e:
            body, status = e.read(), e.code
        return status, (time.perf_counter() - start) * 1000, body

    plain = urllib.request.build_opener()
    first = timed(plain, base + "/s/joint")
    last = timed(plain, base + "/s/joint?page=1800")
    again = timed(plain, base + "/s/joint")
    total = re.search(r'id="individuals">\s*<h2>[^<]*\(<bdi>(\d+)', first[2].decode())
    names = last[2].decode().count("<li><bdi>مؤيد تجريبي")
    join_page = plain.open(base + "/s/joint/join").read().decode()
    fields = {"kind": "individual", "name": "آخر مؤيد", "email": "last@example.org", "consent": "yes", "visibility": "public",
              "t": re.search(r'name="t" value="([^"]*)"', join_page).group(1),
              "version": re.search(r'name="version" value="([^"]*)"', join_page).group(1)}
    join = timed(plain, base + "/s/joint/join", urllib.parse.urlencode(fields).encode())
    jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login = jar.open(base + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]*)"', login).group(1)
    jar.open(base + "/login", urllib.parse.urlencode({"_csrf": csrf, "email": "bench@example.org", "password": "bench password 1234"}).encode()).read()
    rows = []
    for name, path in (("Dashboard (`/c`)", "/c"), ("Statement page (`/c/s/joint`)", "/c/s/joint"),
                       ("Moderation queue, page 80 (`/c/s/joint?queue=80`)", "/c/s/joint?queue=80"), ("Directory (`/c/directory`)", "/c/directory")):
        status, once, body = timed(jar, base + path)
        median = sorted(timed(jar, base + path)[1] for _ in range(5))[2]
        ok = "yes" if status == 200 and once < 200 and median < 200 else "NO"
        rows.append(f"| {name} | {status} | {once:.0f} | {median:.0f} | {len(body) // 1024} | {ok} |")
    return "\n".join([
        "", "### 1,000,000 individual endorsers", "",
        f"- First page, rendered from the database: HTTP {first[0]} in {first[1]:.0f} ms; total shown on the page: "
        f"{total.group(1) if total else '?'}.",
        f"- Page 1,800 of the individuals list: HTTP {last[0]} in {last[1]:.0f} ms, {names} names.",
        f"- First page again (from memory): HTTP {again[0]} in {again[1]:.1f} ms.",
        f"- A new sign-on (join) on that statement: HTTP {join[0]} in {join[1]:.0f} ms.", "",
        "The coordinator's pages (1,000,000 confirmed individuals and 10,000 awaiting confirmation), signed in as an admin, each",
        "fetched once (first) and five more times (median). Goal: under 200 ms.", "",
        "| page | HTTP | first ms | median ms | KB | < 200 ms |", "|---|---:|---:|---:|---:|---|", *rows,
    ]) + "\n"


def count_rows(data):
    import sqlite3
    db = sqlite3.connect(os.path.join(data, "bayan.sqlite"))
    try:
        return db.execute("SELECT COUNT(*) FROM endorsements WHERE display_name LIKE 'bench %'").fetchone()[0]
    finally:
        db.close()


def run_postgres(bench, tmp, server_url):
    name = "bayan_bench_" + os.urandom(4).hex()
    subprocess.run(["psql", server_url, "-qAt", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    url = server_url.rsplit("/", 1)[0] + "/" + name
    keys = {"BAYAN_CONTACTS_KEY": base64.b64encode(os.urandom(32)).decode(), "BAYAN_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode()}
    os.environ.update(keys)
    print("== PostgreSQL: one instance, and two behind nginx", flush=True)
    bench.cli("import", os.path.join(ROOT, "docs", "sample-statement.md"), "--slug", "seed", "--publish", "--database", url)
    _, one = bench.serve("pg-a", ["--database", url])
    _, two = bench.serve("pg-b", ["--database", url])
    port = free_port()
    bench.nginx("pg-proxy", deploy_conf(tmp, port, [one.removeprefix("http://"), two.removeprefix("http://")]))
    both = f"http://127.0.0.1:{port}"
    bench.wait(both + "/s/seed")
    page = alternate("PostgreSQL: /s/seed from one instance", [("one", lambda s: wrk(f"{one}/s/seed", s))])
    store = ["--database", url]
    joins = sign_ons(bench, "PostgreSQL sign-ons: (e) one instance, (d) its floor, (f) two instances behind nginx", [
        ("e", one, store, "/s/seed/join"), ("d", one, store, "/s/seed/join-floor"), ("f", both, store, "/s/seed/join")])
    rows = subprocess.run(["psql", url, "-qAt", "-c", "SELECT COUNT(*) FROM endorsements WHERE display_name LIKE 'bench %'"],
                          check=True, capture_output=True, text=True).stdout.strip()
    return render_postgres(page["one"], joins, int(rows))


def row(name, r):
    return f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['ok']} | {r['non2xx']} | {r['errors']} |"


HEADER = ["| run | requests/s | p50 ms | p99 ms | < 400 | ≥ 400 | socket errors |", "|---|---:|---:|---:|---:|---:|---:|"]


def client_note(capacity, highest):
    """Whether the load generator, on the same cores, may be what limits a figure."""
    if capacity >= 1.5 * highest:
        return "Every figure below is well under it, so the client is not what is measured."
    return (f"The highest figure below ({highest:.0f}/s, nginx) is {highest / capacity:.0%} of it: on these shared cores the client "
            "may hold nginx back, so nginx's figures, and therefore Bayan's ratios to them, are if anything flattering to Bayan.")


def render_sqlite(capacity, sizes, pages, behind, seen, missing, joins, stored, rss):
    machine = f"{os.cpu_count()} cores, " + subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.split("\n")[1].split()[1] + " memory"
    lines = [
        f"Machine: {machine}. `scripts/bench` (release build, loopback, wrk 2 threads and {CONNECTIONS} connections, no Lua response",
        f"callback). Each pair or trio of runs alternates in {SLICES} slices of {SLICE} s, so all see the same moments of this noisy",
        "machine: requests/s is the total over the slices, p50 the request-weighted mean of the slices' p50, p99 the worst slice's.", "",
        f"The client's capacity, wrk against nginx's smallest answer (an empty file): **{capacity['rps']:.0f} requests/s**. "
        + client_note(capacity["rps"], max(r[k]["rps"] for r in pages.values() for k in ("bayan", "nginx"))), "",
        "### Public pages, Bayan alone and nginx serving the same bytes", "",
        f"`seed`: docs/sample-statement.md, 65 organisations ({sizes['seed'][0]} bytes, {sizes['seed'][1]} gzip); `joint`: the same",
        f"with 10,000 individual endorsers ({sizes['joint'][0]} bytes, {sizes['joint'][1]} gzip). nginx serves gzip with `gzip_static`.", "",
        *HEADER,
    ]
    for (slug, enc), r in pages.items():
        lines += [row(f"bayan /s/{slug} {enc}", r["bayan"]), row(f"nginx /s/{slug} {enc}", r["nginx"])]
    lines += [""]
    for (slug, enc), r in pages.items():
        lines.append(f"- /s/{slug} {enc}: bayan / nginx **{r['bayan']['rps'] / r['nginx']['rps']:.2f}** (goal ≥ 0.50 for seed)")
    lines += [
        "", "### Behind nginx (deploy/nginx.conf, proxy cache) and unknown addresses", "", *HEADER,
        row("nginx + cache → bayan, /s/seed", behind["proxied"]), row("nginx file /s/seed", behind["nginx"]),
        row("bayan /s/no-such-statement (404)", missing["404"]), row("bayan /s/seed", missing["page"]), "",
        f"- Behind nginx / nginx's file: **{behind['proxied']['rps'] / behind['nginx']['rps']:.2f}** (goal ≥ 0.80); Bayan itself answered",
        f"  **{seen:.0f}** page requests during those {behind['proxied']['requests']} (its own `hb_requests_total`).",
        f"- A 404 costs **{missing['page']['rps'] / missing['404']['rps']:.2f}×** a cached page (goal ≤ 2).",
        "", "### Sign-ons on SQLite", "",
        "Each request posts the public join form with its own one-use form stamp (`bayan dev form-stamps`: served in order, as",
        "page loads would be), a unique name and address; (d) posts it to a route that parses the same form and stores nothing.", "",
        *HEADER, row("(c) POST join, stored, synchronous=FULL", joins["c"]), row("(c') POST join, stored, synchronous=NORMAL", joins["c'"]),
        row("(d) POST join-floor, nothing stored", joins["d"]), "",
        f"- (c)/(d) stored sign-ons vs the floor: **{joins['c']['rps'] / joins['d']['rps']:.2f}** (goal ≥ 0.50); (c')/(d) "
        f"**{joins[chr(99) + chr(39)]['rps'] / joins['d']['rps']:.2f}**.",
        cost_note([("(c)", joins["c"]), ("(d)", joins["d"])]),
        f"- Every acknowledged sign-on of (c) stored: {joins['c']['ok']} answers under 400, {stored} new rows — "
        f"{'yes' if stored >= joins['c']['ok'] else 'NO'} (rows may exceed answers: requests in flight when wrk stops are stored).",
        f"- Peak RSS of `bayan serve` (VmHWM): **{rss / 1024:.0f} MB** (goal < 150 MB).",
    ]
    return "\n".join(lines) + "\n"


def render_postgres(page, joins, rows):
    return "\n".join([
        "", "### PostgreSQL", "",
        "One local PostgreSQL cluster (scripts/pg-cluster, fsync on) on the same two cores as the client and Bayan; two",
        "`bayan serve` on the same database behind deploy/nginx.conf.", "",
        *HEADER, row("bayan /s/seed, one instance", page), row("(e) POST join, stored, one instance", joins["e"]),
        row("(f) POST join, stored, two instances behind nginx", joins["f"]), row("(d) POST join-floor, one instance", joins["d"]), "",
        f"- (e)/(d): **{joins['e']['rps'] / joins['d']['rps']:.2f}**; (f)/(d): **{joins['f']['rps'] / joins['d']['rps']:.2f}** "
        f"({rows} rows stored in all, {joins['e']['ok'] + joins['f']['ok']} acknowledged).",
    ]) + "\n"


def write(report):
    out = os.environ.get("BENCH_OUT", os.path.join(ROOT, "BENCHMARKS.md"))
    text = open(out).read() if os.path.exists(out) else "# Bayan benchmarks\n\n"
    block = f"{MARK_BEGIN}\n{report}{MARK_END}"
    if MARK_BEGIN in text and MARK_END in text:
        text = text[:text.index(MARK_BEGIN)] + block + text[text.index(MARK_END) + len(MARK_END):]
    else:
        text = text.rstrip() + "\n\n## HTTP benchmark (scripts/bench)\n\n" + block + "\n"
    open(out, "w").write(text)
    print(report)


if __name__ == "__main__":
    main()
