"""Browser test (issue: coordinating a statement): headless Chromium walks the whole path a
coordinator and two signers click through, against the real `bayan` binary on a real
SQLite file. Screenshots go to artifacts/.

Run by scripts/test; standalone: python3 Tests/browser/coordination_flow.py
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from webdriver import Browser  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import ARTIFACTS, BAYAN, ROOT, Checks, free_port  # noqa: E402

PASSWORD = "correct horse battery"
check = Checks()



def start_server(data):
    env = dict(os.environ, BAYAN_BCRYPT_COST="4")
    subprocess.run([BAYAN, "coordinator", "create", "--email", "admin@example.org", "--password-stdin", "--data", data],
                   input=PASSWORD + "\n", text=True, check=True, env=env, capture_output=True)
    proc = subprocess.Popen([BAYAN, "serve", "--port", "0", "--data", data], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    url = re.search(r"http://\S+?/(?=\s|$)", line).group(0).rstrip("/")
    return proc, url


def state_form(to):
    return f"//form[input[@name='to' and @value='{to}']]"


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    data = tempfile.mkdtemp(prefix="bayan-browser-")
    # The browser first: a driver that fails to start must not leave a server running.
    browser = Browser()
    server, base = start_server(os.path.join(data, "d"))
    try:
        print("coordinator logs in and drafts a statement")
        browser.get(base + "/login")
        browser.type("//input[@name='email']", "admin@example.org")
        browser.type("//input[@name='password']", PASSWORD)
        browser.click("//form[@action='/login']//button")
        check(browser.at("/c"), "signed in lands on the dashboard")
        browser.type("//input[@name='title']", "بيان مشترك حول حرية التنظيم النقابي")
        browser.type("//input[@name='slug']", "joint")
        browser.type("//textarea[@name='body']", "نحن الموقّعين أدناه نطالب بحرية التنظيم.\n\nونطالب بالإفراج عن المعتقلين.")
        browser.click("//form[@action='/c/statements']//button")
        check(browser.at("/c/s/joint"), "the draft has its page")

        print("it circulates and three organisations are invited")
        browser.get(base + "/c/s/joint/publish")
        browser.click(state_form("circulating") + "//input[@name='confirm']")
        browser.click(state_form("circulating") + "//button")
        check(browser.has_text("قيد التداول"), "state is circulating")
        browser.get(base + "/c/s/joint/invitations")
        browser.type("//textarea[@name='names']", "نقابة المعلمين في سورية\nنقابه المعلمين في سوريا\nرابطة الكتاب")
        browser.click("//form[contains(@action, '/invitations')]//button")
        browser.has_text("تحية طيبة")
        links = [browser.text(e) for e in browser.find_all("//code[contains(@class, 'link')]")]
        check(len(links) == 2 and all("/i/" in l for l in links), "two invitation links are shown once")
        check("نقابه المعلمين في سوريا" in browser.text(browser.find("//div[@id='problems']")),
              "the second spelling of the same union is not invited twice, and the page says so")
        check("تحية طيبة" in browser.source, "a ready-to-paste Arabic message is offered")

        print("two organisations sign through their links, one with a duplicate-looking name")
        private = []
        # The second link is passed on: the union signs with the league's link.
        for link, signer, name in zip(links, ["أحمد الحلبي", "سارة الإدلبي"], [None, "نقابه المعلمين في سوريا"]):
            browser.get(link)
            check(browser.has_text("نحن الموقّعين أدناه"), "the sign-on page shows the exact text")
            if name:
                browser.type("//input[@name='name']", name)
            browser.type("//input[@name='signer']", signer)
            browser.type("//input[@name='role']", "الأمين العام")
            browser.type("//input[@name='contact']", "contact@example.org")
            browser.click("//input[@name='consent']")
            browser.click("//form[contains(@action, '/i/')]//button")
            ok = browser.has_text("سُجّل توقيعكم")
            check(ok, f"{signer}'s sign-on is recorded")
            if not ok:
                print(browser.url, re.findall(r'class="error"[^<]*<', browser.source))
            private.append(browser.text(browser.find("//code[contains(@class, 'link')]")))

        print("the coordinator sees the duplicate warning and approves")
        browser.get(base + "/c/s/joint/signons")
        warnings = browser.find_all("//p[contains(@class, 'warning') and @role='alert']")
        check(len(warnings) == 2, "both sign-ons carry a duplicate warning")
        check("دُعيت باسم <bdi>رابطة الكتاب</bdi>" in browser.source, "the card says who the passed-on link was made for")
        browser.screenshot(os.path.join(ARTIFACTS, "moderation-queue.png"))
        for remaining in (1, 0):
            browser.click("(//form[contains(@action, '/approve')]//button)[1]")
            browser.wait(lambda b: len(b.find_all("//form[contains(@action, '/approve')]")) == remaining)
        check(len(browser.find_all("//form[contains(@action, '/approve')]")) == 0, "the queue is empty after approving")

        print("the text changes; one signer re-confirms")
        browser.get(base + "/c/s/joint")
        browser.type("//textarea[@name='body']", "نحن الموقّعين أدناه نطالب بحرية التنظيم النقابي الكاملة.\n\nونطالب بالإفراج الفوري عن المعتقلين.")
        browser.click("//form[contains(@action, '/text')]//button")
        check(browser.has_text("<p>نحن الموقّعين أدناه نطالب بحرية التنظيم النقابي الكاملة.</p>"), "the new version is saved")
        browser.get(base + "/c/s/joint/signons")
        check(browser.has_text("وقّعت على نص سابق"), "old sign-ons are flagged for re-confirmation")
        browser.get(private[0])
        check(browser.has_text("تغيّر نص البيان"), "the signer's private page shows the changed text")
        browser.click("//form[contains(@action, '/reconfirm')]//button")
        ok = browser.has_text("تم تأكيد توقيعكم")
        check(ok, "the signer re-confirmed")
        if not ok:
            print(browser.url, re.findall(r'class="(?:error|notice)"[^<]*<', browser.source))

        print("publication and the public page")
        browser.get(base + "/c/s/joint/publish")
        check("نقابة المعلمين في سورية" in browser.source and "دائمة" in browser.source,
              "the publish step previews the numbered list and says the numbers become permanent")
        browser.click(state_form("published") + "//input[@name='confirm']")
        browser.click(state_form("published") + "//button")
        check(browser.has_text("<strong>منشور</strong>"), "the statement is published")
        browser.get(base + "/s/joint")
        browser.has_text("founding")
        items = browser.find_all("//ol[contains(@class, 'founding')]/li")
        texts = [browser.text(i) for i in items]
        values = [browser.attribute(i, "value") for i in items]
        check(texts == ["نقابة المعلمين في سورية"] and values == [1],
              f"the public list shows the re-confirmed signatory as number 1 (got {texts} {values})")
        check("contact@example.org" not in browser.source and "أحمد الحلبي" not in browser.source,
              "no contact or signer name on the public page")
        browser.screenshot(os.path.join(ARTIFACTS, "public-page.png"))

        # Every page at phone and desktop size, with axe-core: Tests/browser/pages_test.py.
    finally:
        browser.quit()
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(data, ignore_errors=True)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
