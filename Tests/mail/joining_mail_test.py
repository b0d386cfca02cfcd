"""Joining after publication, confirmation email through a real SMTP relay on loopback
(aiosmtpd with STARTTLS and AUTH), retries when the relay is down, a relay that rejects,
anti-abuse answers, and no contact data in any public output or log line.
"""
import base64
import email
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import logging
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import ARTIFACTS, BAYAN, ROOT, Checks, free_port  # noqa: E402

logging.getLogger("mail.log").setLevel(logging.CRITICAL)
warnings.filterwarnings("ignore", category=DeprecationWarning)
check = Checks()




class Relay:
    """A real SMTP server: STARTTLS required, AUTH PLAIN, rejects one recipient."""
    def __init__(self, port, cert, key):
        self.messages = []
        relay = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.startswith("reject"):
                    return "550 5.1.1 mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                relay.messages.append(email.message_from_bytes(envelope.content))
                return "250 Message accepted"

        def authenticator(server, session, envelope, mechanism, auth_data):
            return AuthResult(success=auth_data.login == b"bayan" and auth_data.password == b"s3cret")

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context,
                                     require_starttls=True, authenticator=authenticator, auth_require_tls=True)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()


def body_of(message):
    return base64.b64decode(message.get_payload()).decode()


def start_relay(tmp):
    """A self-signed certificate for 127.0.0.1 and a relay on a free port using it."""
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    port = free_port()
    relay = Relay(port, cert, key)
    relay.start()
    return relay, port, cert, key


def main():
    tmp = tempfile.mkdtemp(prefix="bayan-mail-")
    relay, smtp_port, cert, key = start_relay(tmp)
    data = os.path.join(tmp, "d")
    env = dict(os.environ, BAYAN_SMTP_URL=f"smtp://bayan:s3cret@127.0.0.1:{smtp_port}?starttls=required",
               BAYAN_SMTP_CA_FILE=cert, BAYAN_MAIL_FROM="bayan@example.org", BAYAN_JOIN_MIN_SECONDS="1",
               BAYAN_MAIL_RETRY_SECONDS="1", BAYAN_JOIN_PER_ADDRESS_PER_HOUR="20",
               BAYAN_TRUSTED_PROXIES="127.0.0.1")  # this script plays the proxy
    # Links in mail come from the configured public address, required with a relay.
    web_port = free_port()
    env["BAYAN_PUBLIC_URL"] = f"http://127.0.0.1:{web_port}"
    doc = os.path.join(tmp, "s.md")
    open(doc, "w").write("# بيان التضامن\n\nنص البيان.\n\n- 1 - نقابة المعلمين\n- 2 - رابطة الكتاب\n")
    subprocess.run([BAYAN, "import", doc, "--slug", "joint", "--publish", "--data", data], check=True, capture_output=True)
    log = open(os.path.join(tmp, "server.log"), "w+")
    server = subprocess.Popen([BAYAN, "serve", "--port", str(web_port), "--data", data], env=env, stdout=subprocess.PIPE, stderr=log,
                              text=True)
    base = re.search(r"http://\S+?(?=/\s|/$)", server.stdout.readline()).group(0)
    threading.Thread(target=lambda: [log.write(l) for l in server.stdout], daemon=True).start()
    secrets = ["s3cret"]

    def get(path):
        with urllib.request.urlopen(base + path, timeout=30) as r:
            return r.read().decode()

    def post(path, fields, headers=None):
        req = urllib.request.Request(base + path, data=urllib.parse.urlencode(fields).encode(), headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stamp():
        page = get("/s/joint/join")
        return (re.search(r'name="t" value="([^"]+)"', page).group(1), re.search(r'name="version" value="([^"]+)"', page).group(1))

    def aged(n=1):
        """n fresh form stamps, old enough to be accepted: a stamp is a form's one-use key."""
        stamps = [stamp()[0] for _ in range(n)]
        time.sleep(1.1)
        return stamps

    def individual(name, mail, t, version, ip="10.0.0.1", **extra):
        fields = {"kind": "individual", "name": name, "place": "برلين", "email": mail, "visibility": "public",
                  "consent": "yes", "t": t, "version": version, "website": ""}
        fields.update(extra)
        return post("/s/joint/join", fields, {"X-Forwarded-For": ip})

    def wait_for(predicate, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if predicate():
                return True
            time.sleep(0.2)
        return False

    def individuals_count():
        m = re.search(r'id="individuals">\s*<h2>[^<]*\(<bdi>(\d+)</bdi>\)', get("/s/joint"))
        return int(m.group(1)) if m else 0

    try:
        print("an individual joins and confirms by email")
        t, version = stamp()
        time.sleep(1.1)
        status, page = individual("سلمى الحلبي", "salma@example.org", t, version)
        check(status == 200 and "أرسلنا إليكم رسالة" in page, "the join is accepted and asks to check the mail")
        check(wait_for(lambda: len(relay.messages) == 1), "the confirmation email arrives through STARTTLS and AUTH")
        text = body_of(relay.messages[0])
        confirm = re.search(r"http://\S+/confirm/\S+", text).group(0)
        check(relay.messages[0]["To"] == "salma@example.org" and "سلمى" not in relay.messages[0]["Subject"], "addressed to the signer")
        time.sleep(1.2)
        check(individuals_count() == 0, "not counted before confirmation")
        path = urllib.parse.urlparse(confirm).path
        check('method="post"' in get(path), "the confirmation link opens a page whose button POSTs (a GET confirms nothing)")
        time.sleep(1.2)
        check(individuals_count() == 0, "still not counted after the GET")
        status, page = post(path, {})
        check(status == 200 and "تم تأكيد تأييدكم" in page, "the button confirms")
        check(individuals_count() == 1, "counted after confirmation")

        print("an organisation joins and awaits moderation")
        status, page = post("/s/joint/join", {"kind": "organization", "name": "مجلس حمص المدني", "signer": "خالد", "role": "الرئيس",
                                               "email": "khaled@example.org", "consent": "yes", "t": aged()[0], "version": version},
                            {"X-Forwarded-For": "10.0.0.2"})
        check(status == 200 and "بانتظار مراجعة" in page, "the organisation's join awaits review")

        print("receipts: every signer gets their private link by mail (issue 16)")
        private = re.search(r"http://\S+/e/[A-Za-z0-9_.-]+", text)
        check(private is not None and "سلمى الحلبي" in get(urllib.parse.urlparse(private.group(0)).path),
              "the confirming individual's mail carries their private link, which opens their page")
        check(wait_for(lambda: any(m["To"] == "khaled@example.org" for m in relay.messages)),
              "the organisation that joined from the public page is mailed its receipt")
        receipt = body_of([m for m in relay.messages if m["To"] == "khaled@example.org"][0])
        link = re.search(r"http://\S+/e/[A-Za-z0-9_.-]+", receipt)
        check(link is not None and link.group(0) in page and "مجلس حمص المدني" in get(urllib.parse.urlparse(link.group(0)).path),
              "its private link, the one the page showed")
        invitation = subprocess.run([BAYAN, "invite", "joint", "--data", data], input="اتحاد الصحفيين\n", text=True,
                                    capture_output=True, check=True).stdout.split("\t")[1].strip()
        sign_page = get(invitation)
        signed_version = re.search(r'name="version" value="([^"]+)"', sign_page).group(1)
        status, page = post(invitation, {"name": "اتحاد الصحفيين", "signer": "ليلى", "contact": "layla@example.org",
                                         "consent": "yes", "version": signed_version})
        check(status == 200 and "/e/" in page, "an invited organisation signs")
        check(wait_for(lambda: any(m["To"] == "layla@example.org" for m in relay.messages)),
              "and is mailed its receipt through the relay")
        receipt = body_of([m for m in relay.messages if m["To"] == "layla@example.org"][0])
        link = re.search(r"http://\S+/e/[A-Za-z0-9_.-]+", receipt)
        check(link is not None and urllib.parse.urlparse(link.group(0)).path in page, "carrying the private link the page showed")

        print("the relay is down: the endorsement is kept and the mail delivered later")
        relay.stop()
        status, _ = individual("رامي", "rami@example.org", aged()[0], version, ip="10.0.0.3")
        check(status == 200, "the join is acknowledged while the relay is down")
        time.sleep(2.5)
        relay = Relay(smtp_port, cert, key)
        relay.start()
        check(wait_for(lambda: any(m["To"] == "rami@example.org" for m in relay.messages), 30), "delivered after the relay came back")

        print("a relay that rejects the recipient")
        status, _ = individual("مرفوض", "reject@example.org", aged()[0], version, ip="10.0.0.4")
        check(status == 200, "the join is acknowledged")
        time.sleep(4)
        db = __import__("sqlite3").connect(os.path.join(data, "bayan.sqlite"))
        # Recipients and contacts are sealed (issue 14): the newest mail is this one.
        row = db.execute("SELECT attempts, failed_at IS NOT NULL, last_error FROM outbox ORDER BY created_at DESC LIMIT 1").fetchone()
        check(row[0] == 1 and row[1] == 1 and "550" in row[2], f"given up after one 550, not retried ({row[0]} attempt)")
        check(db.execute("SELECT COUNT(*) FROM endorsements WHERE display_name = 'مرفوض' AND contact LIKE 'c1.%'").fetchone()[0] == 1,
              "the endorsement is kept (pending) for a coordinator, its address sealed")

        print("abuse")
        counted_before = individuals_count()
        status, page = individual("روبوت", "bot@example.org", t, version, ip="10.0.1.1", website="http://spam.example")
        check(status == 422 and "تعذّر قبول النموذج" in page, "the honeypot is refused with a clear answer")
        fresh, _ = stamp()
        status, page = individual("مستعجل", "fast@example.org", fresh, version, ip="10.0.1.2")
        check(status == 422 and "بسرعة كبيرة" in page, "a too-fast submission is refused")
        issued, nonce, code = t.split(".")
        forged = issued + "." + nonce + "." + ("0" if code[0] != "0" else "1") + code[1:]
        other_nonce = issued + "." + ("0" if nonce[0] != "0" else "1") + nonce[1:] + "." + code
        for bad in [forged, other_nonce, str(int(issued) - 5000) + "." + nonce + "." + code, "garbage", issued + ".zz", ""]:
            status, page = individual("مزوّر", "forged@example.org", bad, version, ip="10.0.1.5")
            check(status == 422 and "انتهت صلاحية النموذج" in page, f"a forged or broken form stamp is refused ({bad[:24]!r})")
        first, second = aged(2)
        status, page = individual("مكرر", "salma@example.org", first, version, ip="10.0.1.3")
        check(status == 409 and "أيّد البيان من قبل" in page, "a repeated email is refused")
        status, page = individual("مكرر", " SALMA@example.org ", second, version, ip="10.0.1.3")
        check(status == 409 and "أيّد البيان من قبل" in page, "the repeated email is compared normalized")
        status, page = individual("سلمى معدّلة", "salma@example.org", t, version, ip="10.0.1.3")
        check(status == 409 and "أُرسل هذا النموذج من قبل ببيانات مختلفة" in page,
              "the same form sent again with other details is refused")
        status, page = individual("خطأ", "not-an-email", t, version, ip="10.0.1.4")
        check(status == 422 and "عنوان البريد غير صالح" in page, "an invalid email is refused")
        stamps = aged(21)
        statuses = [individual(f"شخص {i}", f"p{i}@example.org", stamps[i], version, ip="10.0.2.1")[0] for i in range(21)]
        check(statuses[:20] == [200] * 20 and statuses[20] == 429, "the per-address rate limit answers 429")
        time.sleep(1.2)
        check(individuals_count() == counted_before, "none of these counts")

        print("joining again before confirming: the mail is on its way, and is sent again on request")
        status, page = individual("رامي", "rami@example.org", aged()[0], version, ip="10.0.3.1")
        check(status == 200 and "التأكيد في الطريق" in page and "/join/resend" in page,
              "the same address before confirming: the confirmation is on its way, with a button to send it again")
        fields = {"t": re.search(r'name="t" value="([^"]+)"', page).group(1),
                  "email": re.search(r'name="email" value="([^"]+)"', page).group(1)}
        to_rami = lambda: [m for m in relay.messages if m["To"] == "rami@example.org"]
        before = len(to_rami())
        first = post("/s/joint/join/resend", fields, {"X-Forwarded-For": "10.0.3.1"})
        again = post("/s/joint/join/resend", fields, {"X-Forwarded-For": "10.0.3.1"})
        check(first[0] == 200 and first == again and "أرسلنا رسالة التأكيد مرة أخرى" in first[1],
              "the button pressed twice gives the same page")
        check(wait_for(lambda: len(to_rami()) == before + 1), "one more confirmation email arrives")
        time.sleep(2)
        check(len(to_rami()) == before + 1, "and only one")
        fresh_link = re.search(r"http://\S+/confirm/\S+", body_of(to_rami()[-1])).group(0)
        status, page = post(urllib.parse.urlparse(fresh_link).path, {})
        check(status == 200 and "تم تأكيد تأييدكم" in page, "the new link confirms")
        time.sleep(1.2)
        check(individuals_count() == counted_before + 1, "and the endorsement counts")
        counted_before += 1

        print("withdrawal by the private link")
        link = re.search(r"http://\S+/e/\S+", text).group(0)
        status, page = post(urllib.parse.urlparse(link).path + "/withdraw", {"confirm": "yes"})
        check(status == 200 and "سُحب التوقيع" in page, "the signer withdraws")
        time.sleep(1.2)
        check(individuals_count() == counted_before - 1, "the count drops")

        print("no contact data in public outputs or logs")
        contacts = ["salma@example.org", "khaled@example.org", "rami@example.org", "reject@example.org", "خالد", "الرئيس"]
        public = [get(p) for p in ["/", "/s/joint", "/s/joint?lang=en", "/s/joint.json", "/s/joint.csv", "/s/joint.md", "/feed.atom"]]
        server.terminate()
        server.wait(timeout=20)
        log.seek(0)
        logged = log.read()
        leaks = [c for c in contacts + secrets if any(c in p for p in public) or c in logged]
        check(not leaks, f"no contact, signer name, role or secret in pages, exports, feed or logs {leaks}")
        stored = b"".join(open(os.path.join(data, f), "rb").read() for f in os.listdir(data) if f.startswith("bayan.sqlite"))
        clear = [c for c in contacts[:4] if c.encode() in stored]
        check(not clear, f"no address in clear in the database file or its WAL (byte search) {clear}")
    finally:
        if server.poll() is None:
            server.terminate()
        relay.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
