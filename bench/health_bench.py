#!/usr/bin/env python3
"""Health-check benchmarks of a real `wharf dev` (processes, loopback only, temporary data dir).

  replace   kill -9 of a task's processes -> its replacement's TASK_RUNNING (and healthy), from
            /v2/events timestamps; N samples. The app's launch backoff (backoffSeconds, factor 1)
            is part of the raw time and is subtracted in the `- backoff` rows.
  rolling   POST /v2/apps/{id}/restart -> deployment_success for a 10-instance app with HTTP health
            checks every 1 s, for each upgrade strategy given.

  python3 bench/health_bench.py --wharf .build/release/wharf                 # both
  python3 bench/health_bench.py --wharf .build/release/wharf replace --samples 30 --backoff 1
  python3 bench/health_bench.py --wharf .build/release/wharf rolling --instances 10 --restarts 3

Prints a table; writes JSON to bench/results/health-<time>.json (and --out).
"""
import argparse, json, os, signal, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wharf_lab import Events, Wharf, parse_ts, percentile, results_path, wait_until  # noqa: E402

DEATH = ("TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_FINISHED", "TASK_ERROR")


def bench_replace(wharf, events, args):
    app_id = "/bench/replace"
    status, body = wharf.request("POST", "/v2/apps", wharf.health_app(app_id, args.replace_instances, backoff=args.backoff))
    if status != 201:
        raise SystemExit(f"POST failed: {status} {body}")
    wharf.wait_healthy(app_id, args.replace_instances, 120)
    detect, running, healthy, total = [], [], [], []
    for n in range(args.samples):
        tasks = [t for t in wharf.tasks(app_id) if t.get("state") == "TASK_RUNNING"]
        known = {t["id"] for t in wharf.tasks(app_id)}
        victim = tasks[n % len(tasks)]["id"]
        procs = [p for p in wharf.task_processes() if p["task"] == victim]
        if not procs:
            raise SystemExit(f"no process found for {victim}")
        mark = events.count()
        killed_at = time.time()
        for p in procs:
            try:
                os.kill(p["pid"], signal.SIGKILL)
            except OSError:
                pass
        died = events.wait_for(lambda e: e.get("eventType") == "status_update_event" and e.get("taskId") == victim
                               and e.get("taskStatus") in DEATH, 30, after=mark)
        up = events.wait_for(lambda e: e.get("eventType") == "status_update_event" and e.get("appId") == app_id
                             and e.get("taskStatus") == "TASK_RUNNING" and e.get("taskId") not in known, 60, after=mark)
        if died is None or up is None:
            raise SystemExit(f"sample {n}: no {'death' if died is None else 'replacement'} event for {victim}; see {wharf.log_path}")
        new_task = up["taskId"]
        ok = events.wait_for(lambda e: e.get("eventType") == "health_status_changed_event" and e.get("alive") is True
                             and e.get("taskId") == new_task, 60, after=mark)
        death_ts, up_ts = parse_ts(died["timestamp"]), parse_ts(up["timestamp"])
        detect.append((death_ts - killed_at) * 1000)
        running.append((up_ts - death_ts) * 1000)
        total.append((up_ts - killed_at) * 1000)
        if ok is not None:
            # Received time: the event's own timestamp has been seen to carry the TASK_RUNNING time.
            healthy.append((ok["_received"] - killed_at) * 1000)
        wharf.wait_healthy(app_id, args.replace_instances, 60)
    backoff_ms = args.backoff * 1000
    rows = {
        "kill -> TASK_FAILED event": detect,
        "TASK_FAILED -> new TASK_RUNNING": running,
        "kill -> new TASK_RUNNING": total,
        "kill -> new TASK_RUNNING - backoff": [v - backoff_ms for v in total],
        "kill -> new healthy": healthy,
        "kill -> new healthy - backoff": [v - backoff_ms for v in healthy],
    }
    wharf.request("DELETE", "/v2/apps" + app_id)
    wait_until("replace app removed", lambda: wharf.deployments() == [], 60)
    return {name: {"n": len(v), "p50_ms": percentile(v, 50), "p99_ms": percentile(v, 99), "max_ms": max(v, default=float("nan"))}
            for name, v in rows.items()}, {"samples": args.samples, "backoff_s": args.backoff,
                                           "instances": args.replace_instances}


def bench_rolling(wharf, events, args):
    results = {}
    for strategy in args.strategies:
        mhc, moc = (float(x) for x in strategy.split(","))
        app_id = f"/bench/rolling-{str(mhc).replace('.', '')}-{str(moc).replace('.', '')}"
        status, body = wharf.request("POST", "/v2/apps", wharf.health_app(app_id, args.instances, interval=1, mhc=mhc, moc=moc))
        if status != 201:
            raise SystemExit(f"POST failed: {status} {body}")
        wharf.wait_healthy(app_id, args.instances, 180)
        durations, server = [], []
        for _ in range(args.restarts):
            mark = events.count()
            posted = time.time()
            status, body = wharf.request("POST", f"/v2/apps{app_id}/restart")
            if status != 200:
                raise SystemExit(f"restart failed: {status} {body}")
            deployment_id = body["deploymentId"]
            done = events.wait_for(lambda e: e.get("eventType") in ("deployment_success", "deployment_failed")
                                   and (e.get("id") == deployment_id or (e.get("plan") or {}).get("id") == deployment_id),
                                   args.timeout, after=mark)
            if done is None or done["eventType"] != "deployment_success":
                raise SystemExit(f"{app_id}: restart {deployment_id} did not succeed: {done}; see {wharf.log_path}")
            durations.append(done["_received"] - posted)
            server.append(parse_ts(done["timestamp"]) - posted)
            wharf.wait_healthy(app_id, args.instances, 60)
        results[f"restart {args.instances} (mhc {mhc}, moc {moc})"] = {
            "n": len(durations), "p50_s": percentile(durations, 50), "max_s": max(durations),
            "server_p50_s": percentile(server, 50)}
        wharf.request("DELETE", "/v2/apps" + app_id)
        wait_until(f"{app_id} removed", lambda: wharf.deployments() == [], 60)
    return results, {"instances": args.instances, "restarts": args.restarts, "interval_s": 1}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wharf", default=".build/release/wharf")
    parser.add_argument("--out", help="also write the JSON results here")
    parser.add_argument("mode", nargs="?", choices=["replace", "rolling", "all"], default="all")
    parser.add_argument("--samples", type=int, default=20, help="replace: kills to measure")
    parser.add_argument("--backoff", type=int, default=1, help="replace: the app's backoffSeconds (factor 1)")
    parser.add_argument("--replace-instances", type=int, default=3, help="replace: instances of the app")
    parser.add_argument("--instances", type=int, default=10, help="rolling: instances of the app")
    parser.add_argument("--restarts", type=int, default=3, help="rolling: restarts per strategy")
    parser.add_argument("--strategies", nargs="+", default=["1,1", "0.5,0"],
                        help="rolling: minimumHealthCapacity,maximumOverCapacity pairs")
    parser.add_argument("--timeout", type=float, default=300, help="rolling: seconds one restart may take")
    args = parser.parse_args()

    results = {"wharf": os.path.abspath(args.wharf)}
    with Wharf(args.wharf, log_level="warning") as wharf:
        events = Events(wharf)
        events.start()
        if events.attached() is None:
            raise SystemExit("no event_stream_attached from /v2/events")
        if args.mode in ("replace", "all"):
            rows, params = bench_replace(wharf, events, args)
            results["replace"] = {"params": params, "rows": rows}
            print(f"\nreplacement after kill -9 ({params['samples']} samples, backoffSeconds {params['backoff_s']})")
            print(f"  {'':38} {'n':>4} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
            for name, r in rows.items():
                print(f"  {name:38} {r['n']:>4} {r['p50_ms']:>9.0f} {r['p99_ms']:>9.0f} {r['max_ms']:>9.0f}")
        if args.mode in ("rolling", "all"):
            rows, params = bench_rolling(wharf, events, args)
            results["rolling"] = {"params": params, "rows": rows}
            print(f"\nrolling restart, HTTP health checks every 1 s (POST restart -> deployment_success)")
            print(f"  {'':38} {'n':>4} {'p50 s':>9} {'max s':>9} {'server p50':>11}")
            for name, r in rows.items():
                print(f"  {name:38} {r['n']:>4} {r['p50_s']:>9.2f} {r['max_s']:>9.2f} {r['server_p50_s']:>11.2f}")
        events.stopped = True
    path = results_path(f"health-{time.strftime('%Y%m%d-%H%M%S')}.json")
    for target in filter(None, [path, args.out]):
        with open(target, "w") as f:
            json.dump(results, f, indent=2)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
