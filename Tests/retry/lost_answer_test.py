"""Issue 19: a request that reaches Bayan and whose answer is lost on the way back.

A small TCP proxy on loopback forwards the request to the real `bayan serve` and drops the
answer (closes the client's connection without a byte). The client then does what a signer
on a poor connection does: sends the form again, or opens the invitation link again. It
must end on the success page with a private link that works, and one stored effect.
"""
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import BAYAN, Checks, free_port  # noqa: E402

check = Checks()


class Proxy:
    """Forwards each connection to `target`; while `drop` is set, the answer is read from
    the server and thrown away, and the client's connection closed without a byte."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.drop = False
        self.dropped = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def serve(self, client):
        server = socket.create_connection(("127.0.0.1", self.target_port))
        drop = self.drop
        client.settimeout(30)
        server.settimeout(30)

        def upstream():
            try:
                while chunk := client.recv(65536):
                    server.sendall(chunk)
            except OSError:
                pass

        threading.Thread(target=upstream, daemon=True).start()
        try:
            while chunk := server.recv(65536):
                if not drop:
                    client.sendall(chunk)
        except OSError:
            pass
        if drop:
            self.dropped += 1
        for s in (client, server):
            try:
                s.close()
            except OSError:
                pass


def main():
    tmp = tempfile.mkdtemp(prefix="bayan-retry-")
    data = os.path.join(tmp, "d")
    env = dict(os.environ, BAYAN_JOIN_MIN_SECONDS="1")
    doc = os.path.join(tmp, "s.md")
    open(doc, "w").write("# بيان التضامن\n\nنص البيان.\n")
    subprocess.run([BAYAN, "import", doc, "--slug", "draft", "--data", data], check=True, capture_output=True)
    subprocess.run([BAYAN, "state", "draft", "--to", "circulating", "--data", data], check=True, capture_output=True)
    invited = subprocess.run([BAYAN, "invite", "draft", "--data", data], input="نقابة المعلمين\n", check=True,
                             capture_output=True, text=True).stdout
    link = re.search(r"/i/\S+", invited).group(0)
    published = os.path.join(tmp, "p.md")
    open(published, "w").write("# بيان منشور\n\nنص.\n\n- 1 - رابطة الكتاب\n")
    subprocess.run([BAYAN, "import", published, "--slug", "joint", "--publish", "--data", data], check=True, capture_output=True)

    port = free_port()
    log = open(os.path.join(tmp, "server.log"), "w+")
    server = subprocess.Popen([BAYAN, "serve", "--port", str(port), "--data", data], env=env, stdout=log, stderr=log)
    proxy = Proxy(port)
    base = f"http://127.0.0.1:{proxy.port}"

    def request(path, fields=None):
        body = urllib.parse.urlencode(fields).encode() if fields is not None else None
        try:
            with urllib.request.urlopen(urllib.request.Request(base + path, data=body), timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def lost(path, fields):
        """Sends through the proxy in drop mode: the request arrives, the answer never does."""
        proxy.drop = True
        try:
            request(path, fields)
            return False
        except (urllib.error.URLError, ConnectionError, OSError):
            return True
        finally:
            proxy.drop = False

    def rows(sql):
        with sqlite3.connect(f"file:{os.path.join(data, 'bayan.sqlite')}?mode=ro", uri=True) as db:
            return db.execute(sql).fetchone()[0]

    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.1)

        print("an organisation signs; the answer is lost")
        status, page = request(link)
        version = re.search(r'name="version" value="([^"]+)"', page).group(1)
        fields = {"name": "نقابة المعلمين", "place": "حلب", "signer": "سامر", "role": "أمين السر",
                  "contact": "samer@example.org", "consent": "yes", "version": version}
        check(lost(link, fields), "the sign-on's answer never reached the client")
        check(rows("SELECT COUNT(*) FROM endorsements WHERE signer_kind = 'organization' AND imported = 0") == 1,
              "the sign-on was stored")
        status, reopened = request(link)
        private = re.search(r"/e/[^<\"?\s]+", reopened)
        check(status == 200 and private is not None, "opening the invitation link again shows what was signed and the private link")
        status, again = request(link, fields)
        check(status == 200 and private and private.group(0) in again, "sending the form again gives the same success page and link")
        status, mine = request(private.group(0)) if private else (0, "")
        check(status == 200 and "نقابة المعلمين" in mine and "samer@example.org" not in mine, "the private link works")
        check(rows("SELECT COUNT(*) FROM endorsements WHERE signer_kind = 'organization' AND imported = 0") == 1,
              "still one sign-on")

        print("an individual joins; the answer is lost")
        status, page = request("/s/joint/join")
        stamp = re.search(r'name="t" value="([^"]+)"', page).group(1)
        version = re.search(r'name="version" value="([^"]+)"', page).group(1)
        time.sleep(1.1)
        join = {"kind": "individual", "name": "سلمى الحلبي", "place": "برلين", "email": "salma@example.org",
                "visibility": "public", "consent": "yes", "t": stamp, "version": version, "website": ""}
        check(lost("/s/joint/join", join), "the join's answer never reached the client")
        status, answer = request("/s/joint/join", join)
        check(status == 200 and "/s/joint" in answer and "salma@example.org" not in answer,
              "sending the join again gives the success page, not 'address already used'")
        check(rows("SELECT COUNT(*) FROM endorsements WHERE signer_kind = 'individual'") == 1, "one endorsement stored")
        check(proxy.dropped == 2, "the proxy dropped exactly the two answers")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
