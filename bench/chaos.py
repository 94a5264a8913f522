#!/usr/bin/env python3
"""Chaos: kill -9 of `wharf dev` at seeded random moments of rolling restarts (the long form of
Tests/WharfIntegrationTests/ChaosTests.swift).

Each round: POST /v2/apps/{id}/restart on a health-checked app, wait a random delay, kill -9 wharf,
start it again on the same data dir, then check that
  - the deployment completes                                   (kind: deployment_stuck)
  - the app converges to N healthy tasks of the new version    (kind: no_convergence)
  - the live task processes are exactly the running tasks      (kind: process_mismatch)
  - no process runs that the API does not list                 (kind: orphans)
  - no task has two process trees, no instance two live tasks  (kind: duplicates; also sampled
    every 100 ms during the whole round, also while wharf is down)
A failed round is recorded and the run goes on once the app has converged again (or stops when it
cannot). Prints one line per round and a summary; writes JSON to bench/results/.

  python3 bench/chaos.py --wharf .build/release/wharf --rounds 50 --seed 1
  python3 bench/chaos.py --wharf .build/release/wharf --rounds 50 --seed 2 --kills-per-round 3 --task-kill-chance 0.5
"""
import argparse, json, os, random, signal, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wharf_lab import Wharf, duplicates, percentile, results_path, wait_until  # noqa: E402

APP = "/chaos"


class DuplicateWatch(threading.Thread):
    def __init__(self, data_dir):
        super().__init__(daemon=True)
        from wharf_lab import task_processes
        self.scan = lambda: duplicates(task_processes(data_dir))
        self.seen, self.stopped = set(), False

    def run(self):
        while not self.stopped:
            self.seen.update(self.scan())
            time.sleep(0.1)

    def take(self):
        seen, self.seen = self.seen, set()
        return seen


def check_round(wharf, deployment_id, version, instances, timeout):
    """Returns {kind: detail} of what failed, and the seconds until the app converged."""
    failures = {}
    start = time.time()
    try:
        wait_until(f"deployment {deployment_id} finished",
                   lambda: deployment_id not in [d.get("id") for d in wharf.deployments()], timeout)
    except TimeoutError as error:
        failures["deployment_stuck"] = str(error)
    try:
        wharf.wait_healthy(APP, instances, timeout, version=version)
    except TimeoutError as error:
        tasks = wharf.tasks(APP)
        failures["no_convergence"] = f"{error}; tasks: " + ", ".join(
            f"{t['id'][-14:]}={t.get('state')}/{t.get('version')}" for t in tasks)
    converged = time.time() - start

    def matched():
        running = {t["id"] for t in wharf.tasks(APP) if t.get("state") == "TASK_RUNNING"}
        live = {p["task"] for p in wharf.task_processes() if p["app"] == APP}
        return running == live
    try:
        wait_until("live processes are exactly the running tasks", matched, 20)
    except TimeoutError as error:
        failures["process_mismatch"] = str(error)
    status, body = wharf.request("GET", "/v2/tasks")
    known = {t["id"] for t in (body or {}).get("tasks", [])}
    orphans = [p for p in wharf.task_processes() if p["task"] not in known]
    if orphans:
        failures["orphans"] = "; ".join(f"pid {p['pid']} task {p['task']}" for p in orphans)
    return failures, converged


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wharf", default=".build/release/wharf")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--instances", type=int, default=5)
    parser.add_argument("--mhc", type=float, default=0.6, help="upgradeStrategy.minimumHealthCapacity")
    parser.add_argument("--moc", type=float, default=0.2, help="upgradeStrategy.maximumOverCapacity")
    parser.add_argument("--max-delay", type=float, default=1.5, help="kill within this many seconds of the restart")
    parser.add_argument("--kills-per-round", type=int, default=1, help="kill -9s of wharf per round (later ones during recovery)")
    parser.add_argument("--task-kill-chance", type=float, default=0.0,
                        help="chance that a random task's processes are SIGKILLed while wharf is down")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a round may take to converge")
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and wharf.log) after the run")
    parser.add_argument("--out", help="also write the JSON summary here")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    wharf = Wharf(args.wharf)
    rounds, kinds = [], {}
    started = time.time()
    failed_hard = False
    try:
        status, body = wharf.request("POST", "/v2/apps", wharf.health_app(APP, args.instances, mhc=args.mhc, moc=args.moc))
        if status != 201:
            raise SystemExit(f"POST /v2/apps failed: {status} {body}")
        wharf.wait_healthy(APP, args.instances, 120)
        watch = DuplicateWatch(wharf.dir)
        watch.start()
        print(f"{'round':>5} {'delay_s':>7} {'in_dep':>6} {'restart_s':>9} {'converge_s':>10}  result")
        for n in range(1, args.rounds + 1):
            delay = rng.uniform(0.03, args.max_delay)
            status, body = wharf.request("POST", f"/v2/apps{APP}/restart")
            if status != 200:
                raise SystemExit(f"round {n}: restart failed: {status} {body}")
            deployment_id, version = body["deploymentId"], body["version"]
            time.sleep(delay)  # the fault's moment, seeded
            in_deployment = deployment_id in [d.get("id") for d in wharf.deployments()]
            restart_s, task_kills = 0.0, 0
            for k in range(args.kills_per_round):
                if k > 0:  # further strikes while it recovers
                    time.sleep(rng.uniform(0.0, args.max_delay / 2))
                wharf.kill9()
                if rng.random() < args.task_kill_chance:
                    # A task dies while wharf is down: the restart must report and replace it.
                    victims = sorted({p["task"] for p in wharf.task_processes() if p["app"] == APP})
                    if victims:
                        victim = rng.choice(victims)
                        for p in wharf.task_processes():
                            if p["task"] == victim:
                                try:
                                    os.kill(p["pid"], signal.SIGKILL)
                                except OSError:
                                    pass
                        task_kills += 1
                restart_s = max(restart_s, wharf.restart())
            failures, converge_s = check_round(wharf, deployment_id, version, args.instances, args.timeout)
            dups = watch.take()
            if dups:
                failures["duplicates"] = "; ".join(sorted(dups)[:5])
            for kind in failures:
                kinds[kind] = kinds.get(kind, 0) + 1
            rounds.append({"round": n, "delay_s": delay, "in_deployment": in_deployment, "restart_s": restart_s,
                           "task_kills": task_kills,
                           "converge_s": converge_s, "failures": failures})
            print(f"{n:>5} {delay:>7.2f} {str(in_deployment):>6} {restart_s:>9.2f} {converge_s:>10.2f}  "
                  + ("ok" if not failures else "FAIL " + ", ".join(failures)), flush=True)
            for kind, detail in failures.items():
                print(f"        {kind}: {detail[:400]}", flush=True)
            if "no_convergence" in failures or "deployment_stuck" in failures:
                try:  # give it one more chance before the next round, else stop
                    wait_until("no deployments", lambda: wharf.deployments() == [], args.timeout)
                    wharf.wait_healthy(APP, args.instances, args.timeout)
                except TimeoutError:
                    print("        app did not recover; stopping", flush=True)
                    failed_hard = True
                    break
        watch.stopped = True
    finally:
        wharf.close(keep_dir=args.keep or bool(kinds))
    elapsed = time.time() - started

    restarts = [r["restart_s"] for r in rounds]
    converges = [r["converge_s"] for r in rounds]
    summary = {
        "seed": args.seed, "rounds": len(rounds), "rounds_asked": args.rounds, "instances": args.instances,
        "upgrade_strategy": {"minimumHealthCapacity": args.mhc, "maximumOverCapacity": args.moc},
        "kills_per_round": args.kills_per_round, "task_kill_chance": args.task_kill_chance,
        "kills_during_deployment": sum(r["in_deployment"] for r in rounds),
        "task_kills": sum(r["task_kills"] for r in rounds),
        "failed_rounds": sum(1 for r in rounds if r["failures"]), "failures_by_kind": kinds,
        "stopped_early": failed_hard, "elapsed_s": elapsed,
        "restart_p50_s": percentile(restarts, 50), "restart_max_s": max(restarts, default=float("nan")),
        "converge_p50_s": percentile(converges, 50), "converge_p99_s": percentile(converges, 99),
        "converge_max_s": max(converges, default=float("nan")),
        "data_dir_kept": wharf.dir if (args.keep or kinds) else None, "round_details": rounds,
    }
    print()
    for key, value in summary.items():
        if key == "round_details":
            continue
        print(f"{key:26} {value:.2f}" if isinstance(value, float) else f"{key:26} {value}")
    path = results_path(f"chaos-seed{args.seed}-{time.strftime('%Y%m%d-%H%M%S')}.json")
    for target in filter(None, [path, args.out]):
        with open(target, "w") as f:
            json.dump(summary, f, indent=2)
    print(f"\nwrote {path}")
    sys.exit(1 if kinds else 0)


if __name__ == "__main__":
    main()
