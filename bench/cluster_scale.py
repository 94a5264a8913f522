#!/usr/bin/env python3
"""One `wharf server` with many agents connected over real sockets: `wharf agent --simulate N` in a
second process (N simulated agents that run nothing, each with its own TCP connection, heartbeats
and catalog feed). Measures, with the server's own /proc counters:

  - server CPU while idle with N agents connected (heartbeats only), as % of one core;
  - the time to place and converge one app of --instances instances (POST to deployment finished,
    every task TASK_RUNNING);
  - the same with --apps apps of that size in all (e.g. 10 x 1,000 = 10,000 instances), then idle
    CPU and RSS again;
  - the agents' process CPU and RSS, for reference.

With --catalog every simulated agent also follows the catalog (a full copy, then deltas), as an
agent running a router does: the cost of routing on every node.

  python3 bench/cluster_scale.py --wharf .build/release/wharf --agents 1000 --instances 1000 --apps 10
"""
import argparse, os, subprocess, sys, tempfile, shutil, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_bench import rss_mib  # noqa: E402
from cluster_lab import TOKEN  # noqa: E402
from wharf_lab import free_port, request_json, wait_until, write_summary  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_percent(pid, seconds):
    before, start = cpu_seconds(pid), time.time()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - before) / (time.time() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wharf", default=".build/release/wharf")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=1000, help="instances per app")
    parser.add_argument("--apps", type=int, default=10)
    parser.add_argument("--idle-seconds", type=float, default=30)
    parser.add_argument("--agent-timeout", type=float, default=10)
    parser.add_argument("--catalog", action="store_true",
                        help="the simulated agents follow the catalog, as agents with a router do (a copy each, in the agents' process)")
    args = parser.parse_args()
    binary = os.path.abspath(args.wharf)
    root = tempfile.mkdtemp(prefix="wharf-scale-")
    api, agent_port = free_port(), free_port()
    logs = [open(os.path.join(root, name), "w") for name in ("server.log", "agents.log")]
    server = subprocess.Popen([binary, "server", "--token", TOKEN, "--data-dir", os.path.join(root, "server"),
                               "--api-port", str(api), "--agent-port", str(agent_port), "--bind", "127.0.0.1",
                               "--agent-timeout", str(args.agent_timeout), "--log-level", "warning"],
                              stdout=logs[0], stderr=logs[0], stdin=subprocess.DEVNULL)
    agents = None
    summary = {"agents": args.agents, "instances_per_app": args.instances, "apps": args.apps,
               "agent_timeout_s": args.agent_timeout, "agents_follow_catalog": args.catalog}
    try:
        wait_until("the server answers", lambda: request_json(api, "GET", "/ping", timeout=2)[0] == 200, 60, every=0.05)
        started = time.time()
        agents = subprocess.Popen([binary, "agent", "--join", f"127.0.0.1:{agent_port}", "--token", TOKEN,
                                   "--simulate", str(args.agents), "--hostname", "scale", "--task-ports", "31000-32000",
                                   "--cpus", "8", "--mem", "65536", "--log-level", "warning"]
                                  + ([] if args.catalog else ["--router-port", "off", "--dns-port", "off"]),
                                  stdout=logs[1], stderr=logs[1], stdin=subprocess.DEVNULL)

        def ready():
            status, body = request_json(api, "GET", "/v1/wharf/agents", timeout=30)
            return status == 200 and sum(a.get("status") == "ready" for a in body["agents"]) == args.agents
        wait_until(f"{args.agents} agents are ready", ready, 300, every=0.5)
        summary["all_agents_ready_s"] = time.time() - started
        print(f"{args.agents} agents ready after {summary['all_agents_ready_s']:.1f} s", flush=True)
        time.sleep(5)
        summary["server_idle_cpu_pct"] = cpu_percent(server.pid, args.idle_seconds)
        summary["server_rss_mib"] = rss_mib(server.pid)
        print(f"idle: server {summary['server_idle_cpu_pct']:.2f} % of a core, RSS {summary['server_rss_mib']:.0f} MiB", flush=True)

        converge = []
        for n in range(args.apps):
            app = {"id": f"/scale/app{n}", "cmd": "sleep 3600", "instances": args.instances, "cpus": 0.01, "mem": 8,
                   "portDefinitions": [{"port": 0}]}
            began = time.time()
            status, body = request_json(api, "POST", "/v2/apps", app, timeout=120)
            if status != 201:
                raise SystemExit(f"POST failed: {status} {body}")

            def done():
                status, body = request_json(api, "GET", f"/v2/apps/scale/app{n}", timeout=60)
                return status == 200 and body["app"]["tasksRunning"] == args.instances and not body["app"]["deployments"]
            wait_until(f"app{n} runs {args.instances} instances", done, 600, every=0.1)
            converge.append(time.time() - began)
            print(f"app{n}: {args.instances} instances placed and running in {converge[-1]:.2f} s", flush=True)
        summary["first_app_converge_s"] = converge[0]
        summary["app_converge_s"] = converge
        time.sleep(5)
        summary["server_idle_cpu_pct_loaded"] = cpu_percent(server.pid, args.idle_seconds)
        summary["server_rss_mib_loaded"] = rss_mib(server.pid)
        summary["agents_process_idle_cpu_pct"] = cpu_percent(agents.pid, 10)
        summary["agents_process_rss_mib"] = rss_mib(agents.pid)
        print(f"with {args.apps * args.instances} instances: server {summary['server_idle_cpu_pct_loaded']:.2f} % of a core, "
              f"RSS {summary['server_rss_mib_loaded']:.0f} MiB", flush=True)
    finally:
        for process in (agents, server):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        for log in logs:
            log.close()
        shutil.rmtree(root, ignore_errors=True)
    write_summary(summary, f"cluster-scale-{args.agents}agents{'-catalog' if args.catalog else ''}", hidden=("app_converge_s",))


if __name__ == "__main__":
    main()
