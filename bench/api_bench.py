#!/usr/bin/env python3
"""End-to-end benchmarks of a real `wharf dev`: launch latency, GET /v2/apps latency, memory.

Starts the wharf binary on free ports with a temporary data dir, drives it over HTTP like a user,
prints a table and writes JSON results. Bounded in count and time; loopback only.

  bench/api_bench.py --wharf .build/release/wharf launch --tasks 100
  bench/api_bench.py --wharf .build/release/wharf apps --apps 1000 --instances 10
"""
import argparse, http.client, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def task_ports():
    """The task port range `Wharf` gives `wharf dev`: 10,000 ports, per benchmark process."""
    base = 30000 + (os.getpid() % 1000) * 20
    return range(base, base + 10000)


def free_port_outside(ports):
    """A free loopback port not in `ports`."""
    port = free_port()
    while port in ports:
        port = free_port()
    return port


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def rss_mib(pid, field="VmRSS"):
    """Resident memory of `pid` now (VmRSS) or at its peak (VmHWM), in MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Wharf:
    def __init__(self, binary, extra):
        self.dir = tempfile.mkdtemp(prefix="wharf-bench-")
        tasks = task_ports()
        self.port = free_port_outside(tasks)
        args = [binary, "dev", "--data-dir", self.dir, "--api-port", str(self.port),
                "--task-ports", f"{tasks.start}-{tasks.stop - 1}", "--log-level", "warning"] + extra
        self.log = open(os.path.join(self.dir, "wharf.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if self.request("GET", "/ping")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("wharf did not start; see " + self.log.name)

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        data = json.dumps(body) if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        return resp.status, payload

    def wait_no_deployments(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, body = self.request("GET", "/v2/deployments")
            if status == 200 and json.loads(body) == []:
                return True
            time.sleep(0.2)
        return False

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        # Tasks outlive wharf by design; the benchmark's own must not outlive the benchmark.
        marker = f"MESOS_SANDBOX={self.dir}/".encode()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/environ", "rb") as f:
                        if marker in f.read():
                            os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass
        # Containers too (docker mode), found by the label the agent puts on them.
        if shutil.which("docker"):
            ids = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=io.wharf.agent={self.dir}"],
                                 capture_output=True, text=True).stdout.split()
            if ids:
                subprocess.run(["docker", "rm", "-f"] + ids, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


class EventWatcher(threading.Thread):
    """Follows /v2/events and records when each app's first task reached TASK_RUNNING."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.running, self.cond = port, {}, threading.Condition()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port)
        conn.request("GET", "/v2/events?event_type=status_update_event", headers={"Accept": "text/event-stream"})
        resp = conn.getresponse()
        while True:
            line = resp.fp.readline()
            if not line:
                return
            if line.startswith(b"data: "):
                event = json.loads(line[6:])
                if event.get("taskStatus") == "TASK_RUNNING":
                    with self.cond:
                        self.running.setdefault(event["appId"], time.perf_counter())
                        self.cond.notify_all()

    def wait_for(self, app_id, timeout):
        with self.cond:
            self.cond.wait_for(lambda: app_id in self.running, timeout)
            return self.running.get(app_id)


def bench_launch(args):
    wharf = Wharf(args.wharf, [])
    try:
        time.sleep(0.5)
        idle = rss_mib(wharf.proc.pid)
        watcher = EventWatcher(wharf.port)
        watcher.start()
        time.sleep(0.3)
        latencies = []
        for i in range(args.tasks):
            app_id = f"/bench/launch-{i}"
            start = time.perf_counter()
            status, body = wharf.request("POST", "/v2/apps", {
                "id": app_id, "cmd": "sleep 3600", "cpus": 0.001, "mem": 1, "instances": 1})
            if status != 201:
                raise SystemExit(f"POST failed: {status} {body[:300]}")
            running = watcher.wait_for(app_id, 30)
            if running is None:
                raise SystemExit(f"{app_id} never reached TASK_RUNNING")
            latencies.append((running - start) * 1000)
        loaded = rss_mib(wharf.proc.pid)
        wharf.request("DELETE", "/v2/groups/bench?force=true")
        wharf.wait_no_deployments(120)

        # Peer: the floor of starting the same process directly from a script.
        peer = []
        for _ in range(args.tasks):
            start = time.perf_counter()
            p = subprocess.Popen(["/bin/sh", "-c", "sleep 3600"], start_new_session=True)
            peer.append((time.perf_counter() - start) * 1000)
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        return {
            "launch_p50_ms": percentile(latencies, 50), "launch_p99_ms": percentile(latencies, 99),
            "peer_popen_p50_ms": percentile(peer, 50), "rss_idle_mib": idle, "rss_after_launches_mib": loaded,
            "tasks": args.tasks,
        }
    finally:
        wharf.stop()


def bench_burst(args):
    """One app with N instances: POST until every instance is TASK_RUNNING (deployment finished)."""
    wharf = Wharf(args.wharf, [])
    try:
        results = {}
        for n in args.sizes:
            app_id = f"/burst/app-{n}"
            start = time.perf_counter()
            status, body = wharf.request("POST", "/v2/apps", {
                "id": app_id, "cmd": "sleep 3600", "cpus": 0.001, "mem": 1, "instances": n})
            if status != 201:
                raise SystemExit(f"POST failed: {status} {body[:300]}")
            if not wharf.wait_no_deployments(300):
                raise SystemExit(f"{app_id} did not finish deploying")
            results[f"burst_{n}_instances_s"] = time.perf_counter() - start
            wharf.request("DELETE", "/v2/apps" + app_id)
            if not wharf.wait_no_deployments(120):
                raise SystemExit(f"{app_id} was not destroyed")
        return results
    finally:
        wharf.stop()


DOCKER_IMAGE = "wharf-test/busybox:1"  # built by scripts/docker-test-images


def docker(*arguments):
    result = subprocess.run(["docker", *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"docker {' '.join(arguments)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def docker_app(app_id, instances):
    return {"id": app_id, "cmd": "sleep 3600", "cpus": 0.01, "mem": 16, "instances": instances,
            "networks": [{"mode": "container/bridge"}],
            "container": {"type": "DOCKER", "docker": {"image": DOCKER_IMAGE},
                          "portMappings": [{"containerPort": 80, "hostPort": 0}]}}


def bench_docker(args):
    """Docker tasks (image present): POST -> TASK_RUNNING against `docker run -d` of the same
    container, interleaved; then one app scaled to N containers and back to 0."""
    docker("image", "inspect", DOCKER_IMAGE)
    wharf = Wharf(args.wharf, [])
    try:
        watcher = EventWatcher(wharf.port)
        watcher.start()
        time.sleep(0.3)
        wharf_ms, peer_ms = [], []
        for i in range(args.samples):
            app_id = f"/dbench/launch-{i}"
            start = time.perf_counter()
            status, body = wharf.request("POST", "/v2/apps", docker_app(app_id, 1))
            if status != 201:
                raise SystemExit(f"POST failed: {status} {body[:300]}")
            if watcher.wait_for(app_id, 60) is None:
                raise SystemExit(f"{app_id} never reached TASK_RUNNING")
            wharf_ms.append((watcher.running[app_id] - start) * 1000)
            wharf.request("DELETE", "/v2/apps" + app_id)
            wharf.wait_no_deployments(60)

            # Peer: the same container started by the docker CLI (-d returns once it runs).
            start = time.perf_counter()
            cid = docker("run", "-d", "-p", "80", "--cpu-shares", "10", "-m", "16m", DOCKER_IMAGE,
                         "/bin/sh", "-c", "sleep 3600")
            peer_ms.append((time.perf_counter() - start) * 1000)
            docker("rm", "-f", cid)

        results = {
            "samples": args.samples,
            "wharf_docker_launch_p50_ms": percentile(wharf_ms, 50), "wharf_docker_launch_p99_ms": percentile(wharf_ms, 99),
            "docker_run_p50_ms": percentile(peer_ms, 50), "docker_run_p99_ms": percentile(peer_ms, 99),
            "ratio_p50": percentile(wharf_ms, 50) / percentile(peer_ms, 50),
        }

        n = args.scale
        app_id = "/dbench/scaled"
        start = time.perf_counter()
        status, body = wharf.request("POST", "/v2/apps", docker_app(app_id, n))
        if status != 201 or not wharf.wait_no_deployments(300):
            raise SystemExit(f"scaling {app_id} to {n} failed: {status} {body[:300]}")
        results[f"scale_up_{n}_s"] = time.perf_counter() - start
        start = time.perf_counter()
        status, body = wharf.request("PUT", "/v2/apps" + app_id, {"instances": 0})
        if status != 200 or not wharf.wait_no_deployments(300):
            raise SystemExit(f"scaling {app_id} to 0 failed: {status} {body[:300]}")
        results[f"scale_down_{n}_s"] = time.perf_counter() - start

        # Peer: the same N containers started one after another, then removed, by the CLI.
        start = time.perf_counter()
        ids = [docker("run", "-d", "-p", "80", DOCKER_IMAGE, "/bin/sh", "-c", "sleep 3600") for _ in range(n)]
        results[f"peer_docker_run_{n}_sequential_s"] = time.perf_counter() - start
        start = time.perf_counter()
        docker("rm", "-f", *ids)
        results[f"peer_docker_rm_{n}_s"] = time.perf_counter() - start
        return results
    finally:
        wharf.stop()


def bench_apps(args):
    wharf = Wharf(args.wharf, ["--simulated-agents", str(args.agents), "--cpus", "64", "--mem", "262144"])
    try:
        time.sleep(0.5)
        idle = rss_mib(wharf.proc.pid)
        created = time.perf_counter()
        for i in range(args.apps):
            status, body = wharf.request("POST", "/v2/apps", {
                "id": f"/load/app-{i}", "cmd": "sleep 3600", "cpus": 0.01, "mem": 16,
                "instances": args.instances, "labels": {"team": f"t{i % 10}"}})
            if status != 201:
                raise SystemExit(f"POST failed: {status} {body[:300]}")
        if not wharf.wait_no_deployments(600):
            raise SystemExit("deployments did not finish")
        converge_s = time.perf_counter() - created
        status, body = wharf.request("GET", "/v2/tasks")
        tasks = len(json.loads(body)["tasks"])
        results = {"apps": args.apps, "instances_running": tasks, "create_and_converge_s": converge_s}
        for name, path in (("get_apps", "/v2/apps"), ("get_apps_embed_tasks", "/v2/apps?embed=apps.tasks")):
            lat = []
            for _ in range(args.requests):
                start = time.perf_counter()
                status, body = wharf.request("GET", path)
                lat.append((time.perf_counter() - start) * 1000)
                assert status == 200
            results[f"{name}_p50_ms"] = percentile(lat, 50)
            results[f"{name}_p99_ms"] = percentile(lat, 99)
            results[f"{name}_bytes"] = len(body)
        results["rss_idle_mib"] = idle
        results["rss_loaded_mib"] = rss_mib(wharf.proc.pid)
        return results
    finally:
        wharf.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wharf", default=".build/release/wharf")
    parser.add_argument("--out", help="write results as JSON here")
    sub = parser.add_subparsers(dest="mode", required=True)
    launch = sub.add_parser("launch", help="POST -> TASK_RUNNING latency of process tasks")
    launch.add_argument("--tasks", type=int, default=100)
    apps = sub.add_parser("apps", help="GET /v2/apps latency with many apps on simulated agents")
    apps.add_argument("--apps", type=int, default=1000)
    apps.add_argument("--instances", type=int, default=10)
    apps.add_argument("--agents", type=int, default=100)
    apps.add_argument("--requests", type=int, default=200)
    docker_mode = sub.add_parser("docker", help="Docker task POST -> TASK_RUNNING vs docker run -d; scale N up/down")
    docker_mode.add_argument("--samples", type=int, default=20)
    docker_mode.add_argument("--scale", type=int, default=20)
    burst = sub.add_parser("burst", help="POST one app of N instances -> all running")
    burst.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 500])
    args = parser.parse_args()
    results = {"launch": bench_launch, "apps": bench_apps, "burst": bench_burst,
               "docker": bench_docker}[args.mode](args)
    report(results, args.out)


def report(results, out=None, width=32):
    """Prints one result per line and writes them as JSON to `out` when given."""
    for key, value in results.items():
        print(f"{key:{width}} {value:.2f}" if isinstance(value, float) else f"{key:{width}} {value}")
    if out:
        with open(out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
