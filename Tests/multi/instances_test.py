"""Two `bayan serve` processes on one PostgreSQL database behind nginx (deploy/nginx.conf).

32 clients send 2,100 concurrent sign-ons through both instances and nginx, 50 of them the
same organisation through both instances at the same moment. Checks: every acknowledged
sign-on is stored exactly once, refused duplicates get a clear answer, founding numbers are
unique and gapless after publication, the event chain verifies, and every instance serves
the same list. Needs BAYAN_TEST_POSTGRES_URL (scripts/test starts a cluster) and nginx.
"""
import base64
import collections
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import ARTIFACTS, BAYAN, ROOT, Checks, free_port  # noqa: E402

SERVER = os.environ["BAYAN_TEST_POSTGRES_URL"]
check = Checks()



# Every instance holds the same contacts key (docs/deploy.md, "Several instances").
os.environ["BAYAN_CONTACTS_KEY"] = base64.b64encode(os.urandom(32)).decode()
os.environ["BAYAN_SIGNING_KEY"] = base64.b64encode(os.urandom(32)).decode()


def psql(url, sql):
    return subprocess.run(["psql", url, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def bayan(*args, stdin=None):
    return subprocess.run([BAYAN, *args], input=stdin, capture_output=True, text=True, check=True).stdout


def serve(url):
    # Everything reaching the instances through nginx comes from one address here.
    env = dict(os.environ, BAYAN_JOIN_MIN_SECONDS="0", BAYAN_JOIN_PER_STATEMENT_PER_MINUTE="100000",
               BAYAN_JOIN_PER_ADDRESS_PER_HOUR="100000", BAYAN_TRUSTED_PROXIES="127.0.0.1",
               BAYAN_JOIN_PER_NETWORK_PER_HOUR="100000", BAYAN_JOIN_PER_DOMAIN_PER_HOUR="100000")
    proc = subprocess.Popen([BAYAN, "serve", "--port", "0", "--database", url], stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    return proc, int(re.search(r":(\d+)/", line).group(1))


def post(base, path, fields, headers=None):
    data = urllib.parse.urlencode(fields).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, data=data, headers=headers or {}), timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def get(base, path):
    with urllib.request.urlopen(base + path, timeout=60) as r:
        return r.read().decode()


def main():
    name = "bayan_multi_" + uuid.uuid4().hex[:12]
    psql(SERVER, f"CREATE DATABASE {name}")
    url = SERVER.rsplit("/", 1)[0] + "/" + name
    tmp = tempfile.mkdtemp(prefix="bayan-multi-")
    os.chmod(tmp, 0o755)  # nginx's workers (user nobody) keep their page cache in here
    procs = []
    try:
        doc = os.path.join(tmp, "s.md")
        with open(doc, "w") as f:
            f.write("# بيان مشترك للتضامن مع العمال\n\nنحن الموقّعين أدناه نعلن تضامننا.\n")
        bayan("import", doc, "--slug", "joint", "--database", url)
        bayan("state", "joint", "--to", "circulating", "--database", url)
        singles = [f"منظمة المجتمع المدني رقم {i}" for i in range(2000)]
        pairs = [f"تجمع النقابات المستقلة رقم {i}" for i in range(50)]
        # Two links per pair organisation, made for two differently named branches (an
        # organisation is invited once: issue 16), both signing as the same organisation.
        branches = [f"الفرع الأول لتجمع رقم {i}" for i in range(50)] + [f"الفرع الثاني لتجمع رقم {i}" for i in range(50)]
        lines = bayan("invite", "joint", "--database", url, stdin="\n".join(singles + branches) + "\n").splitlines()
        tokens = [l.split("\t")[1] for l in lines]
        single_tokens, pair_a, pair_b = tokens[:2000], tokens[2000:2050], tokens[2050:]
        version = json.loads(bayan("export", "joint", "--format", "json", "--database", url))["version"]["hash"]

        print("two instances and nginx")
        a, port_a = serve(url)
        b, port_b = serve(url)
        procs += [a, b]
        nginx_port = int(subprocess.run(["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"],
                                        capture_output=True, text=True).stdout)
        conf = open(os.path.join(ROOT, "deploy", "nginx.conf")).read()
        conf = conf.replace("127.0.0.1:8081", f"127.0.0.1:{port_a}").replace("127.0.0.1:8082", f"127.0.0.1:{port_b}")
        conf = conf.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{nginx_port};").replace("/tmp/bayan-nginx", os.path.join(tmp, "nginx"))
        conf_path = os.path.join(tmp, "nginx.conf")
        open(conf_path, "w").write(conf)
        nginx = subprocess.Popen(["nginx", "-c", conf_path, "-g", "daemon off;"], stderr=subprocess.PIPE)
        procs.append(nginx)
        bases = [f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}", f"http://127.0.0.1:{nginx_port}"]
        import time
        for _ in range(100):
            try:
                get(bases[2], "/")
                break
            except Exception:
                time.sleep(0.1)

        print("2,100 concurrent sign-ons from 32 clients")
        def form(org):
            return {"version": version, "name": org, "signer": "ممثل الجهة", "contact": "rep@example.org", "consent": "yes"}
        results = []
        lock = threading.Lock()

        def single(i):
            status, _ = post(bases[i % 3], single_tokens[i], form(singles[i]))
            with lock:
                results.append(("single", i, status))

        def pair(i):
            barrier = threading.Barrier(2)
            out = {}
            def one(side, base, token):
                barrier.wait()
                out[side] = post(base, token, form(pairs[i]))
            t1 = threading.Thread(target=one, args=("a", bases[0], pair_a[i]))
            t2 = threading.Thread(target=one, args=("b", bases[1], pair_b[i]))
            t1.start(); t2.start(); t1.join(); t2.join()
            with lock:
                results.append(("pair", i, out))

        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            futures = [pool.submit(single, i) for i in range(2000)] + [pool.submit(pair, i) for i in range(50)]
            for f in futures:
                f.result()

        acknowledged = sum(1 for kind, _, s in results if kind == "single" and s == 200)
        pair_outcomes = [sorted([o["a"][0], o["b"][0]]) for kind, _, o in results if kind == "pair"]
        refusals = [o[k][1] for kind, _, o in results if kind == "pair" for k in "ab" if o[k][0] == 409]
        check(acknowledged == 2000, f"all 2,000 distinct sign-ons acknowledged ({acknowledged})")
        check(all(p == [200, 409] for p in pair_outcomes), "the same organisation through both instances: one stored, one refused")
        check(all("موقّعة على البيان من قبل" in r for r in refusals) and len(refusals) == 50, "each refusal says the organisation already signed")
        stored = int(psql(url, "SELECT COUNT(*) FROM endorsements"))
        check(stored == 2050, f"every acknowledged sign-on stored exactly once ({stored} rows for 2,050 acknowledgements)")
        per_org = psql(url, "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM endorsements GROUP BY statement_id, organization_id) t")
        check(per_org == "1", "one endorsement per organisation")

        print("approval, publication, chain and pages")
        bayan("approve", "joint", "--database", url)
        bayan("state", "joint", "--to", "published", "--database", url)
        stats = psql(url, "SELECT COUNT(*), COUNT(DISTINCT number), MIN(number), MAX(number) FROM endorsements WHERE founding = 1")
        check(stats == "2050|2050|1|2050", f"founding numbers unique and gapless ({stats})")
        verified = bayan("verify", "joint", "--database", url)
        check("valid" in verified and "broken" not in verified, verified.strip())
        pages = [get(base, "/s/joint") for base in bases]
        lists = [re.search(r'<ol class="founding"[^>]*>.*?</ol>', p, re.S).group(0) for p in pages]
        check(lists[0] == lists[1] == lists[2] and lists[0].count("<li") == 2050, "both instances and nginx serve the same list of 2,050")

        print("nginx's page cache (deploy/nginx.conf)")
        def fetch(path, headers=None):
            with urllib.request.urlopen(urllib.request.Request(bases[2] + path, headers=headers or {}), timeout=60) as r:
                return r.headers.get("X-Cache"), r.read().decode()
        fetch("/s/joint")
        state, _ = fetch("/s/joint")
        check(state == "HIT", f"a second reader of the public page is answered from nginx's cache ({state})")
        joins = [fetch("/s/joint/join") for _ in range(3)]
        stamps = {re.search(r'name="t" value="([^"]+)"', body).group(1) for _, body in joins}
        check(all(s != "HIT" for s, _ in joins) and len(stamps) == 3,
              f"the join page is never served from the cache: each reader gets its own form stamp ({[s for s, _ in joins]})")
        login = [fetch("/login")[0] for _ in range(2)] + [fetch("/c")[0] for _ in range(2)]
        check("HIT" not in login, f"sign-in and coordinator pages are never cached ({login})")

        print("600 concurrent joins after publication, 30 of them the same email through both instances at once")
        def fresh_stamp(base):
            """A form stamp serves one submission: each join loads its own form."""
            return re.search(r'name="t" value="([^"]+)"', get(base, "/s/joint/join")).group(1)
        def join_form(i, stamp):
            return {"kind": "individual", "name": f"مؤيد {i}", "email": f"p{i}@example.org", "visibility": "public",
                    "consent": "yes", "t": stamp, "version": version, "website": ""}
        join_results = []
        def one_join(i):
            status, _ = post(bases[i % 3], "/s/joint/join", join_form(i, fresh_stamp(bases[i % 3])), {"X-Forwarded-For": f"10.1.{i // 250}.{i % 250}"})
            with lock:
                join_results.append(("single", status))
        def twin_join(i):
            barrier = threading.Barrier(2)
            out = {}
            stamp = fresh_stamp(bases[0])
            def one(side, base):
                barrier.wait()
                out[side] = post(base, "/s/joint/join", join_form(10000 + i, stamp), {"X-Forwarded-For": f"10.2.{i}.{side == 'a'}"})[0]
            threads = [threading.Thread(target=one, args=("a", bases[0])), threading.Thread(target=one, args=("b", bases[1]))]
            for t in threads: t.start()
            for t in threads: t.join()
            with lock:
                join_results.append(("twin", sorted(out.values())))
        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            for f in [pool.submit(one_join, i) for i in range(570)] + [pool.submit(twin_join, i) for i in range(30)]:
                f.result()
        ok_joins = sum(1 for k, s in join_results if k == "single" and s == 200)
        twins = [s for k, s in join_results if k == "twin"]
        other = collections.Counter(s for k, s in join_results if k == "single" and s != 200)
        check(ok_joins == 570, f"all 570 distinct joins acknowledged ({ok_joins}; others {dict(other)})")
        # The same form sent through both instances at once is one join retried (issue 19):
        # both answers are the success page, and the count below proves one row was stored.
        check(all(t == [200, 200] for t in twins), f"the same join through both instances at once: both answered as one ({twins[:3]})")
        individuals = int(psql(url, "SELECT COUNT(*) FROM endorsements WHERE signer_kind = 'individual'"))
        check(individuals == ok_joins + 30, f"every acknowledged join stored exactly once ({individuals} rows for {ok_joins + 30} acknowledgements)")
        verified = bayan("verify", "joint", "--database", url)
        check("valid" in verified and "broken" not in verified, "the event chain still verifies: " + verified.strip())

        print("a change through nginx's cache")
        # A change reaches readers through the cache within its s-maxage (10 s) and a little:
        # nginx keeps cache files open (open_file_cache, revalidated every second).
        _, cached = fetch("/s/joint")
        bayan("dev", "seed-individuals", "joint", "--count", "1", "--database", url)
        changed_after = None
        start = time.monotonic()
        while time.monotonic() - start < 30:
            if fetch("/s/joint")[1] != cached:
                changed_after = time.monotonic() - start
                break
            time.sleep(0.1)
        check(changed_after is not None and changed_after < 20,
              f"a change shows through nginx's cache within 20 s ({changed_after and round(changed_after, 1)} s)")
        back = sum(fetch("/s/joint")[1] == cached for _ in range(20))
        check(back == 0, f"and the old page is not served again ({back} of 20)")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except Exception:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            psql(SERVER, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except Exception:
            pass
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
