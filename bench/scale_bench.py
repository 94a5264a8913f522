#!/usr/bin/env python3
"""The control plane at 100,000 instances (issue #12): a real `wharf dev` with simulated agents,
driven over HTTP like a user. Each mode prints a table and can write JSON.

  bench/scale_bench.py burst   --background 90000 --instances 10000   one app of N: POST -> all RUNNING
  bench/scale_bench.py create  --apps 1000 --instances 100 --clients 8  apps created concurrently
  bench/scale_bench.py list    --apps 10000 --instances 10             GET /v2/apps latency
  bench/scale_bench.py rolling --background 90000 --instances 10000    POST latency and event -> router
                                                                        latency during rolling restarts
  bench/scale_bench.py metrics --apps 1000 --instances 10              GET /metrics and the http_sd
                                                                        targets: time and size

Simulated agents run nothing: a launch reports TASK_RUNNING at once, so these figures are the
control plane's own cost (API, store, scheduler, deployments, catalog, events, router table). The
router serves HTTP routes only (--tcp-routes false): one TCP listener per app would be thousands.
Loopback only; bounded in time.
"""
import argparse, datetime, http.client, json, os, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_bench import Wharf, free_port_outside, percentile, report, rss_mib, task_ports  # noqa: E402


def memory(wharf):
    """Resident memory of wharf now and at its peak, in MiB."""
    return {"rss_mib": rss_mib(wharf.proc.pid), "rss_peak_mib": rss_mib(wharf.proc.pid, "VmHWM")}


class Client:
    """One keep-alive connection, as a script or CLI would hold it."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, body=None):
        data = json.dumps(body) if body is not None else None
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise


def start(args, extra=()):
    router = free_port_outside(task_ports())
    wharf = Wharf(args.wharf, ["--simulated-agents", str(args.agents), "--cpus", "64", "--mem", "262144",
                               "--router-port", str(router), "--dns-port", "off", "--tcp-routes", "false", *extra])
    wharf.router_port = router
    return wharf


def app_body(app_id, instances, **extra):
    body = {"id": app_id, "cmd": "sleep 3600", "cpus": 0.001, "mem": 1, "instances": instances,
            "portDefinitions": [{"port": 0}]}
    body.update(extra)
    return body


def post_apps(wharf, ids, instances, clients):
    """POSTs one app per id with `clients` concurrent connections; returns per-request latencies (ms)."""
    local = threading.local()
    latencies = []
    refused = [0]
    lock = threading.Lock()

    def one(app_id):
        if not hasattr(local, "client"):
            local.client = Client(wharf.port)
        while True:
            begin = time.perf_counter()
            status, body = local.client.request("POST", "/v2/apps", app_body(app_id, instances))
            elapsed = (time.perf_counter() - begin) * 1000
            with lock:
                latencies.append(elapsed)
            if status == 201:
                return
            if status != 403:
                raise SystemExit(f"POST {app_id} failed: {status} {body[:300]}")
            # Marathon's limit of running deployments (403): back off as a script would.
            with lock:
                refused[0] += 1
            time.sleep(0.05)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, ids))
    post_apps.refused = refused[0]
    return latencies


def wait_converged(wharf, timeout, interval=0.02):
    client = Client(wharf.port)
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body = client.request("GET", "/v2/deployments")
        if status == 200 and body.strip() == b"[]":
            return True
        time.sleep(interval)
    return False


def running_count(wharf):
    status, body = Client(wharf.port).request("GET", "/v2/apps?embed=apps.counts")
    return sum(app["tasksRunning"] for app in json.loads(body)["apps"])


def fill(wharf, instances_total, per_app, clients=8):
    """Background load: apps of `per_app` instances up to `instances_total`."""
    n = instances_total // per_app
    begin = time.perf_counter()
    post_apps(wharf, [f"/background/app-{i}" for i in range(n)], per_app, clients)
    if not wait_converged(wharf, 900):
        raise SystemExit("background apps did not converge")
    return time.perf_counter() - begin


def bench_burst(args):
    wharf = start(args)
    try:
        results = {"agents": args.agents}
        if args.background:
            results["background_fill_s"] = fill(wharf, args.background, 100)
        client = Client(wharf.port)
        for round_ in range(args.rounds):
            app_id = f"/burst/app-{round_}"
            begin = time.perf_counter()
            status, body = client.request("POST", "/v2/apps", app_body(app_id, args.instances))
            if status != 201:
                raise SystemExit(f"POST failed: {status} {body[:300]}")
            if not wait_converged(wharf, 600, interval=0.01):
                raise SystemExit(f"{app_id} did not converge")
            results[f"burst_{args.instances}_round{round_}_s"] = time.perf_counter() - begin
            status, _ = client.request("DELETE", "/v2/apps" + app_id)
            if status != 200 or not wait_converged(wharf, 600):
                raise SystemExit(f"{app_id} not destroyed")
        results["instances_running_at_end"] = running_count(wharf)
        results.update(memory(wharf))
        return results
    finally:
        wharf.stop()


def bench_create(args):
    wharf = start(args)
    try:
        begin = time.perf_counter()
        latencies = post_apps(wharf, [f"/created/app-{i}" for i in range(args.apps)], args.instances, args.clients)
        accepted = time.perf_counter() - begin
        if not wait_converged(wharf, 900):
            raise SystemExit("apps did not converge")
        converged = time.perf_counter() - begin
        running = running_count(wharf)
        return {
            "apps": args.apps, "instances_per_app": args.instances, "clients": args.clients,
            "all_posts_accepted_s": accepted, "posts_per_s": args.apps / accepted,
            "post_p50_ms": percentile(latencies, 50), "post_p99_ms": percentile(latencies, 99),
            "all_running_s": converged, "launches_per_s": running / converged, "instances_running": running,
            **memory(wharf),
        }
    finally:
        wharf.stop()


def bench_list(args):
    wharf = start(args)
    try:
        begin = time.perf_counter()
        post_apps(wharf, [f"/listed/app-{i}" for i in range(args.apps)], args.instances, args.clients)
        if not wait_converged(wharf, 900):
            raise SystemExit("apps did not converge")
        results = {"apps": args.apps, "instances": running_count(wharf), "fill_s": time.perf_counter() - begin}
        client = Client(wharf.port)
        # get_apps: the same query again and again (an unchanged cluster's listing is kept, see
        # ClusterState.appsRevision); get_apps_rendered: a new query string every time (an
        # ignored parameter), so every answer is rendered as after a change.
        for name, path in (("get_apps", "/v2/apps"), ("get_apps_rendered", "/v2/apps?nocache={i}"),
                           ("get_app", "/v2/apps/listed/app-7"), ("get_queue", "/v2/queue"),
                           ("get_app_tasks", "/v2/apps/listed/app-7/tasks")):
            lat = []
            for i in range(args.requests if name.startswith("get_apps") else args.requests * 5):
                t = time.perf_counter()
                status, body = client.request("GET", path.format(i=i))
                lat.append((time.perf_counter() - t) * 1000)
                if status != 200:
                    raise SystemExit(f"GET {path}: {status}")
            results[f"{name}_p50_ms"] = percentile(lat, 50)
            results[f"{name}_p99_ms"] = percentile(lat, 99)
            results[f"{name}_bytes"] = len(body)
        results.update(memory(wharf))
        return results
    finally:
        wharf.stop()


def bench_metrics(args):
    """Scrapes of /metrics and of /v1/wharf/prometheus/targets of a cluster of `apps` x `instances`."""
    wharf = start(args)
    try:
        post_apps(wharf, [f"/scraped/app-{i}" for i in range(args.apps)], args.instances, args.clients)
        if not wait_converged(wharf, 900):
            raise SystemExit("apps did not converge")
        results = {"apps": args.apps, "instances": running_count(wharf)}
        client = Client(wharf.port)
        for name, path in (("metrics", "/metrics"), ("targets", "/v1/wharf/prometheus/targets")):
            lat = []
            for _ in range(args.requests):
                t = time.perf_counter()
                status, body = client.request("GET", path)
                lat.append((time.perf_counter() - t) * 1000)
                if status != 200:
                    raise SystemExit(f"GET {path}: {status}")
            results[f"{name}_p50_ms"] = percentile(lat, 50)
            results[f"{name}_p99_ms"] = percentile(lat, 99)
            results[f"{name}_bytes"] = len(body)
            results[f"{name}_lines"] = body.count(b"\n") if name == "metrics" else body.count(b'"targets"')
        results.update(memory(wharf))
        return results
    finally:
        wharf.stop()


class EventRecorder(threading.Thread):
    """Keeps the raw bytes of /v2/events?event_type=status_update_event, read in large chunks so that
    it keeps up with a 10,000-instance restart (a reader that falls 1,024 events behind is
    disconnected, as by Marathon); parsed once the run is over."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.conn.request("GET", "/v2/events?event_type=status_update_event", headers={"Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        self.chunks = []

    def run(self):
        try:
            while True:
                chunk = self.resp.read1(1 << 20)
                if not chunk:
                    break
                self.chunks.append(chunk)
        except (OSError, http.client.HTTPException, ValueError):
            pass

    def running_at(self, task_ids):
        """Wall-clock time of each task's TASK_RUNNING event, from the event's own timestamp."""
        found = {}
        for block in b"".join(self.chunks).split(b"\n\n"):
            data = b"".join(line[5:].strip() for line in block.split(b"\n") if line.startswith(b"data:"))
            if not data or b"TASK_RUNNING" not in data:
                continue
            event = json.loads(data)
            if event.get("taskId") in task_ids and event.get("taskStatus") == "TASK_RUNNING":
                stamp = datetime.datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
                found[event["taskId"]] = stamp.replace(tzinfo=datetime.timezone.utc).timestamp()
        return found


class RouterProbe(threading.Thread):
    """Measures how soon the router follows a change: scales /probe between 0 and 1 instance and
    times each change from the API's answer to the first router answer that reflects it (503 while
    the route has no instance; 502 once it has the simulated one, which accepts no connection, and
    the 502 names that instance's port). This includes placing and launching the instance. For a
    scale-up it also times event -> router: from the timestamp of the instance's TASK_RUNNING
    status_update_event (set when the report is made) to the first router answer that routes to it."""

    def __init__(self, wharf, samples):
        super().__init__(daemon=True)
        self.wharf, self.samples, self.latencies, self.errors = wharf, samples, {"up": [], "down": []}, []
        self.routed_at = {}  # task id -> wall-clock time the router first routed to it

    def router(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.wharf.router_port, timeout=5)
        try:
            conn.request("GET", "/", headers={"Host": "probe.localhost"})
            resp = conn.getresponse()
            return resp.status, resp.read().decode(errors="replace")
        finally:
            conn.close()

    def probe_task(self, client):
        """(port, task id) of the probe's instance, or None."""
        status, body = client.request("GET", "/v2/apps/probe/tasks")
        tasks = json.loads(body)["tasks"] if status == 200 else []
        return (tasks[0]["ports"][0], tasks[0]["id"]) if tasks and tasks[0].get("ports") else None

    def run(self):
        client = Client(self.wharf.port)
        client.request("POST", "/v2/apps", app_body("/probe", 0))
        for i in range(self.samples):
            up = i % 2 == 0
            status, body = client.request("PUT", "/v2/apps/probe?force=true", {"instances": 1 if up else 0})
            accepted = time.perf_counter()
            if status != 200:
                self.errors.append(f"PUT {status} {body[:200]}")
                continue
            deadline = accepted + 30
            task = None
            while time.perf_counter() < deadline:
                code, text = self.router()
                if up and code == 502:
                    routed = time.time()
                    task = task or self.probe_task(client)
                    if task is not None and str(task[0]) in text:
                        self.routed_at[task[1]] = routed
                        break
                elif not up and code == 503:
                    break
                time.sleep(0.001)
            else:
                self.errors.append(f"router did not follow the scale {'up' if up else 'down'} within 30 s")
                continue
            self.latencies["up" if up else "down"].append((time.perf_counter() - accepted) * 1000)
            time.sleep(0.1)


def bench_rolling(args):
    wharf = start(args)
    try:
        results = {"agents": args.agents}
        results["background_fill_s"] = fill(wharf, args.background, 1000 if args.background >= 10000 else 100)
        client = Client(wharf.port)
        status, body = client.request("POST", "/v2/apps", app_body("/rolling/big", args.instances))
        if status != 201 or not wait_converged(wharf, 600):
            raise SystemExit(f"/rolling/big did not start: {status} {body[:200]}")
        results["instances_running"] = running_count(wharf)

        stop = threading.Event()
        restarts = []

        def restart_loop():
            c = Client(wharf.port)
            while not stop.is_set():
                t = time.perf_counter()
                s, b = c.request("POST", "/v2/apps/rolling/big/restart?force=true")
                if s != 200:
                    raise SystemExit(f"restart failed: {s} {b[:200]}")
                deployment = json.loads(b)["deploymentId"]
                while not stop.is_set():
                    s, b = c.request("GET", "/v2/deployments")
                    if deployment not in b.decode():
                        restarts.append(time.perf_counter() - t)
                        break
                    time.sleep(0.05)

        restarter = threading.Thread(target=restart_loop, daemon=True)
        restarter.start()
        time.sleep(0.5)
        recorder = EventRecorder(wharf.port)
        recorder.start()
        probe = RouterProbe(wharf, args.probes)
        probe.start()
        post_latencies = []
        refused = 0
        poster = Client(wharf.port)
        begin = time.perf_counter()
        i = 0
        while time.perf_counter() - begin < args.seconds:
            t = time.perf_counter()
            s, b = poster.request("POST", "/v2/apps", app_body(f"/rolling/small-{i}", 1))
            post_latencies.append((time.perf_counter() - t) * 1000)
            if s == 403:
                refused += 1  # Marathon's limit of running deployments: tried again after the pause
            elif s != 201:
                raise SystemExit(f"POST small failed: {s} {b[:200]}")
            else:
                i += 1
            time.sleep(1 / args.post_rate)
        probe.join(timeout=120)
        stop.set()
        restarter.join(timeout=120)
        results.update({
            "rolling_restarts_completed": len(restarts),
            "rolling_restart_p50_s": percentile(restarts, 50) if restarts else float("nan"),
            "posts_during_restarts": len(post_latencies), "posts_refused_403": refused,
            "post_p50_ms": percentile(post_latencies, 50), "post_p99_ms": percentile(post_latencies, 99),
            "post_max_ms": max(post_latencies),
            "router_probe_errors": len(probe.errors),
            **memory(wharf),
        })
        for direction, values in probe.latencies.items():
            results[f"change_to_router_{direction}_samples"] = len(values)
            results[f"change_to_router_{direction}_p50_ms"] = percentile(values, 50)
            results[f"change_to_router_{direction}_p99_ms"] = percentile(values, 99)
            results[f"change_to_router_{direction}_max_ms"] = max(values) if values else float("nan")
        running = recorder.running_at(set(probe.routed_at))
        event_to_router = [(probe.routed_at[t] - running[t]) * 1000 for t in probe.routed_at if t in running]
        results["event_to_router_samples"] = len(event_to_router)
        results["event_to_router_p50_ms"] = percentile(event_to_router, 50) if event_to_router else float("nan")
        results["event_to_router_p99_ms"] = percentile(event_to_router, 99) if event_to_router else float("nan")
        results["event_to_router_max_ms"] = max(event_to_router) if event_to_router else float("nan")
        for error in probe.errors[:5]:
            print("probe:", error, file=sys.stderr)
        return results
    finally:
        wharf.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wharf", default=".build/release/wharf")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--out", help="write results as JSON here")
    sub = parser.add_subparsers(dest="mode", required=True)
    burst = sub.add_parser("burst")
    burst.add_argument("--background", type=int, default=90000)
    burst.add_argument("--instances", type=int, default=10000)
    burst.add_argument("--rounds", type=int, default=3)
    create = sub.add_parser("create")
    create.add_argument("--apps", type=int, default=1000)
    create.add_argument("--instances", type=int, default=100)
    create.add_argument("--clients", type=int, default=8)
    listing = sub.add_parser("list")
    listing.add_argument("--apps", type=int, default=10000)
    listing.add_argument("--instances", type=int, default=10)
    listing.add_argument("--clients", type=int, default=8)
    listing.add_argument("--requests", type=int, default=200)
    rolling = sub.add_parser("rolling")
    rolling.add_argument("--background", type=int, default=90000)
    rolling.add_argument("--instances", type=int, default=10000)
    rolling.add_argument("--seconds", type=float, default=30)
    rolling.add_argument("--probes", type=int, default=40)
    rolling.add_argument("--post-rate", type=float, default=10, help="small apps POSTed per second")
    metrics = sub.add_parser("metrics")
    metrics.add_argument("--apps", type=int, default=1000)
    metrics.add_argument("--instances", type=int, default=10)
    metrics.add_argument("--clients", type=int, default=8)
    metrics.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    results = {"burst": bench_burst, "create": bench_create, "list": bench_list, "rolling": bench_rolling,
               "metrics": bench_metrics}[args.mode](args)
    report(results, args.out, width=36)


if __name__ == "__main__":
    main()
