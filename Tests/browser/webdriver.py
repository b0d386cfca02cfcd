"""A minimal W3C WebDriver client (standard library only) for Bayan's browser tests.

Chromium and chromedriver come from Debian's packages; no Python package is needed.
"""
import base64
import json
import os
import subprocess
import sys
import time
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import free_port  # noqa: E402


class WebDriverError(Exception):
    pass


class Browser:
    def __init__(self, driver="chromedriver", binary=None, lang="ar"):
        self.port = free_port()
        self.proc = subprocess.Popen([driver, f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                self._call("GET", "/status")
                break
            except Exception:
                time.sleep(0.2)
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1200,1600", f"--lang={lang}"]
        options = {"args": args, "prefs": {"intl.accept_languages": lang}}
        if binary:
            options["binary"] = binary
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise WebDriverError(e.read().decode(errors="replace")) from None

    def _s(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def get(self, url):
        self._s("POST", "/url", {"url": url})

    @property
    def url(self):
        return self._s("GET", "/url")

    @property
    def source(self):
        return self._s("GET", "/source")

    def find(self, xpath):
        return self._s("POST", "/element", {"using": "xpath", "value": xpath})[ELEMENT]

    def find_all(self, xpath):
        return [e[ELEMENT] for e in self._s("POST", "/elements", {"using": "xpath", "value": xpath})]

    def text(self, element):
        return self._s("GET", f"/element/{element}/text")

    def attribute(self, element, name):
        return self._s("GET", f"/element/{element}/property/{name}")

    def type(self, xpath, text, clear=True):
        e = self.find(xpath)
        if clear:
            self._s("POST", f"/element/{e}/clear", {})
        self._s("POST", f"/element/{e}/value", {"text": text})

    def click(self, xpath):
        self._s("POST", f"/element/{self.find(xpath)}/click", {})

    def wait(self, predicate, timeout=15):
        """Polls until predicate(self) holds: a click that submits a form returns before
        the next page has loaded."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if predicate(self):
                    return True
            except WebDriverError:
                pass
            time.sleep(0.1)
        return False

    def has_text(self, text, timeout=15):
        return self.wait(lambda b: text in b.source, timeout)

    def at(self, suffix, timeout=15):
        return self.wait(lambda b: b.url.split("#")[0].endswith(suffix), timeout)

    def resize(self, width, height):
        self._s("POST", "/window/rect", {"width": width, "height": height})

    def script(self, js):
        return self._s("POST", "/execute/sync", {"script": js, "args": []})

    def script_async(self, js, timeout_ms=60000):
        """Runs `js`, which calls its last argument (arguments[arguments.length - 1]) with the
        result: how axe-core's promise is awaited."""
        self._s("POST", "/timeouts", {"script": timeout_ms})
        return self._s("POST", "/execute/async", {"script": js, "args": []})

    def frame(self, xpath):
        """Moves into the iframe at `xpath`; `top()` comes back."""
        self._s("POST", "/frame", {"id": {ELEMENT: self.find(xpath)}})

    def top(self):
        self._s("POST", "/frame", {"id": None})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self._s("GET", "/screenshot")))

    def print_pdf(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self._s("POST", "/print", {"pageRanges": [], "background": True})))

    def quit(self):
        try:
            self._s("DELETE", "")
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)
