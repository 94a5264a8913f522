#!/usr/bin/env python3
"""The store under the HA control plane: etcd (three members, three servers) against SQLite.

writes   API write latency and throughput, same machine, same run: `POST /v2/apps` of small apps
         with 0 instances (the control plane's own write path: validation, a deployment plan, one
         store transaction), sent to
           etcd-leader    the leader of three `wharf server --etcd`
           etcd-follower  a follower of the same cluster (forwarded to the leader)
           sqlite         a single `wharf server` on SQLite
         first sequentially (one client), then from --clients concurrent clients, each with a
         keep-alive connection. p50/p99 latency and writes/s. Each target and phase starts from
         the same state (its apps are deleted after it): a write costs more with more apps.

startup  a new leader's start-up with many apps and instances in etcd: --apps apps of --instances
         instances on 100 simulated agents (`wharf agent --simulate`), POSTed in parallel, until
         every instance is TASK_RUNNING; then kill -9 of the leader and: the time until a new
         leader accepts a write (through the survivors, as ha_failover), the load its log reports
         ("this server leads" took= apps= instances=), its RSS once it leads and 30 s later (target
         <= 1 GiB), its peak RSS (VmHWM), the time until every instance is reported running again,
         and the etcd database size.

  python3 bench/ha_store.py --wharf .build/release/wharf writes --writes 1000 --clients 8
  python3 bench/ha_store.py --wharf .build/release/wharf startup --apps 10000 --instances 10
"""
import argparse, http.client, json, os, re, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_bench import rss_mib  # noqa: E402
from cluster_lab import Server  # noqa: E402
from ha_failover import WriteProbe  # noqa: E402
from ha_lab import HACluster  # noqa: E402
from wharf_lab import free_port, percentile, request_json, wait_until, write_summary  # noqa: E402


def small_app(app_id, instances=0):
    return {"id": app_id, "cmd": "sleep 3600", "instances": instances, "cpus": 0.001, "mem": 1, "portDefinitions": []}


class Client:
    """One keep-alive HTTP connection to 127.0.0.1:port, reopened after an error."""

    def __init__(self, port, timeout=60):
        self.port, self.timeout, self.conn = port, timeout, None

    def post(self, path, body):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
                response = self.conn.getresponse()
                payload = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, payload
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None


def vm_field(pid, field):
    """A /proc/<pid>/status field in MiB (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


# -- writes --

def write_run(port, prefix, writes, clients):
    """`writes` POSTs from `clients` threads; (latencies in ms, seconds of wall time)."""
    latencies, lock = [], threading.Lock()

    def worker(index):
        client, mine = Client(port), []
        try:
            for i in range(index, writes, clients):
                started = time.perf_counter()
                app_id = f"{prefix}/g{i // GROUP}/app-{i}"
                status, payload = client.post("/v2/apps", small_app(app_id))
                mine.append((time.perf_counter() - started) * 1000)
                if status != 201:
                    raise SystemExit(f"POST {app_id} answered {status}: {payload[:300]}")
        finally:
            client.close()
        with lock:
            latencies.extend(mine)
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker, i) for i in range(clients)]:
            future.result()
    return latencies, time.perf_counter() - started


# Apps per subgroup: a group's removal must fit in one etcd transaction (--max-txn-ops, 128).
GROUP = 25


def remove_group(port, group, writes):
    """Deletes the apps of `group` (subgroup by subgroup) and waits until their deployments are
    done, so that every target and phase starts with the same number of apps (a write's cost
    grows with the apps there are)."""
    for g in range((writes + GROUP - 1) // GROUP):
        status, body = request_json(port, "DELETE", f"/v2/groups{group}/g{g}?force=true", timeout=120)
        if status != 200:
            raise SystemExit(f"DELETE /v2/groups{group}/g{g} answered {status}: {body}")
    wait_until(f"{group} is gone", lambda: request_json(port, "GET", "/v2/deployments")[1] == [], 300, every=0.2)


def bench_writes(args):
    summary = {"mode": "writes", "writes": args.writes, "clients": args.clients}
    ha = HACluster(args.wharf)
    sqlite = None
    try:
        sqlite = Server(os.path.abspath(args.wharf), os.path.join(ha.root, "sqlite"), free_port(), free_port(), 10)
        sqlite.start()
        wait_until("the SQLite server answers /ping", sqlite.answers, 60, every=0.05)
        leader = ha.leader()
        follower = next(s for s in ha.running_servers() if s is not leader)
        targets = {"sqlite": sqlite.api_port, "etcd-leader": leader.api_port, "etcd-follower": follower.api_port}
        # Warm-up: connections, first allocations, the SQLite file and etcd's first keys.
        for name, port in targets.items():
            write_run(port, f"/warm/{name}", 20, 1)
        print(f"{'target':>14} {'clients':>7} {'p50_ms':>8} {'p99_ms':>8} {'writes/s':>9}", flush=True)
        for clients in (1, args.clients):
            for name, port in targets.items():
                group = f"/w{clients}/{name}"
                latencies, seconds = write_run(port, group, args.writes, clients)
                remove_group(port, group, args.writes)
                row = {"p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
                       "max_ms": max(latencies), "writes_per_s": len(latencies) / seconds}
                key = f"{name}_{'sequential' if clients == 1 else f'{clients}_clients'}"
                summary[key] = row
                print(f"{name:>14} {clients:>7} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['writes_per_s']:>9.0f}", flush=True)
        summary["etcd_db_size_bytes"] = ha.etcd_db_size()[0]
        summary["leader_rss_mib"] = rss_mib(leader.pid)
        summary["sqlite_server_rss_mib"] = rss_mib(sqlite.proc.pid)
    finally:
        if sqlite:
            sqlite.stop()
        ha.close(keep=args.keep)
    return summary


# -- startup --

def running_instances(ha):
    """Sum of tasksRunning over every app, and whether any deployment is left."""
    status, body = ha.request("GET", "/v2/apps", timeout=120)
    if status != 200:
        raise OSError(f"GET /v2/apps answered {status}")
    return sum(a.get("tasksRunning", 0) for a in body["apps"]), sum(bool(a.get("deployments")) for a in body["apps"])


def fill(ha, apps, instances, clients):
    """POSTs the apps to the leader from `clients` threads; returns seconds."""
    leader = ha.leader()
    started = time.perf_counter()

    def worker(index):
        client = Client(leader.api_port, timeout=300)
        try:
            for i in range(index, apps, clients):
                status, payload = client.post("/v2/apps", small_app(f"/fill/app-{i:05}", instances))
                if status != 201:
                    raise SystemExit(f"POST /fill/app-{i:05} answered {status}: {payload[:300]}")
                if i % 1000 == 0:
                    print(f"  posted app {i} after {time.perf_counter() - started:.1f} s", flush=True)
        finally:
            client.close()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker, i) for i in range(clients)]:
            future.result()
    return time.perf_counter() - started


LEADS = re.compile(r"took=([0-9.e+-]+) (seconds|milliseconds)|apps=(\d+)|instances=(\d+)|epoch=(\d+)")


def parse_leads(line):
    """took_s, apps, instances, epoch of a "this server leads" log line."""
    found = {}
    for took, unit, apps, instances, epoch in LEADS.findall(line):
        if took:
            found["took_s"] = float(took) / (1000 if unit == "milliseconds" else 1)
        if apps:
            found["apps"] = int(apps)
        if instances:
            found["instances"] = int(instances)
        if epoch:
            found["epoch"] = int(epoch)
    return found


def bench_startup(args):
    total = args.apps * args.instances
    summary = {"mode": "startup", "apps": args.apps, "instances_per_app": args.instances, "instances": total,
               "simulated_agents": args.agents}
    ha = HACluster(args.wharf, simulate=args.agents, agent_timeout=10,
                   simulate_extra=["--cpus", "1000", "--mem", "1000000", "--disk", "10000000"])
    try:
        summary["fill_post_s"] = fill(ha, args.apps, args.instances, args.clients)
        print(f"{args.apps} apps posted in {summary['fill_post_s']:.1f} s", flush=True)
        started = time.perf_counter()

        def all_running():
            running, deploying = running_instances(ha)
            print(f"  {running} running, {deploying} apps deploying", flush=True)
            return running >= total and deploying == 0
        wait_until(f"{total} instances run", all_running, args.timeout, every=5)
        summary["fill_converged_s"] = summary["fill_post_s"] + time.perf_counter() - started
        old = ha.leader()
        summary["old_leader_rss_mib"] = rss_mib(old.pid)
        summary["etcd_db_size_bytes"], summary["etcd_db_size_in_use_bytes"] = ha.etcd_db_size()
        summary["etcd_instance_keys"] = ha.etcd_count("state/instances/")
        summary["etcd_app_keys"] = ha.etcd_count("state/apps/")
        print(f"state: {summary['etcd_app_keys']} app keys, {summary['etcd_instance_keys']} instance keys, etcd db "
              f"{summary['etcd_db_size_bytes'] / 2**20:.0f} MiB; leader RSS {summary['old_leader_rss_mib']:.0f} MiB", flush=True)
        time.sleep(args.settle)

        survivors = [s for s in ha.running_servers() if s is not old]
        started = time.perf_counter()
        old.kill9()
        probe = WriteProbe(survivors, "/startup/probe", started, not_by=old.address, timeout=args.timeout)
        summary["write_accepted_s"] = probe.run()
        new = ha.leader()
        summary["new_leader_rss_at_first_write_mib"] = rss_mib(new.pid)
        lines = new.leads_log_lines()
        summary["new_leader_log"] = parse_leads(lines[-1]) if lines else None
        print(f"new leader {new.name} accepted a write {summary['write_accepted_s']:.2f} s after the kill; "
              f"its log: {summary['new_leader_log']}; RSS {summary['new_leader_rss_at_first_write_mib']:.0f} MiB", flush=True)

        def back():
            running, _ = running_instances(ha)
            return running >= total
        wait_until(f"{total} instances reported running by the new leader", back, args.timeout, every=1)
        summary["all_running_again_s"] = time.perf_counter() - started
        time.sleep(max(0.0, 30 - (time.perf_counter() - started)))
        summary["new_leader_rss_30s_mib"] = rss_mib(new.pid)
        summary["new_leader_peak_rss_mib"] = vm_field(new.pid, "VmHWM")
        summary["rss_target_met"] = summary["new_leader_peak_rss_mib"] <= 1024
        old.start()
        ha.wait_follower(old, timeout=args.timeout)
    finally:
        ha.close(keep=args.keep)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wharf", default=".build/release/wharf")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data directories")
    sub = parser.add_subparsers(dest="mode", required=True)
    writes = sub.add_parser("writes", help="POST /v2/apps latency and throughput: etcd leader, follower, SQLite")
    writes.add_argument("--writes", type=int, default=1000, help="writes per target and phase")
    writes.add_argument("--clients", type=int, default=8)
    startup = sub.add_parser("startup", help="a new leader's start-up with many apps and instances in etcd")
    startup.add_argument("--apps", type=int, default=10000)
    startup.add_argument("--instances", type=int, default=10)
    startup.add_argument("--agents", type=int, default=100, help="simulated agents")
    startup.add_argument("--clients", type=int, default=8, help="parallel POSTs while filling")
    startup.add_argument("--settle", type=float, default=5, help="seconds between convergence and the kill")
    startup.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    summary = bench_writes(args) if args.mode == "writes" else bench_startup(args)
    name = f"ha-store-writes" if args.mode == "writes" else f"ha-store-startup-{args.apps}x{args.instances}"
    write_summary(summary, name)


if __name__ == "__main__":
    main()
