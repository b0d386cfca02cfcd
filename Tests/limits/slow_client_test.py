"""Issue 12: the HTTP server's own limits, against a real `bayan serve` over loopback.

A client that opens connections and sends a request head byte by byte, or nothing at
all (slowloris), loses them after the idle timeout; a request head over the size limit
is refused without a crash; the server keeps answering everyone else throughout.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import BAYAN, Checks, free_port  # noqa: E402

check = Checks()


def closed_within(sock, seconds):
    """True when the server closes the connection within `seconds`."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True


def main():
    tmp = tempfile.mkdtemp(prefix="bayan-limits-")
    port = free_port()
    env = dict(os.environ, BAYAN_HTTP_IDLE_SECONDS="2")
    server = subprocess.Popen([BAYAN, "serve", "--port", str(port), "--data", os.path.join(tmp, "d")], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server.stdout.readline()
    base = f"http://127.0.0.1:{port}"
    try:
        print("slow clients")
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET / HTTP/1.1\r\nHost: bayan\r\n")
        started = time.time()
        with urllib.request.urlopen(base + "/", timeout=5) as r:
            check(r.status == 200, "with 200 idle connections open, the home page still answers")
        check(closed_within(slow, 6), f"a request head that never ends is cut off ({time.time() - started:.1f} s, idle limit 2 s)")
        check(all(closed_within(s, 1) for s in idle), "200 connections that never sent anything are closed")
        print("oversized request heads")
        big = socket.create_connection(("127.0.0.1", port))
        big.sendall(b"GET / HTTP/1.1\r\nHost: bayan\r\nX-Padding: " + b"a" * 64 * 1024 + b"\r\n\r\n")
        big.settimeout(5)
        answer = b""
        try:
            answer = big.recv(200)
        except (ConnectionResetError, socket.timeout):
            pass
        check(answer == b"" or b" 431 " in answer or b" 400 " in answer, f"a 64 KB header is refused ({answer[:40]!r})")
        many = socket.create_connection(("127.0.0.1", port))
        many.sendall(b"GET / HTTP/1.1\r\nHost: bayan\r\n" + b"".join(b"X-H%d: 1\r\n" % i for i in range(500)) + b"\r\n")
        many.settimeout(5)
        try:
            answer = many.recv(200)
        except (ConnectionResetError, socket.timeout):
            answer = b""
        check(answer == b"" or b" 431 " in answer or b" 400 " in answer, f"500 header fields are refused ({answer[:40]!r})")
        with urllib.request.urlopen(base + "/", timeout=5) as r:
            check(r.status == 200 and server.poll() is None, "the server still answers afterwards")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return check.finish()


def test_every_check_passes():
    """The pytest entry point: scripts/test runs this file under pytest."""
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())
