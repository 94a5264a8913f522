#!/usr/bin/env python3
"""Cluster chaos: one `wharf server` and N `wharf agent`s; faults at seeded random moments of
rolling restarts.

Each round: POST /v2/apps/{id}/restart on a health-checked app spread over the agents, wait a random
delay, then one fault, chosen at random:
  agent       kill -9 of an agent and its tasks (the node died); it comes back after a random pause
  agent-only  kill -9 of an agent alone (its tasks run on, cut off); it comes back after a random pause,
              sometimes before --agent-timeout, sometimes after its instances were replaced
  server      kill -9 of the server; started again at once on the same data dir
  task        kill -9 of a random task's processes
then checks that
  - the deployment completes                                        (kind: deployment_stuck)
  - the app converges to N healthy tasks of the new version         (kind: no_convergence)
  - the live task processes on all agents are exactly the running tasks the API lists
                                                                    (kind: process_mismatch)
  - no process runs that the API does not list                      (kind: orphans)
  - no task has two process trees and no instance two live tasks    (kind: duplicates)
and records the time to converge. A failed round is recorded and the run goes on once the app has
converged again (or stops when it cannot). Writes JSON to bench/results/.

  python3 bench/cluster_chaos.py --wharf .build/release/wharf --rounds 30 --seed 1
"""
import argparse, os, random, signal, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_lab import Cluster  # noqa: E402
from wharf_lab import duplicates, is_healthy, percentile, wait_until, write_summary  # noqa: E402

APP = "/chaos"
FAULTS = ["agent", "agent-only", "server", "task"]


def wait_healthy(cluster, instances, timeout, version=None):
    def converged():
        tasks = cluster.tasks(APP)
        active = [t for t in tasks if t.get("state") in ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING")]
        healthy = [t for t in active if is_healthy(t) and (version is None or t.get("version") == version)]
        return len(active) == instances and len(healthy) == instances and not cluster.deployments()
    wait_until(f"{APP} has {instances} healthy tasks", converged, timeout)


def check_round(cluster, deployment_id, version, instances, timeout):
    failures = {}
    start = time.time()
    try:
        wait_until(f"deployment {deployment_id} finished",
                   lambda: deployment_id not in [d.get("id") for d in cluster.deployments()], timeout)
    except TimeoutError as error:
        failures["deployment_stuck"] = str(error)
    try:
        wait_healthy(cluster, instances, timeout, version=version)
    except TimeoutError as error:
        failures["no_convergence"] = f"{error}; tasks: " + ", ".join(
            f"{t['id'][-14:]}@{t.get('slaveId')}={t.get('state')}" for t in cluster.tasks(APP))
    converged = time.time() - start

    def matched():
        running = {t["id"] for t in cluster.tasks(APP) if t.get("state") == "TASK_RUNNING"}
        live = {p["task"] for p in cluster.task_processes() if p["app"] == APP and p["cmd"]}
        return running == live
    try:
        wait_until("live processes are exactly the running tasks", matched, 30)
    except TimeoutError as error:
        failures["process_mismatch"] = str(error)
    status, body = cluster.server.request("GET", "/v2/tasks")
    known = {t["id"] for t in (body or {}).get("tasks", [])}
    orphans = [p for p in cluster.task_processes() if p["cmd"] and p["task"] not in known]
    if orphans:
        failures["orphans"] = "; ".join(f"pid {p['pid']} task {p['task']}" for p in orphans)
    dups = duplicates(cluster.task_processes())
    if dups:
        failures["duplicates"] = "; ".join(dups[:5])
    return failures, converged


def strike(cluster, fault, rng, agent_timeout):
    """Carries out `fault`; returns a short description."""
    if fault in ("agent", "agent-only"):
        hosting = sorted({t.get("slaveId") for t in cluster.tasks(APP)} - {None})
        agent = cluster.agent_by_id(rng.choice(hosting)) if hosting else rng.choice(cluster.agents)
        agent.kill9()
        if fault == "agent":
            agent.kill_tasks()
        pause = rng.uniform(0, agent_timeout * 2.5)
        time.sleep(pause)
        agent.start()
        return f"{fault} {agent.name} back after {pause:.1f} s"
    if fault == "server":
        cluster.server.kill9()
        cluster.server.start()
        wait_until("the server answers /ping again", cluster.server.answers, 60, every=0.02)
        return "server"
    victims = sorted({p["task"] for p in cluster.task_processes() if p["app"] == APP})
    if not victims:
        return "task (none running)"
    victim = rng.choice(victims)
    for p in cluster.task_processes():
        if p["task"] == victim:
            try:
                os.kill(p["pid"], signal.SIGKILL)
            except OSError:
                pass
    return f"task {victim[-12:]}"


def deploy_app(target, args):
    """Creates the health-checked chaos app on `target` (a Cluster or an HACluster) and waits until healthy."""
    status, body = target.request("POST", "/v2/apps", target.health_app(APP, args.instances, mhc=args.mhc, moc=args.moc))
    if status != 201:
        raise SystemExit(f"POST /v2/apps failed: {status} {body}")
    wait_healthy(target, args.instances, 120)


def begin_round(target, n, rng, max_delay):
    """Restarts the app and waits a seeded delay (the fault's moment): deployment id, version, delay and
    whether the deployment was still running then."""
    delay = rng.uniform(0.05, max_delay)
    status, body = target.request("POST", f"/v2/apps{APP}/restart")
    if status != 200:
        raise SystemExit(f"round {n}: restart failed: {status} {body}")
    deployment_id, version = body["deploymentId"], body["version"]
    time.sleep(delay)
    in_deployment = deployment_id in [d.get("id") for d in target.deployments()]
    return deployment_id, version, delay, in_deployment


def chaos_arguments(doc, faults):
    """The arguments of a chaos loop (rounds, seed, cluster and app shape, fault choice)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wharf", default=".build/release/wharf")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--instances", type=int, default=6)
    parser.add_argument("--agent-timeout", type=float, default=2)
    parser.add_argument("--mhc", type=float, default=0.5)
    parser.add_argument("--moc", type=float, default=0.5)
    parser.add_argument("--max-delay", type=float, default=1.0, help="fault within this many seconds of the restart")
    parser.add_argument("--faults", default=",".join(faults), help="comma-separated subset of " + ",".join(faults))
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--keep", action="store_true")
    return parser


def main():
    args = chaos_arguments(__doc__, FAULTS).parse_args()
    rng = random.Random(args.seed)
    faults = [f for f in args.faults.split(",") if f]

    cluster = Cluster(args.wharf, agents=args.agents, agent_timeout=args.agent_timeout)
    rounds, kinds, stopped = [], {}, False
    started = time.time()
    try:
        deploy_app(cluster, args)
        print(f"{'round':>5} {'delay_s':>7} {'in_dep':>6} {'converge_s':>10}  fault / result")
        for n in range(1, args.rounds + 1):
            deployment_id, version, delay, in_deployment = begin_round(cluster, n, rng, args.max_delay)
            what = strike(cluster, rng.choice(faults), rng, args.agent_timeout)
            failures, converge_s = check_round(cluster, deployment_id, version, args.instances, args.timeout)
            for kind in failures:
                kinds[kind] = kinds.get(kind, 0) + 1
            rounds.append({"round": n, "delay_s": delay, "in_deployment": in_deployment, "fault": what,
                           "converge_s": converge_s, "failures": failures})
            print(f"{n:>5} {delay:>7.2f} {str(in_deployment):>6} {converge_s:>10.2f}  {what}: "
                  + ("ok" if not failures else "FAIL " + ", ".join(failures)), flush=True)
            for kind, detail in failures.items():
                print(f"        {kind}: {detail[:400]}", flush=True)
            if "no_convergence" in failures or "deployment_stuck" in failures:
                try:
                    wait_until("no deployments", lambda: cluster.deployments() == [], args.timeout)
                    wait_healthy(cluster, args.instances, args.timeout)
                except TimeoutError:
                    print("        app did not recover; stopping", flush=True)
                    stopped = True
                    break
    finally:
        cluster.close(keep=args.keep or bool(kinds))
    converges = [r["converge_s"] for r in rounds]
    summary = {
        "seed": args.seed, "rounds": len(rounds), "agents": args.agents, "instances": args.instances,
        "agent_timeout_s": args.agent_timeout, "faults": faults,
        "faults_during_deployment": sum(r["in_deployment"] for r in rounds),
        "failed_rounds": sum(1 for r in rounds if r["failures"]), "failures_by_kind": kinds, "stopped_early": stopped,
        "elapsed_s": time.time() - started,
        "converge_p50_s": percentile(converges, 50), "converge_p99_s": percentile(converges, 99),
        "converge_max_s": max(converges, default=float("nan")),
        "data_dir_kept": cluster.root if (args.keep or kinds) else None, "round_details": rounds,
    }
    write_summary(summary, f"cluster-chaos-seed{args.seed}", hidden=("round_details",))
    sys.exit(1 if kinds else 0)


if __name__ == "__main__":
    main()
