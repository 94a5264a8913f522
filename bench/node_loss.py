#!/usr/bin/env python3
"""Node loss and return on a real cluster: one `wharf server` and N `wharf agent`s on this machine.

Loss: kill -9 an agent that runs an instance, and its tasks (the node died), and time until a
replacement is TASK_RUNNING on another agent (target: --agent-timeout + 1 s). Then the agent comes
back empty and the next trial starts once the app runs N instances again.

Return (--return-trials): kill -9 only the agent — its tasks keep running, cut off — wait until the
control plane has replaced them elsewhere, start the agent again and time until the copies it still
runs are killed (the reconnection's reconciliation), checking that no instance ever had two live
tasks once that was done.

Prints p50/p99 and writes JSON to bench/results/.

  python3 bench/node_loss.py --wharf .build/release/wharf --trials 10 --agent-timeout 2
  python3 bench/node_loss.py --wharf .build/release/wharf --trials 10 --agent-timeout 10 --return-trials 5
"""
import argparse, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_lab import Cluster  # noqa: E402
from wharf_lab import duplicates, percentile, wait_until, write_summary  # noqa: E402

APP = "/loss"


def running(cluster):
    return [t for t in cluster.tasks(APP) if t.get("state") == "TASK_RUNNING"]


def wait_converged(cluster, instances, timeout=120):
    def done():
        tasks = cluster.tasks(APP)
        return len(tasks) == instances and all(t.get("state") == "TASK_RUNNING" for t in tasks) and not cluster.deployments()
    wait_until(f"{APP} runs {instances} tasks", done, timeout, every=0.05)


def loss_trial(cluster, instances):
    """Seconds from the kill of a node to a replacement TASK_RUNNING elsewhere."""
    tasks = running(cluster)
    victim = cluster.agent_by_id(tasks[0]["slaveId"])
    lost = {t["id"] for t in tasks if t["slaveId"] == victim.agent_id}
    started = time.time()
    victim.kill9()
    victim.kill_tasks()
    def replaced():
        now = running(cluster)
        return len([t for t in now if t["id"] not in lost and t["slaveId"] != victim.agent_id]) >= instances
    wait_until("replacements run elsewhere", replaced, 120, every=0.02)
    seconds = time.time() - started
    victim.start()
    cluster.wait_agents_ready()
    wait_converged(cluster, instances)
    return seconds


def return_trial(cluster, instances):
    """Seconds from the restart of a cut-off agent until the copies it still runs are gone, and
    whether any instance had two live tasks afterwards."""
    tasks = running(cluster)
    victim = cluster.agent_by_id(tasks[0]["slaveId"])
    stale = {t["id"] for t in tasks if t["slaveId"] == victim.agent_id}
    victim.kill9()  # the tasks keep running, cut off from the control plane
    def replaced():
        now = running(cluster)
        return len([t for t in now if t["id"] not in stale]) >= instances
    wait_until("the cut-off instances are replaced", replaced, 120, every=0.05)
    started = time.time()
    victim.start()
    wait_until("the returning agent's stale copies are killed",
               lambda: not ({p["task"] for p in victim.task_processes() if p["cmd"]} & stale), 120, every=0.02)
    seconds = time.time() - started
    cluster.wait_agents_ready()
    wait_converged(cluster, instances)
    dups = duplicates(cluster.task_processes())
    return seconds, dups


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wharf", default=".build/release/wharf")
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--agent-timeout", type=float, default=10)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--return-trials", type=int, default=0)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    cluster = Cluster(args.wharf, agents=args.agents, agent_timeout=args.agent_timeout)
    losses, returns, dup_reports = [], [], []
    try:
        app = {"id": APP, "cmd": "sleep 3600", "instances": args.instances, "cpus": 0.1, "mem": 16,
               "unreachableStrategy": {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0}}
        status, body = cluster.server.request("POST", "/v2/apps", app)
        if status != 201:
            raise SystemExit(f"POST /v2/apps failed: {status} {body}")
        wait_converged(cluster, args.instances)
        for n in range(1, args.trials + 1):
            seconds = loss_trial(cluster, args.instances)
            losses.append(seconds)
            print(f"loss   {n:>3}: replacement running {seconds:.2f} s after the node died", flush=True)
        for n in range(1, args.return_trials + 1):
            seconds, dups = return_trial(cluster, args.instances)
            returns.append(seconds)
            dup_reports += dups
            print(f"return {n:>3}: stale copies killed {seconds:.2f} s after the agent restarted"
                  + (f"; DUPLICATES {dups}" if dups else ""), flush=True)
    finally:
        cluster.close(keep=args.keep)
    summary = {
        "agents": args.agents, "instances": args.instances, "agent_timeout_s": args.agent_timeout,
        "loss_trials": len(losses), "loss_p50_s": percentile(losses, 50), "loss_p99_s": percentile(losses, 99),
        "loss_max_s": max(losses, default=float("nan")),
        "return_trials": len(returns), "return_p50_s": percentile(returns, 50), "return_p99_s": percentile(returns, 99),
        "duplicates_after_return": dup_reports, "losses_s": losses, "returns_s": returns,
    }
    write_summary(summary, f"node-loss-timeout{args.agent_timeout:g}", hidden=("losses_s", "returns_s"))
    sys.exit(1 if dup_reports else 0)


if __name__ == "__main__":
    main()
