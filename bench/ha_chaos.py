#!/usr/bin/env python3
"""HA chaos: three etcd members, three `wharf server --etcd`, three real agents; faults at seeded
random moments of rolling restarts, under a stream of writes.

A background writer POSTs small apps (0 instances) through a random running server every
--write-interval s and records every one acknowledged with 201. Each round: POST
/v2/apps/chaos/restart on a health-checked app spread over the agents, wait a random delay, then
one fault, chosen at random:
  leader         kill -9 of the leading server; started again after a random pause
  follower       kill -9 of a follower server; started again after a random pause
  leader-stop    SIGSTOP of the leading server for --stop-seconds (past its lease), then SIGCONT
  etcd-leader    kill -9 of the etcd member leading etcd; started again after a random pause
  etcd-follower  kill -9 of another etcd member; started again after a random pause
  agent          kill -9 of an agent and its tasks; back after a random pause
  agent-only     kill -9 of an agent alone (its tasks run on, cut off); back after a random pause
  task           kill -9 of a random task's processes
then checks, as cluster_chaos does (deployment_stuck, no_convergence, process_mismatch, orphans,
duplicates), and also that
  - every app acknowledged so far exists, asked of the leader          (kind: lost_writes)
and records the time to converge. Every process is running again before the next round.
Writes JSON to bench/results/; the directories (logs) are kept when a round failed.

  python3 bench/ha_chaos.py --wharf .build/release/wharf --rounds 30 --seed 1
"""
import os, random, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_chaos import APP, begin_round, chaos_arguments, check_round, deploy_app, strike as strike_agent_or_task, wait_healthy  # noqa: E402
from ha_lab import HACluster  # noqa: E402
from wharf_lab import percentile, request_json, wait_until, write_summary  # noqa: E402

FAULTS = ["leader", "follower", "leader-stop", "etcd-leader", "etcd-follower", "agent", "agent-only", "task"]


class Writer(threading.Thread):
    """POSTs /w/<n> (0 instances) through a random running server; keeps the acknowledged ids and
    counts every answer by status."""

    def __init__(self, ha, interval, seed):
        super().__init__(daemon=True)
        self.ha, self.interval, self.rng = ha, interval, random.Random(seed)
        self.acknowledged, self.answers, self.lock, self.stopped = [], {}, threading.Lock(), threading.Event()

    def run(self):
        n = 0
        while not self.stopped.is_set():
            servers = self.ha.running_servers()
            if servers:
                n += 1
                app_id = f"/w/app-{n}"
                try:
                    status, _ = request_json(self.rng.choice(servers).api_port, "POST", "/v2/apps",
                                             {"id": app_id, "cmd": "sleep 3600", "instances": 0, "cpus": 0.01, "mem": 8}, timeout=10)
                except OSError as error:
                    status = type(error).__name__
                with self.lock:
                    self.answers[str(status)] = self.answers.get(str(status), 0) + 1
                    if status == 201:
                        self.acknowledged.append(app_id)
            self.stopped.wait(self.interval)

    def snapshot(self):
        with self.lock:
            return list(self.acknowledged)


def lost_writes(ha, acknowledged):
    """Acknowledged app ids the leader does not know."""
    def listing():
        status, body = ha.leader().request("GET", "/v2/apps", timeout=60)
        return {a["id"] for a in body["apps"]} if status == 200 else None
    existing = wait_until("the leader lists the apps", listing, 60)
    return sorted(set(acknowledged) - existing)


def strike(ha, fault, rng, args):
    """Carries out `fault` (and brings back what it stopped); returns a short description."""
    if fault in ("agent", "agent-only", "task"):
        return strike_agent_or_task(ha, fault, rng, args.agent_timeout)
    if fault in ("leader", "follower", "leader-stop"):
        leader = ha.leader()
        victim = leader if fault != "follower" else rng.choice([s for s in ha.running_servers() if s is not leader])
        if fault == "leader-stop":
            victim.pause()
            time.sleep(args.stop_seconds)
            victim.resume()
            return f"leader-stop {victim.name} for {args.stop_seconds:g} s"
        victim.kill9()
        pause = rng.uniform(0, args.max_pause)
        time.sleep(pause)
        victim.start()
        return f"{fault} {victim.name} kill -9, back after {pause:.1f} s"
    leading = ha.etcd_leader()
    victim = leading if fault == "etcd-leader" else rng.choice([m for m in ha.etcd if m is not leading])
    victim.kill9()
    pause = rng.uniform(0, args.max_pause)
    time.sleep(pause)
    victim.start()
    return f"{fault} {victim.name} kill -9, back after {pause:.1f} s"


def recover(ha, timeout):
    """Every process running and in its place: etcd with a leader, servers agreeing on one,
    every agent ready."""
    ha.wait_etcd_ready(timeout)
    for server in ha.servers:
        wait_until(f"{server.name} answers", server.answers, timeout, every=0.1)
    ha.leader(timeout)
    ha.wait_agents_ready(timeout)


def main():
    parser = chaos_arguments(__doc__, FAULTS)
    parser.add_argument("--max-pause", type=float, default=5.0, help="a killed server or etcd member is back within this")
    parser.add_argument("--stop-seconds", type=float, default=5.0)
    parser.add_argument("--write-interval", type=float, default=0.2)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    faults = [f for f in args.faults.split(",") if f]
    if any(f not in FAULTS for f in faults):
        raise SystemExit(f"--faults: a subset of {','.join(FAULTS)}")

    ha = HACluster(args.wharf, agents=args.agents, agent_timeout=args.agent_timeout)
    writer = Writer(ha, args.write_interval, args.seed)
    rounds, kinds, stopped = [], {}, False
    started = time.time()
    try:
        deploy_app(ha, args)
        writer.start()
        print(f"{'round':>5} {'delay_s':>7} {'in_dep':>6} {'converge_s':>10}  fault / result", flush=True)
        for n in range(1, args.rounds + 1):
            deployment_id, version, delay, in_deployment = begin_round(ha, n, rng, args.max_delay)
            fault = rng.choice(faults)
            what = strike(ha, fault, rng, args)
            failures, converge_s = check_round(ha, deployment_id, version, args.instances, args.timeout)
            acknowledged = writer.snapshot()
            lost = lost_writes(ha, acknowledged)
            if lost:
                failures["lost_writes"] = f"{len(lost)} of {len(acknowledged)}: " + ", ".join(lost[:20])
            for kind in failures:
                kinds[kind] = kinds.get(kind, 0) + 1
            leader = ha.leader(args.timeout)
            rounds.append({"round": n, "delay_s": delay, "in_deployment": in_deployment, "fault": fault, "what": what,
                           "converge_s": converge_s, "failures": failures, "acknowledged_so_far": len(acknowledged),
                           "leader_after": leader.name})
            print(f"{n:>5} {delay:>7.2f} {str(in_deployment):>6} {converge_s:>10.2f}  {what}: "
                  + ("ok" if not failures else "FAIL " + ", ".join(failures)), flush=True)
            for kind, detail in failures.items():
                print(f"        {kind}: {detail[:400]}", flush=True)
            try:
                recover(ha, args.timeout)
                if "no_convergence" in failures or "deployment_stuck" in failures:
                    wait_until("no deployments", lambda: ha.deployments() == [], args.timeout)
                    wait_healthy(ha, args.instances, args.timeout)
            except TimeoutError as error:
                print(f"        did not recover ({error}); stopping", flush=True)
                stopped = True
                break
    finally:
        writer.stopped.set()
        writer.join(15)
        ha.close(keep=args.keep or bool(kinds) or stopped)
    converges = [r["converge_s"] for r in rounds]
    summary = {
        "seed": args.seed, "rounds": len(rounds), "agents": args.agents, "instances": args.instances,
        "agent_timeout_s": args.agent_timeout, "faults": faults,
        "faults_by_kind": {f: sum(r["fault"] == f for r in rounds) for f in faults},
        "faults_during_deployment": sum(r["in_deployment"] for r in rounds),
        "failed_rounds": sum(1 for r in rounds if r["failures"]), "failures_by_kind": kinds, "stopped_early": stopped,
        "acknowledged_writes": len(writer.acknowledged), "writer_answers": writer.answers,
        "elapsed_s": time.time() - started,
        "converge_p50_s": percentile(converges, 50), "converge_p99_s": percentile(converges, 99),
        "converge_max_s": max(converges, default=float("nan")),
        "data_dir_kept": ha.root if (args.keep or kinds or stopped) else None, "round_details": rounds,
    }
    write_summary(summary, f"ha-chaos-seed{args.seed}", hidden=("round_details",))
    sys.exit(1 if kinds or stopped else 0)


if __name__ == "__main__":
    main()
