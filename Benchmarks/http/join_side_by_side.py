#!/usr/bin/env python3
"""Stored joins against the no-store floor for one or more builds, side by side: each build
gets its own data directory and `bayan serve`, and the runs alternate (build 0 join, build 0
floor, build 1 join, ...) so every build sees the same moments of a noisy machine. Prints
joins/s, the floor, their ratio and the server's CPU per request (/proc) for each build.

    python3 Benchmarks/http/join_side_by_side.py ROUNDS SECONDS BIN[,VAR=value...] [BIN...]

A build may carry environment variables for its server (`bayan,BAYAN_SQLITE_SYNCHRONOUS=normal`).
With PERF=1 the first build's server is recorded with `perf record -g` during its last join
run (written to perf-join.data in the working directory)."""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    rounds, secs, specs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    tmp = tempfile.mkdtemp(prefix="bayan-joins-")
    servers = []
    try:
        for k, spec in enumerate(specs):
            binary, *envs = spec.split(",")
            b = B.Bench(binary, tmp)
            data = os.path.join(tmp, f"data{k}")
            b.cli("import", os.path.join(ROOT, "docs", "sample-statement.md"), "--slug", "seed", "--publish", "--data", data)
            _, base = b.serve(f"s{k}", ["--data", data], dict(e.split("=", 1) for e in envs))
            page = b.fetch(base + "/s/seed/join")[0].decode()
            version = re.search(r'name="version" value="([^"]*)"', page).group(1)
            servers.append((k, b, base, data, version))
        results = {}
        for r in range(rounds):
            for k, b, base, data, version in servers:
                for path in ("/s/seed/join", "/s/seed/join-floor"):
                    stamps = b.stamps(["--data", data], 40000 * secs, base)
                    run = lambda: B.wrk(base, secs, "join.lua", (path, stamps, version, f"r{r}k{k}{time.monotonic_ns()}"))
                    recording = os.environ.get("PERF") and k == 0 and path.endswith("/join") and r == rounds - 1
                    perf = subprocess.Popen(["perf", "record", "-g", "-o", "perf-join.data", "-p", str(b.pids[base]), "--", "sleep",
                                             str(max(1, secs - 1))], stderr=subprocess.DEVNULL) if recording else None
                    out = B.accounted(b.pids[base], run)
                    if perf:
                        perf.wait()
                    name = path.rsplit("/", 1)[1]
                    results.setdefault((k, name), []).append(out)
                    print(f"round {r} build {k} {name:10s} {out['rps']:7.0f}/s  server "
                          f"{1e6 * out['server_cpu_s'] / out['requests']:4.0f} µs a request  machine "
                          f"{100 * out['idle_s'] / (out['wall_s'] * os.cpu_count()):3.0f} % idle  ≥ 400: {out['non2xx']}", flush=True)
        for k, *_ in servers:
            j, f = B.combine(results[(k, "join")]), B.combine(results[(k, "join-floor")])
            print(f"build {k} ({specs[k]}): join {j['rps']:.0f}/s, floor {f['rps']:.0f}/s, ratio {j['rps'] / f['rps']:.3f}; "
                  f"server CPU a request {1e6 * j['server_cpu_s'] / j['requests']:.0f} vs {1e6 * f['server_cpu_s'] / f['requests']:.0f} µs")
    finally:
        for _, b, *_ in servers:
            b.stop()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
