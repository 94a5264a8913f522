#!/usr/bin/env python3
"""Wharf's discovery and routing measured side by side with the proxies users run today.

  proxies  wrk through Wharf's edge router, HAProxy and nginx in front of the same backend (an nginx
           serving a 1 KiB page, run as a Wharf app), interleaved rounds; req/s and p50/p99 as ratios
           to HAProxy. Also the backend directly.
  latency  event → route: a new instance's health_status_changed_event (alive) on /v2/events versus
           the first request through the router answered by it, and for kills, requests that still
           reached an instance after its kill was acknowledged.
  rolling  errors seen by wrk through the router during rolling restarts of the nginx backend app.
  dns      queries/s of Wharf's DNS server with dnsperf (A and SRV of a 3-instance service).
  metrics  the router's req/s with its per-service metrics on and off (--router-metrics): two
           `wharf dev`s, each with its nginx backend, measured in alternating rounds; the ratio.

Loopback only. Needs wrk, haproxy, nginx and dnsperf (Debian packages). Example:
  python3 bench/router_bench.py --wharf .build-release/release/wharf proxies --rounds 3 --duration 10
"""
import argparse, http.client, json, os, re, shutil, socket, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wharf_lab import Events, Wharf, free_port, percentile, results_path, wait_until  # noqa: E402

PAGE = "x" * 1024

BACKEND_CONF = """
worker_processes 1;
pid {dir}/nginx-$PORT0.pid;
error_log {dir}/nginx-backend-error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:$PORT0 reuseport;
        location / {{ root {dir}/www; }}
    }}
}}
"""

HAPROXY_CONF = """
global
    maxconn 8000
    nbthread {threads}
defaults
    mode http
    timeout connect 3s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
frontend bench
    bind 127.0.0.1:{port}
    default_backend app
backend app
    balance roundrobin
{servers}
"""

NGINX_PROXY_CONF = """
worker_processes {threads};
pid {dir}/nginx-proxy.pid;
error_log {dir}/nginx-proxy-error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    upstream app {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""


def need(*programs):
    missing = [p for p in programs if not shutil.which(p) and not os.path.exists(f"/usr/sbin/{p}")]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: apt-get install -y {' '.join(missing)}")


def which(program):
    return shutil.which(program) or f"/usr/sbin/{program}"


class BenchWharf(Wharf):
    """A Wharf whose apps are destroyed before it stops: some tasks (nginx) rewrite their
    environment, so the MESOS_SANDBOX sweep of `Wharf.close()` would not find them."""

    def close(self, keep_dir=False):
        try:
            if self.proc and self.proc.poll() is None:
                status, body = self.request("GET", "/v2/apps")
                for app in (body or {}).get("apps", []):
                    self.request("DELETE", "/v2/apps" + app["id"] + "?force=true")
                wait_until("every task stopped", lambda: not self.request("GET", "/v2/tasks")[1].get("tasks"), timeout=30)
        except (OSError, TimeoutError, http.client.HTTPException, AttributeError):
            pass
        super().close(keep_dir or os.environ.get("BENCH_KEEP") == "1")


def start_wharf(args, extra=()):
    router, dns = free_port(), free_port()
    wharf = BenchWharf(args.wharf, extra=["--router-port", str(router), "--router-bind", "127.0.0.1",
                                          "--dns-port", str(dns), "--tcp-routes", "false"] + list(extra))
    wharf.router_port, wharf.dns_port = router, dns
    return wharf


def deploy_backend(wharf, instances):
    """An nginx serving a 1 KiB page as a Wharf app; returns its instances' ports."""
    os.makedirs(os.path.join(wharf.dir, "www"), exist_ok=True)
    os.chmod(wharf.dir, 0o755)  # nginx workers run as nobody
    with open(os.path.join(wharf.dir, "www", "index.html"), "w") as f:
        f.write(PAGE)
    template = os.path.join(wharf.dir, "backend.conf.in")
    with open(template, "w") as f:
        f.write(BACKEND_CONF.format(dir=wharf.dir))
    cmd = (f"sed \"s/\\$PORT0/$PORT0/g\" {template} > nginx-backend.conf && "
           f"exec {which('nginx')} -c $PWD/nginx-backend.conf -g 'daemon off;'")
    app = {"id": "/bench", "cmd": cmd, "instances": instances, "cpus": 0.5, "mem": 64,
           "portDefinitions": [{"port": 0, "name": "http"}], "labels": {"wharf.http.host": "bench.test"},
           "healthChecks": [{"protocol": "TCP", "portIndex": 0, "intervalSeconds": 2, "timeoutSeconds": 1, "gracePeriodSeconds": 30}]}
    status, body = wharf.request("POST", "/v2/apps", app)
    assert status == 201, (status, body)
    wharf.wait_healthy("/bench", instances, timeout=60)
    return sorted(t["ports"][0] for t in wharf.tasks("/bench"))


def wrk(port, duration, connections, threads, host="bench.test"):
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
                          "-H", f"Host: {host}", f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": rps, "p50_ms": latency("50"), "p99_ms": latency("99"),
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": sum(int(x) for x in sockets.groups()) if sockets else 0, "raw": out}


def cmd_proxies(args):
    need("wrk", "haproxy", "nginx")
    with start_wharf(args) as wharf:
        ports = deploy_backend(wharf, args.backends)
        servers_h = "\n".join(f"    server s{i} 127.0.0.1:{p}" for i, p in enumerate(ports))
        servers_n = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
        hport, nport = free_port(), free_port()
        hcfg = os.path.join(wharf.dir, "haproxy.cfg")
        with open(hcfg, "w") as f:
            f.write(HAPROXY_CONF.format(threads=args.proxy_threads, port=hport, servers=servers_h))
        ncfg = os.path.join(wharf.dir, "nginx-proxy.conf")
        with open(ncfg, "w") as f:
            f.write(NGINX_PROXY_CONF.format(threads=args.proxy_threads, dir=wharf.dir, port=nport, servers=servers_n))
        haproxy = subprocess.Popen([which("haproxy"), "-f", hcfg], stdout=subprocess.DEVNULL, stderr=open(hcfg + ".log", "w"))
        nginx = subprocess.Popen([which("nginx"), "-c", ncfg, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=open(ncfg + ".log", "w"))
        try:
            for name, port in (("haproxy", hport), ("nginx", nport), ("wharf", wharf.router_port)):
                if haproxy.poll() is not None or nginx.poll() is not None:
                    sys.exit(open(hcfg + ".log").read() + open(ncfg + ".log").read())
                try:
                    wait_until(f"{name} answers on {port}", lambda: probe(port), timeout=20)
                except TimeoutError:
                    for log in (hcfg + ".log", ncfg + ".log", os.path.join(wharf.dir, "nginx-proxy-error.log")):
                        if os.path.exists(log):
                            print(log, open(log).read()[-2000:], file=sys.stderr)
                    raise
            targets = [("wharf", wharf.router_port), ("haproxy", hport), ("nginx", nport), ("direct", ports[0])]
            results = {name: [] for name, _ in targets}
            for _ in range(args.warmup_rounds):
                for name, port in targets:
                    wrk(port, 2, args.connections, args.wrk_threads)
            for round_ in range(args.rounds):
                for name, port in targets:
                    r = wrk(port, args.duration, args.connections, args.wrk_threads)
                    results[name].append(r)
                    print(f"round {round_ + 1} {name:8s} {r['rps']:>10.0f} req/s  p50 {r['p50_ms']:.3f} ms  "
                          f"p99 {r['p99_ms']:.3f} ms  non-2xx {r['non2xx']}  socket errors {r['socket_errors']}", flush=True)
        finally:
            haproxy.terminate()
            nginx.terminate()
            haproxy.wait()
            nginx.wait()
    summary = {}
    for name, rs in results.items():
        summary[name] = {key: sorted(r[key] for r in rs)[len(rs) // 2] for key in ("rps", "p50_ms", "p99_ms")}
        summary[name]["errors"] = sum(r["non2xx"] + r["socket_errors"] for r in rs)
    base = summary["haproxy"]
    print(f"\nmedian of {args.rounds} rounds, {args.duration} s each, wrk -t{args.wrk_threads} -c{args.connections}, "
          f"{args.backends} backend(s), 1 KiB responses, keep-alive:")
    print(f"{'proxy':8s} {'req/s':>10s} {'×haproxy':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'p99 ×haproxy':>13s} {'errors':>7s}")
    for name, s in summary.items():
        print(f"{name:8s} {s['rps']:>10.0f} {s['rps'] / base['rps']:>9.2f} {s['p50_ms']:>8.3f} {s['p99_ms']:>8.3f} "
              f"{s['p99_ms'] / base['p99_ms']:>13.2f} {s['errors']:>7d}")
    save("router_proxies", {"args": {k: v for k, v in vars(args).items() if k != "run"}, "summary": summary,
                            "rounds": {k: [{x: r[x] for x in r if x != "raw"} for r in v] for k, v in results.items()}})


def cpu_seconds(pid):
    """User + system CPU time of process `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def profile_metrics(wharf, args):
    """CPU samples (perf, software clock) of `wharf` during one more wrk run: the share of its samples
    inside the router's metrics code (inclusive), by symbol."""
    need("perf")
    data = os.path.join(wharf.dir, "router.perf")
    perf = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "2000", "-g", "-p", str(wharf.proc.pid), "-o", data,
                             "--", "sleep", str(args.duration)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wrk(wharf.router_port, args.duration, args.connections, args.wrk_threads)
    perf.wait()
    report = subprocess.run(["perf", "report", "-i", data, "--children", "--sort", "symbol", "--stdio"],
                            capture_output=True, text=True).stdout
    shares = {}
    for line in report.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+([\d.]+)%\s+\[\.\]\s+(\S+)", line)
        if m and re.search(r"recordMeasuredExchange|measure_|10Prometheus|RouterMetrics|ServiceMetrics", m.group(3)):
            shares[m.group(3)] = float(m.group(1))
    for symbol, share in sorted(shares.items(), key=lambda kv: -kv[1]):
        print(f"perf: {share:5.2f} % of wharf's samples in {symbol} (inclusive)")
    return shares


def metrics_text(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        return conn.getresponse().read().decode()
    finally:
        conn.close()


def cmd_metrics(args):
    need("wrk", "nginx")
    # The second wharf needs task ports of its own (the first's range comes from the pid).
    base = 14000 + (os.getpid() % 40) * 200
    # --same: both without metrics, to see how far two identical wharfs differ on this machine.
    first = ["--router-metrics", "false"] if args.same else []
    with start_wharf(args, first) as on, start_wharf(args, ["--router-metrics", "false", "--task-ports", f"{base}-{base + 199}"]) as off:
        for wharf in (on, off):
            deploy_backend(wharf, args.backends)
            wait_until(f"router {wharf.router_port} answers", lambda: probe(wharf.router_port), timeout=20)
        targets = {"on": on.router_port, "off": off.router_port}
        results = {name: [] for name in targets}
        for _ in range(args.warmup_rounds):
            for port in targets.values():
                wrk(port, 2, args.connections, args.wrk_threads)
        for round_ in range(args.rounds):
            # Alternate which goes first, so that drift of the machine does not favour one.
            order = ["on", "off"] if round_ % 2 == 0 else ["off", "on"]
            for name in order:
                pid = (on if name == "on" else off).proc.pid
                before = cpu_seconds(pid)
                r = wrk(targets[name], args.duration, args.connections, args.wrk_threads)
                # The wharf process's own CPU per request: less sensitive to other load than req/s.
                r["cpu_us_per_request"] = (cpu_seconds(pid) - before) * 1e6 / max(1, r["rps"] * args.duration)
                results[name].append(r)
                print(f"round {round_ + 1} metrics {name:3s} {r['rps']:>10.0f} req/s  p50 {r['p50_ms']:.3f} ms  "
                      f"p99 {r['p99_ms']:.3f} ms  CPU {r['cpu_us_per_request']:.1f} µs/request  "
                      f"errors {r['non2xx'] + r['socket_errors']}", flush=True)
        if args.perf:
            summary_profile = profile_metrics(on, args)
        scraped = metrics_text(on.port)
        counted = sum(float(line.rsplit(" ", 1)[1]) for line in scraped.splitlines()
                      if line.startswith("wharf_router_service_requests_total{"))
        absent = "wharf_router_service_requests_total" not in metrics_text(off.port)
    if args.same:
        print("A/A run (--same): 'on' runs without metrics too")
    summary = {}
    for name, rs in results.items():
        summary[name] = {key: sorted(r[key] for r in rs)[len(rs) // 2] for key in ("rps", "p50_ms", "p99_ms", "cpu_us_per_request")}
        summary[name]["errors"] = sum(r["non2xx"] + r["socket_errors"] for r in rs)
    ratios = sorted(a["rps"] / b["rps"] for a, b in zip(results["on"], results["off"]))
    summary["rps_on_over_off_median"] = ratios[len(ratios) // 2]
    summary["rps_on_over_off_per_round"] = ratios
    summary["requests_counted_with_metrics_on"] = counted
    if args.perf:
        summary["perf_share_of_metrics_code"] = summary_profile
    summary["no_router_series_with_metrics_off"] = absent
    print(f"\nmedian of {args.rounds} rounds, {args.duration} s each, wrk -t{args.wrk_threads} -c{args.connections}, 1 KiB responses:")
    for name in ("on", "off"):
        s = summary[name]
        print(f"metrics {name:3s} {s['rps']:>10.0f} req/s  p50 {s['p50_ms']:.3f} ms  p99 {s['p99_ms']:.3f} ms  "
              f"CPU {s['cpu_us_per_request']:.1f} µs/request  errors {s['errors']}")
    print(f"req/s on/off per round (sorted): {', '.join(f'{r:.3f}' for r in ratios)}; median {summary['rps_on_over_off_median']:.3f} "
          f"(cost {100 * (1 - summary['rps_on_over_off_median']):.1f} %)")
    print(f"requests counted by wharf_router_service_requests_total: {counted:.0f}; none with metrics off: {absent}")
    save("router_metrics", {"args": {k: v for k, v in vars(args).items() if k != "run"}, "summary": summary,
                            "rounds": {k: [{x: r[x] for x in r if x != "raw"} for r in v] for k, v in results.items()}})


def probe(port, host="bench.test"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/", headers={"Host": host})
        status = conn.getresponse().status
        if status != 200:
            raise OSError(f"HTTP {status}")
        return True
    finally:
        conn.close()


class RouterLoad(threading.Thread):
    """Sequential keep-alive requests through the router, recording (time, task id or error)."""

    def __init__(self, port, host):
        super().__init__(daemon=True)
        self.port, self.host = port, host
        self.log = []
        self.stop = False

    def run(self):
        conn = None
        while not self.stop:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/whoami", headers={"Host": self.host})
                resp = conn.getresponse()
                body = resp.read().decode().strip()
                self.log.append((time.time(), body if resp.status == 200 else f"HTTP {resp.status}"))
            except (OSError, http.client.HTTPException) as error:
                self.log.append((time.time(), f"error {error}"))
                conn = None


def cmd_latency(args):
    with start_wharf(args) as wharf:
        app = wharf.health_app("/lat", 1, interval=1, grace=30)
        app["labels"] = {"wharf.http.host": "lat.test"}
        app["cmd"] = f"python3 {wharf.script}"
        assert wharf.request("POST", "/v2/apps", app)[0] == 201
        wharf.wait_healthy("/lat", 1, timeout=60)
        events = Events(wharf, types=("event_stream_attached", "health_status_changed_event"))
        events.start()
        events.attached()
        load = RouterLoad(wharf.router_port, "lat.test")
        load.start()
        up, after_kill = [], []
        try:
            for i in range(args.samples):
                before = {t["id"] for t in wharf.tasks("/lat")}
                assert wharf.request("PUT", "/v2/apps/lat", {"instances": 2})[0] == 200
                new = wait_until("a new task", lambda: ({t["id"] for t in wharf.tasks("/lat")} - before) or None, 30)
                new_id = next(iter(new))
                event = events.wait_for(lambda e: e.get("taskId") == new_id and e.get("alive") is True, timeout=60)
                t_event = event["_received"]
                t_route = wait_until("the router answers from the new task",
                                     lambda: next((t for t, who in list(load.log) if who == new_id), None), 30, every=0.01)
                up.append((t_route - t_event) * 1000)
                # Kill it again; nothing may reach it once the kill is acknowledged.
                status, _ = wharf.request("DELETE", f"/v2/apps/lat/tasks/{new_id}?scale=true")
                acked = time.time()
                assert status == 200
                wharf.wait_healthy("/lat", 1, timeout=60)
                after_kill.append(sum(1 for t, who in list(load.log) if who == new_id and t > acked + 0.005))
                print(f"sample {i + 1}: first routed request {up[-1]:+.1f} ms after the event; "
                      f"requests reaching it after the kill was acknowledged: {after_kill[-1]}", flush=True)
        finally:
            load.stop = True
            events.stopped = True
        errors = [who for _, who in load.log if not who.startswith("lat.instance-")]
    summary = {"samples": len(up), "p50_ms": percentile(up, 50), "p99_ms": percentile(up, 99), "max_ms": max(up),
               "min_ms": min(up), "requests": len(load.log), "errors": len(errors),
               "requests_after_kill_ack": sum(after_kill)}
    print(json.dumps(summary, indent=2))
    save("router_latency", {"args": {k: v for k, v in vars(args).items() if k != "run"}, "summary": summary, "up_ms": up})


def cmd_rolling(args):
    """Rolling restarts of the nginx backend app (TCP health check, mhc 1, moc 0.34) under wrk."""
    need("wrk", "nginx")
    with start_wharf(args) as wharf:
        deploy_backend(wharf, args.instances)
        assert wharf.request("PUT", "/v2/apps/bench", {"upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 0.34}})[0] == 200
        wait_until("the strategy change is deployed", lambda: not wharf.deployments(), timeout=60)
        totals = {"requests": 0, "non2xx": 0, "socket_errors": 0}
        for i in range(args.restarts):
            result = {}
            runner = threading.Thread(target=lambda: result.update(wrk(wharf.router_port, args.duration, args.connections, 1)))
            runner.start()
            time.sleep(1)
            status, _ = wharf.request("POST", "/v2/apps/bench/restart")
            assert status == 200
            wait_until("restart done", lambda: not wharf.deployments(), timeout=args.duration + 30)
            runner.join()
            requests = int(re.search(r"(\d+) requests in", result["raw"]).group(1))
            totals["requests"] += requests
            totals["non2xx"] += result["non2xx"]
            totals["socket_errors"] += result["socket_errors"]
            detail = re.search(r"Socket errors:.*", result["raw"])
            print(f"restart {i + 1}: {requests} requests, non-2xx {result['non2xx']}, socket errors {result['socket_errors']}"
                  + (f" ({detail.group(0)})" if detail else ""), flush=True)
        if totals["non2xx"] or totals["socket_errors"]:
            print(f"errors: see {wharf.log_path} (kept with BENCH_KEEP=1)")
    print(json.dumps(totals, indent=2))
    save("router_rolling", {"args": {k: v for k, v in vars(args).items() if k != "run"}, "totals": totals})


def cmd_dns(args):
    need("dnsperf")
    with start_wharf(args) as wharf:
        app = wharf.health_app("/shop/web", 3)
        assert wharf.request("POST", "/v2/apps", app)[0] == 201
        wharf.wait_healthy("/shop/web", 3, timeout=60)
        queries = os.path.join(wharf.dir, "queries.txt")
        with open(queries, "w") as f:
            f.write("shop-web.service.consul A\n_shop-web._tcp.service.consul SRV\nshop-web.wharf A\n")
        out = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(wharf.dns_port), "-d", queries, "-l", str(args.duration),
                              "-c", str(args.clients), "-q", str(args.outstanding)],
                             capture_output=True, text=True, check=True).stdout
        print(out)
        qps = float(re.search(r"Queries per second:\s+([\d.]+)", out).group(1))
        lost = re.search(r"Queries lost:\s+(\d+)", out).group(1)
    save("dns", {"args": {k: v for k, v in vars(args).items() if k != "run"}, "qps": qps, "lost": int(lost), "raw": out})


def save(name, data):
    path = results_path(name)
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
    print(f"saved {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wharf", default=".build-release/release/wharf")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("proxies")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup-rounds", type=int, default=1)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--wrk-threads", type=int, default=1)
    p.add_argument("--proxy-threads", type=int, default=1, help="HAProxy nbthread and nginx worker_processes")
    p.add_argument("--backends", type=int, default=1)
    p.set_defaults(run=cmd_proxies)
    p = sub.add_parser("latency")
    p.add_argument("--samples", type=int, default=20)
    p.set_defaults(run=cmd_latency)
    p = sub.add_parser("rolling")
    p.add_argument("--instances", type=int, default=3)
    p.add_argument("--restarts", type=int, default=3)
    p.add_argument("--duration", type=int, default=20)
    p.add_argument("--connections", type=int, default=64)
    p.set_defaults(run=cmd_rolling)
    p = sub.add_parser("metrics")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--warmup-rounds", type=int, default=1)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--wrk-threads", type=int, default=1)
    p.add_argument("--backends", type=int, default=1)
    p.add_argument("--same", action="store_true", help="both wharfs without metrics (A/A: the noise floor)")
    p.add_argument("--perf", action="store_true", help="also profile the wharf with metrics (perf, software clock)")
    p.set_defaults(run=cmd_metrics)
    p = sub.add_parser("dns")
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--outstanding", type=int, default=200)
    p.set_defaults(run=cmd_dns)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
