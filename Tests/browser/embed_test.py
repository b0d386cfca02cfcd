"""Browser test (issue 17, embeds): a partner's website on another origin frames a
statement's embed once the coordinator lists it, and a website not listed cannot; the
coordinator lists it through the publish step. Headless Chromium, the real `bayan` binary,
two partner sites served by Python's http.server on their own ports.

Run by scripts/test; standalone: python3 Tests/browser/embed_test.py
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from webdriver import Browser  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import ARTIFACTS, BAYAN, ROOT, Checks, free_port, stop, wait_for_port  # noqa: E402

PASSWORD = "correct horse battery"
TITLE = "بيان مشترك"
check = Checks()


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="bayan-embed-")
    data = os.path.join(tmp, "d")
    env = dict(os.environ, BAYAN_BCRYPT_COST="4")
    subprocess.run([BAYAN, "coordinator", "create", "--email", "admin@example.org", "--password-stdin", "--data", data],
                   input=PASSWORD + "\n", text=True, check=True, env=env, capture_output=True)
    doc = os.path.join(tmp, "statement.md")
    with open(doc, "w", encoding="utf-8") as f:
        f.write(f"# {TITLE}\n\nنطالب بحرية التنظيم.\n\n1. نقابة المعلمين\n2. رابطة الكتاب\n")
    subprocess.run([BAYAN, "import", doc, "--slug", "joint", "--publish", "--data", data], check=True, capture_output=True)

    browser = Browser()
    processes = []
    try:
        server = subprocess.Popen([BAYAN, "serve", "--port", "0", "--data", data], stdout=subprocess.PIPE, text=True)
        processes.append(server)
        base = re.search(r"http://\S+?/(?=\s|$)", server.stdout.readline()).group(0).rstrip("/")
        partners = []
        for name in ["listed", "other"]:
            site = os.path.join(tmp, name)
            os.makedirs(site)
            with open(os.path.join(site, "index.html"), "w", encoding="utf-8") as f:
                f.write(f'<!DOCTYPE html><html><body><h1>Partner {name}</h1>'
                        f'<iframe id="bayan" src="{base}/s/joint/embed" title="statement" style="width:100%;height:400px"></iframe>'
                        '</body></html>')
            port = free_port()
            processes.append(subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                                              cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            # The partner's server must listen before the browser goes there (it failed once, refused).
            wait_for_port(port)
            partners.append(f"http://127.0.0.1:{port}")

        def framed(partner):
            browser.get(partner + "/")
            browser.wait(lambda b: "Partner" in b.source)
            browser.frame("//iframe[@id='bayan']")
            seen = browser.wait(lambda b: TITLE in b.source, timeout=5)
            browser.top()
            return seen

        print("no website is listed: the embed is framed nowhere but on the instance")
        check(not framed(partners[0]), "a partner not listed sees no statement in its frame")

        print("the coordinator lists one partner on the publish step")
        browser.get(base + "/login")
        browser.type("//input[@name='email']", "admin@example.org")
        browser.type("//input[@name='password']", PASSWORD)
        browser.click("//form[@action='/login']//button")
        check(browser.at("/c"), "signed in")
        browser.get(base + "/c/s/joint/publish")
        check("/s/joint/embed" in browser.source, "the publish step shows the snippet to copy")
        browser.type("//textarea[@name='origins']", partners[0])
        browser.click("//form[contains(@action, '/embed')]//button")
        check(browser.wait(lambda b: partners[0] in b.source), "the website is saved")

        check(framed(partners[0]), "the listed partner shows the statement in its frame")
        browser.screenshot(os.path.join(ARTIFACTS, "embed-partner.png"))
        check(not framed(partners[1]), "a partner not listed still sees nothing")
    finally:
        browser.quit()
        stop(processes)
        shutil.rmtree(tmp, ignore_errors=True)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
