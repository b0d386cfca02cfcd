"""Shared helpers of Bayan's end-to-end test scripts: named checks and a closing line
('N passed, N failed') that CI reads."""
import os
import socket

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BAYAN = os.environ.get("BAYAN_BIN", os.path.join(ROOT, ".build", "debug", "bayan"))
ARTIFACTS = os.path.join(ROOT, "artifacts")


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def __call__(self, condition, message):
        if condition:
            self.passed += 1
        else:
            self.failed += 1
        print(f"  {'ok  ' if condition else 'FAIL'} {message}")
        return condition

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=20):
    """Returns once something listens on 127.0.0.1:`port` (a server just started may not yet)."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def stop(processes, timeout=20):
    """Terminates each process and waits for it, killing one that does not stop in time."""
    import subprocess
    for p in processes:
        p.terminate()
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
