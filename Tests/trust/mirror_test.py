"""Issue 13, acceptance 4: `bayan mirror` output served by nginx on loopback shows the
same statement and lists as the live page, passes `bayan verify --offline`, and two runs
give identical bytes. Also `bayan verify URL` against the running instance, and a mirror
whose log was cut short, which the offline check names. Needs nginx (scripts/test installs it)."""
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import BAYAN, ROOT, Checks, free_port, stop  # noqa: E402

check = Checks()


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


def run(*args):
    return subprocess.run([BAYAN, *args], capture_output=True, text=True)


def lists(html):
    """The numbered entries, the individuals' count and their names as a reader sees them."""
    numbered = re.findall(r'<li value="(\d+)"><bdi>([^<]*)</bdi>', html)
    total = re.search(r'id="individuals">\s*<h2>[^<]*<bdi>(\d+)</bdi>', html)
    people = re.findall(r'<li><bdi>([^<]*)</bdi>', html)
    return numbered, total and total.group(1), people


def main():
    tmp = tempfile.mkdtemp(prefix="bayan-mirror-")
    os.chmod(tmp, 0o755)  # nginx's workers read the mirror as another user
    data = os.path.join(tmp, "data")
    procs = []
    try:
        sample = os.path.join(ROOT, "docs", "sample-statement.md")
        subprocess.run([BAYAN, "import", sample, "--slug", "joint", "--publish", "--data", data], check=True, capture_output=True)
        subprocess.run([BAYAN, "dev", "seed-individuals", "joint", "--count", "120", "--data", data], check=True, capture_output=True)
        server = subprocess.Popen([BAYAN, "serve", "--port", "0", "--data", data], stdout=subprocess.PIPE, text=True)
        procs.append(server)
        port = int(re.search(r":(\d+)/", server.stdout.readline()).group(1))
        live = f"http://127.0.0.1:{port}"

        verified = run("verify", f"{live}/s/joint")
        check(verified.returncode == 0 and "valid" in verified.stdout, f"bayan verify URL passes: {verified.stdout.strip()}{verified.stderr.strip()}")

        def status(path):
            try:
                with urllib.request.urlopen(live + path, timeout=30) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()
        page = status("/s/joint/log?from=1&limit=2")
        check(page[0] == 200 and page[1].count('"seq":') == 2 and '"size":' in page[1], "the public log is paged")
        for path, code in [("/s/joint/log?limit=5000", 400), ("/s/joint/log?from=0", 400), ("/s/nothing/log", 404),
                           ("/s/nothing/manifest.json", 404), ("/s/joint/proof/inclusion?index=-1&size=3", 400),
                           ("/s/joint/log?from=abc", 400), ("/s/joint/proof/consistency?from=1&to=x", 400)]:
            got = status(path)
            check(got[0] == code and '"error"' in got[1], f"{path} answers {code} with a message ({got[0]}: {got[1].strip()[:80]})")
        manifest = status("/s/joint/manifest.json")
        check(manifest[0] == 200 and '"signature"' in manifest[1] and "@" not in manifest[1], "the manifest is served, with no address in it")

        first, second = os.path.join(tmp, "m1"), os.path.join(tmp, "m2")
        for out in (first, second):
            made = run("mirror", "joint", "--output", out, "--instance", live, "--data", data)
            check(made.returncode == 0, f"bayan mirror writes {out}: {made.stdout.strip()}{made.stderr.strip()}")
        same = filecmp.dircmp(first, second)
        check(sorted(os.listdir(first)) == sorted(os.listdir(second)) and not same.diff_files and not same.left_only,
              f"two runs give identical bytes ({len(os.listdir(first))} files)")
        check(all(filecmp.cmp(os.path.join(first, n), os.path.join(second, n), shallow=False) for n in os.listdir(first)),
              "every file byte for byte")

        standalone = subprocess.run([os.path.join(os.path.dirname(BAYAN), "bayan-verify"), first], capture_output=True, text=True)
        check(standalone.returncode == 0 and "valid" in standalone.stdout,
              f"bayan-verify (BayanCore and swift-crypto alone) passes on the mirror: {standalone.stdout.strip()}{standalone.stderr.strip()}")
        offline = run("verify", "--offline", first)
        check(offline.returncode == 0 and "65 founding" in offline.stdout and "120 individuals" in offline.stdout,
              f"bayan verify --offline passes on the mirror: {offline.stdout.strip()}{offline.stderr.strip()}")

        nginx_port = free_port()
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/nginx-error.log;
events {{ worker_connections 64; }}
http {{ access_log off; client_body_temp_path {tmp}/b; proxy_temp_path {tmp}/p; fastcgi_temp_path {tmp}/f;
  uwsgi_temp_path {tmp}/u; scgi_temp_path {tmp}/s;
  types {{ text/html html; text/css css; application/json json; text/markdown md; text/csv csv; text/plain txt; }}
  server {{ listen 127.0.0.1:{nginx_port}; root {first}; index index.html; charset utf-8; }} }}
""")
        nginx = subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"], stderr=subprocess.PIPE)
        procs.append(nginx)
        mirror = f"http://127.0.0.1:{nginx_port}"
        for _ in range(100):
            try:
                get(mirror + "/")
                break
            except OSError:
                time.sleep(0.05)
        for lang in ("", "?lang=en"):
            page = get(f"{live}/s/joint{lang}")
            copy = get(mirror + ("/index.html" if not lang else "/index.en.html"))
            entries = lists(page)
            check(len(entries[0]) == 65 and entries[1] == "120" and len(entries[2]) > 100 and lists(copy) == entries,
                  f"the mirror over nginx shows the live page's {len(entries[0])} organisations and {entries[1]} individuals "
                  f"({len(entries[2])} named), in order ({lang or 'ar'})")
            title = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
            check(title in copy, "and its title")
        css = get(mirror + "/bayan.css")
        check(len(css) > 1000, "the stylesheet is in the copy")
        check('href="favicon.svg"' in get(mirror + "/index.html") and "<svg" in get(mirror + "/favicon.svg"),
              "and its icon: the copy loads nothing from the instance")
        copy = get(mirror + "/index.html")
        check(f'href="{live}/s/joint/join"' in copy, "the join link points back to the instance")
        check(not re.search(r'(href|src)="/(?!/)', copy), "no link in the copy is absolute to a host it does not have")

        cut = os.path.join(tmp, "cut")
        shutil.copytree(first, cut)
        with open(os.path.join(cut, "log.json")) as f:
            log = f.read()
        with open(os.path.join(cut, "log.json"), "w") as f:
            f.write(re.sub(r',\{"at":[^{}]*"payload":\{[^{}]*\},"seq":\d+\}\]', "]", log))
        truncated = run("verify", "--offline", cut)
        check(truncated.returncode == 1 and "log truncated" in truncated.stdout, f"a mirror whose log was cut short is named: {truncated.stdout.strip()}")
        standalone = subprocess.run([os.path.join(os.path.dirname(BAYAN), "bayan-verify"), cut], capture_output=True, text=True)
        check(standalone.returncode == 1 and "log truncated" in standalone.stdout, "and by bayan-verify")
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
