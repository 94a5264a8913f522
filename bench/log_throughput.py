#!/usr/bin/env python3
"""Issue #13: throughput of one task writing output as fast as it can, through Wharf (FIFO -> pump ->
rotated files) versus the same command writing straight into a file on the same disk, side by side,
and the CPU Wharf spends per GiB.

    python3 bench/log_throughput.py --wharf .build/release/wharf [--mib 512] [--trials 3] [--block 65536]

Each trial runs the direct command, then the same command as a Wharf task (interleaved, so both see
the machine in the same state). The task times itself (date +%s%N around dd) and prints the
nanoseconds on stderr, read back through the log API; Wharf's CPU time is read from /proc before the
app is created and after its output is complete.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, accept="application/json"):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def command(mib, block):
    count = mib * 1024 * 1024 // block
    return (f"s=$(date +%s%N); dd if=/dev/zero bs={block} count={count} status=none; e=$(date +%s%N); "
            f"echo $((e-s)) >&2")


def direct(mib, block, directory):
    path = os.path.join(directory, "direct.out")
    subprocess.run(["/bin/sh", "-c", "{ " + command(mib, block) + f"; }} 2>{path}.err"], stdout=open(path, "wb"),
                            check=True)
    nanos = int(open(path + ".err").read().strip())
    os.remove(path)
    return nanos / 1e9


def through_wharf(api, pid, mib, block, name):
    cpu_before = cpu_seconds(pid)
    app = {"id": name, "cmd": command(mib, block) + "; sleep 3600", "cpus": 0.5, "mem": 64, "instances": 1}
    http("POST", api + "/v2/apps", app)
    deadline = time.time() + 600
    task = None
    while time.time() < deadline:
        _, _, body = http("GET", api + f"/v2/apps{name}/tasks")
        tasks = json.loads(body).get("tasks", [])
        if tasks:
            task = tasks[0]["id"]
            _, _, err = http("GET", api + f"/v2/tasks/{task}/logs?stream=stderr", accept="*/*")
            if err.strip():
                break
        time.sleep(0.2)
    else:
        raise SystemExit("the task did not finish in time")
    nanos = int(err.strip())
    # All output written: the stream's size reaches what dd wrote.
    while True:
        _, headers, _ = http("GET", api + f"/v2/tasks/{task}/logs?tail=0", accept="*/*")
        if int(headers.get("X-Wharf-Log-Size", "0")) >= mib * 1024 * 1024:
            break
        time.sleep(0.05)
    cpu = cpu_seconds(pid) - cpu_before
    http("DELETE", api + f"/v2/apps{name}")
    return nanos / 1e9, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wharf", required=True)
    parser.add_argument("--mib", type=int, default=512)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--block", type=int, default=65536)
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="wharf-logbench-")
    port = free_port()
    log = open(os.path.join(root, "wharf.log"), "w")
    wharf = subprocess.Popen([args.wharf, "dev", "--data-dir", os.path.join(root, "data"), "--api-port", str(port),
                              "--bind", "127.0.0.1", "--router-port", "off", "--dns-port", "off",
                              "--task-ports", f"{port + 1}-{port + 20}"], stdout=log, stderr=log)
    api = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                http("GET", api + "/ping", accept="*/*")
                break
            except Exception:
                time.sleep(0.1)
        direct_rates, wharf_rates, cpu_per_gib = [], [], []
        for trial in range(args.trials):
            seconds = direct(args.mib, args.block, root)
            direct_rates.append(args.mib / seconds)
            seconds, cpu = through_wharf(api, wharf.pid, args.mib, args.block, f"/logbench{trial}")
            wharf_rates.append(args.mib / seconds)
            cpu_per_gib.append(cpu * 1024 / args.mib)
            print(f"trial {trial + 1}: direct {direct_rates[-1]:.0f} MiB/s, through wharf {wharf_rates[-1]:.0f} MiB/s, "
                  f"wharf CPU {cpu:.2f} s", flush=True)
        d, w = statistics.median(direct_rates), statistics.median(wharf_rates)
        print(json.dumps({
            "mib": args.mib, "block": args.block, "trials": args.trials,
            "direct_mib_s": round(d), "wharf_mib_s": round(w), "ratio": round(w / d, 2),
            "wharf_cpu_seconds_per_gib": round(statistics.median(cpu_per_gib), 2),
        }))
    finally:
        wharf.terminate()
        wharf.wait(timeout=30)
        subprocess.run(["pkill", "-f", root], check=False)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
