"""Browser test (issue: after publication): headless Chromium joins a published statement
as an organisation and as an individual, the individual confirms through the email the
test SMTP relay received, the counts change, the individual withdraws; screenshots of the
page in Arabic and English and the print layout as PDF go to artifacts/.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mail"))
from webdriver import Browser  # noqa: E402
from joining_mail_test import body_of, start_relay  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import ARTIFACTS, BAYAN, ROOT, Checks, free_port  # noqa: E402

check = Checks()



def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="bayan-join-browser-")
    relay, port, cert, key = start_relay(tmp)
    data = os.path.join(tmp, "d")
    sample = os.path.join(ROOT, "docs", "sample-statement.md")
    subprocess.run([BAYAN, "import", sample, "--slug", "joint", "--publish", "--data", data], check=True, capture_output=True)
    env = dict(os.environ, BAYAN_SMTP_URL=f"smtp://bayan:s3cret@127.0.0.1:{port}?starttls=required", BAYAN_SMTP_CA_FILE=cert,
               BAYAN_JOIN_MIN_SECONDS="1")
    web_port = free_port()
    env["BAYAN_PUBLIC_URL"] = f"http://127.0.0.1:{web_port}"
    # The browser first: a driver that fails to start must not leave a server running.
    browser = Browser()
    server = subprocess.Popen([BAYAN, "serve", "--port", str(web_port), "--data", data], env=env, stdout=subprocess.PIPE, text=True)
    base = re.search(r"http://\S+?(?=/\s|/$)", server.stdout.readline()).group(0)

    def count(section):
        m = re.search(section + r'[^<]*<h2>[^<]*\(<bdi>(\d+)</bdi>\)', browser.source)
        return int(m.group(1)) if m else 0

    try:
        print("an organisation joins")
        browser.get(base + "/s/joint")
        browser.click("//p[contains(@class, 'join')]/a")
        browser.has_text("name=\"t\"")
        browser.get(base + "/s/joint/join?kind=organization")
        time.sleep(1.1)
        browser.type("//input[@name='name']", "اتحاد الطلبة السوريين في فرنسا")
        browser.type("//input[@name='signer']", "ليلى")
        browser.type("//input[@name='email']", "layla@example.org")
        browser.click("//input[@name='consent']")
        browser.click("//form[contains(@action, '/join')]//button")
        check(browser.has_text("بانتظار مراجعة المنسّقين"), "the organisation's join awaits moderation")

        print("an individual joins, receives the email, confirms")
        browser.get(base + "/s/joint/join?kind=individual")
        time.sleep(1.1)
        browser.type("//input[@name='name']", "سامر الشامي")
        browser.type("//input[@name='place']", "باريس")
        browser.type("//input[@name='email']", "samer@example.org")
        browser.click("//input[@name='consent']")
        browser.click("//form[contains(@action, '/join')]//button")
        check(browser.has_text("أرسلنا إليكم رسالة"), "asked to check the mail")
        deadline = time.time() + 20
        to_samer = lambda: [m for m in relay.messages if m["To"] == "samer@example.org"]
        while time.time() < deadline and not to_samer():
            time.sleep(0.2)
        check(len(to_samer()) == 1, "the confirmation email arrived at the SMTP relay")
        # The organisation that joined first was mailed its receipt (issue 16).
        check(any(m["To"] == "layla@example.org" for m in relay.messages), "the organisation got its receipt by mail")
        text = body_of(to_samer()[0])
        confirm = re.search(r"http://\S+/confirm/\S+", text).group(0)
        private = re.search(r"http://\S+/e/\S+", text).group(0)
        browser.get(base + "/s/joint")
        check(count('id="individuals">') == 0, "no individual counted before confirmation")
        browser.get(confirm)
        browser.click("//form[contains(@action, '/confirm/')]//button")
        check(browser.has_text("تم تأكيد تأييدكم"), "confirmed with the button")
        time.sleep(1.1)
        browser.get(base + "/s/joint")
        ok = count('id="individuals">') == 1 and "سامر الشامي" in browser.source
        check(ok, "the count and the list show the individual")
        if not ok:
            i = browser.source.find("individuals")
            print(browser.source[i - 100:i + 400])
        browser.screenshot(os.path.join(ARTIFACTS, "public-page-ar.png"))
        browser.get(base + "/s/joint?lang=en")
        check(browser.has_text('lang="en" dir="ltr"'), "the page in English")
        browser.screenshot(os.path.join(ARTIFACTS, "public-page-en.png"))
        browser.get(base + "/s/joint")
        browser.print_pdf(os.path.join(ARTIFACTS, "public-page-print.pdf"))
        check(open(os.path.join(ARTIFACTS, "public-page-print.pdf"), "rb").read(4) == b"%PDF", "the print layout is saved as PDF")
        # Issue 16, acceptance 7: printed, the page carries its date, address and fingerprint.
        page = browser.source
        published = re.search(r'<time datetime="[^"]+">([^<]+)</time>', page).group(1)
        fingerprint = re.search(r'<code dir="ltr">([0-9a-f-]+)</code>', page).group(1)
        printed = subprocess.run(["pdftotext", "-layout", os.path.join(ARTIFACTS, "public-page-print.pdf"), "-"],
                                 capture_output=True, text=True, check=True).stdout
        for what, value in [("address", base + "/s/joint"), ("fingerprint", fingerprint)]:
            check(value in printed, f"the printed page carries its {what} ({value})")
        # The date is written in words (2 كانون الأول 2026): each word, whatever order the
        # PDF's text layer gives mixed-direction runs in. pdftotext writes the lam-alef
        # ligature back in visual order (الأول comes out as األول), so words with one are
        # left out.
        words = [w for w in published.split() if not re.search("ل[اأإآ]", w)]
        check(words and all(word in printed for word in words), f"the printed page carries its publication date ({published})")
        check("Markdown" not in printed, "and not the download links")

        print("the individual withdraws")
        # English was chosen above and is remembered (issue 16); the signer goes back to Arabic.
        browser.get(private)
        check(browser.has_text('lang="en" dir="ltr"'), "the private page follows the language chosen before")
        browser.get(private + "?lang=ar")
        browser.get(private)
        check(browser.has_text('lang="ar" dir="rtl"'), "and Arabic once chosen again")
        browser.click("//input[@name='confirm']")
        browser.click("//form[contains(@action, '/withdraw')]//button")
        check(browser.has_text("سُحب التوقيع"), "withdrawn through the private link")
        time.sleep(1.1)
        browser.get(base + "/s/joint")
        check(count('id="individuals">') == 0, "the count drops back")
    finally:
        browser.quit()
        server.terminate()
        server.wait(timeout=20)
        relay.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
