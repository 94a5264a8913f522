#!/usr/bin/env python3
"""Failover of the HA control plane: three etcd members, three `wharf server --etcd`, simulated agents.

Each trial strikes, then times until a write is accepted: `POST /v2/apps` of a new app with 0
instances answered 201 by a new leader (its `X-Marathon-Leader` is not the one struck), sent through
the surviving servers in turn, a new attempt every 20 ms (attempts overlap: one waiting on a
follower does not hold up the next). Modes (`--modes`):

  kill      kill -9 of the leader; restarted afterwards, the next trial starts once it is back
            and listed as a follower
  stop      SIGSTOP of the leader; SIGCONT once a new leader accepted a write, then it must come
            back as a follower (fenced, stepped down)
  abdicate  DELETE /v2/leader on the leader (writes through every server, the old leader's own
            acceptances do not count)
  etcd      kill -9 of the member leading etcd; any 201 counts (the Wharf leader may stay); the
            member is restarted and the next trial waits until etcd has three members again

At the end every acknowledged app must exist (asked of the leader): lost ones are reported and make
the exit code 1. Prints p50/p90/p99/max per mode and writes JSON to bench/results/.

  python3 bench/ha_failover.py --wharf .build/release/wharf --trials 20 --modes kill,stop,abdicate,etcd --other-trials 10
"""
import argparse, http.client, json, os, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ha_lab import HACluster  # noqa: E402
from wharf_lab import percentile, wait_until, write_summary  # noqa: E402

MODES = ["kill", "stop", "abdicate", "etcd"]


def post_app(server, app_id, timeout):
    """POST /v2/apps of a 0-instance app; (status, X-Marathon-Leader, else the body's start) or
    (None, error)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.api_port, timeout=timeout)
    try:
        conn.request("POST", "/v2/apps", body=json.dumps({"id": app_id, "cmd": "sleep 3600", "instances": 0,
                                                           "cpus": 0.01, "mem": 8}),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        body = response.read()
        return response.status, response.getheader("X-Marathon-Leader", "") or body[:200].decode(errors="replace")
    except (OSError, http.client.HTTPException) as error:
        return None, type(error).__name__
    finally:
        conn.close()


class WriteProbe:
    """Writes through `targets` in turn every `every` s from `started` until one is accepted by a
    leader other than `not_by` (an address, or None: any); remembers every acknowledged app id."""

    def __init__(self, targets, name, started, not_by=None, every=0.02, timeout=60, request_timeout=10):
        self.targets, self.name, self.started, self.not_by = targets, name, started, not_by
        self.every, self.timeout, self.request_timeout = every, timeout, request_timeout
        self.lock, self.done = threading.Lock(), threading.Event()
        self.acknowledged, self.statuses, self.accepted_at, self.attempts = [], {}, None, 0
        self.samples = {}  # status -> (seconds after `started`, leader or body) of its first answer

    def _attempt(self, server, app_id):
        status, leader = post_app(server, app_id, self.request_timeout)
        now = time.perf_counter()
        with self.lock:
            key = str(status) if status is not None else leader
            self.statuses[key] = self.statuses.get(key, 0) + 1
            self.samples.setdefault(key, (round(now - self.started, 3), leader))
            if status == 201:
                self.acknowledged.append(app_id)
                if not self.not_by or not leader.endswith(self.not_by):
                    if self.accepted_at is None or now < self.accepted_at:
                        self.accepted_at = now
                    self.done.set()

    def run(self):
        """Seconds from `started` to the first accepted write; raises TimeoutError after `timeout`."""
        threads = []
        while not self.done.is_set():
            if time.perf_counter() - self.started > self.timeout:
                raise TimeoutError(f"no write accepted within {self.timeout} s ({self.statuses})")
            # Enough attempts in flight that ones held by a follower (waiting on a paused or dead
            # leader, up to request_timeout) never delay the next.
            if sum(t.is_alive() for t in threads) < 1000:
                server = self.targets[self.attempts % len(self.targets)]
                thread = threading.Thread(target=self._attempt, args=(server, f"{self.name}-{self.attempts}"), daemon=True)
                thread.start()
                threads.append(thread)
                self.attempts += 1
            self.done.wait(self.every)
        for thread in threads:
            thread.join(self.request_timeout + 1)
        return self.accepted_at - self.started


def trial(ha, mode, n):
    """One trial of `mode`; returns its record."""
    # The previous trial's burst of acknowledged apps must be deployed (at most 100 deployments
    # run at once, as in Marathon: more answer 403).
    wait_until("no deployments", lambda: ha.deployments() == [], 60)
    leader = ha.leader()
    name = f"/failover/{mode}{n}"
    record = {"mode": mode, "trial": n, "old_leader": leader.name}
    if mode == "etcd":
        member = ha.etcd_leader()
        record["etcd_member"] = member.name
        started = time.perf_counter()
        member.kill9()
        probe = WriteProbe(ha.running_servers(), name, started)
    elif mode == "abdicate":
        started = time.perf_counter()
        status, body = leader.request("DELETE", "/v2/leader")
        if status != 200:
            raise SystemExit(f"DELETE /v2/leader answered {status} {body}")
        probe = WriteProbe(ha.running_servers(), name, started, not_by=leader.address)
    else:
        survivors = [s for s in ha.running_servers() if s is not leader]
        started = time.perf_counter()
        if mode == "kill":
            leader.kill9()
        else:
            leader.pause()
        probe = WriteProbe(survivors, name, started, not_by=leader.address)
    record["write_accepted_s"] = probe.run()
    record["attempts"], record["answers"], record["first_answers"] = probe.attempts, probe.statuses, probe.samples
    acknowledged = probe.acknowledged
    new_leader = ha.leader()
    record["new_leader"] = new_leader.name
    # Back to three healthy servers and members before the next trial.
    if mode == "kill":
        leader.start()
    elif mode == "stop":
        resumed = time.perf_counter()
        leader.resume()
        ha.wait_follower(leader)
        record["follower_after_sigcont_s"] = time.perf_counter() - resumed
    elif mode == "etcd":
        member.start()
        ha.wait_etcd_ready()
    if mode == "etcd":
        record["leader_changed"] = new_leader is not leader
        ha.leader()
    else:
        ha.wait_follower(leader)
    return record, acknowledged


def stats(values):
    return {"n": len(values), "p50_s": percentile(values, 50), "p90_s": percentile(values, 90),
            "p99_s": percentile(values, 99), "max_s": max(values, default=float("nan"))}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wharf", default=".build/release/wharf")
    parser.add_argument("--trials", type=int, default=20, help="trials of the first mode (kill)")
    parser.add_argument("--other-trials", type=int, default=10, help="trials of every other mode")
    parser.add_argument("--modes", default="kill", help="comma-separated subset of " + ",".join(MODES))
    parser.add_argument("--simulate", type=int, default=10, help="simulated agents connected throughout")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data directories")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    if any(m not in MODES for m in modes):
        raise SystemExit(f"--modes: one of {','.join(MODES)}")

    records, acknowledged, lost, failed = [], [], [], None
    ha = HACluster(args.wharf, simulate=args.simulate, simulate_extra=["--cpus", "8", "--mem", "65536"])
    try:
        print(f"{'mode':>8} {'trial':>5} {'accepted_s':>10}  old -> new leader", flush=True)
        for index, mode in enumerate(modes):
            for n in range(1, (args.trials if index == 0 else args.other_trials) + 1):
                try:
                    record, acks = trial(ha, mode, n)
                except TimeoutError as error:
                    failed = f"{mode} trial {n}: {error}"
                    print("FAILED", failed, flush=True)
                    break
                records.append(record)
                acknowledged += acks
                print(f"{mode:>8} {n:>5} {record['write_accepted_s']:>10.3f}  {record['old_leader']} -> {record['new_leader']}"
                      + (f" (etcd leader {record['etcd_member']} killed)" if mode == "etcd" else ""), flush=True)
            if failed:
                break
        status, body = ha.request("GET", "/v2/apps")
        existing = {a["id"] for a in (body or {}).get("apps", [])} if status == 200 else set()
        lost = sorted(set(acknowledged) - existing)
    finally:
        keep = args.keep or bool(lost) or bool(failed)
        ha.close(keep=keep)
    summary = {"modes": modes, "simulated_agents": args.simulate, "failed": failed,
               "acknowledged_writes": len(acknowledged), "lost_writes": lost,
               "data_dir_kept": ha.root if keep else None}
    for mode in modes:
        summary[mode] = stats([r["write_accepted_s"] for r in records if r["mode"] == mode])
        if mode == "stop":
            summary["stop"]["follower_after_sigcont_p50_s"] = percentile(
                [r["follower_after_sigcont_s"] for r in records if r["mode"] == "stop"], 50)
    summary["trials"] = records
    write_summary(summary, f"ha-failover-{'-'.join(modes)}", hidden=("trials",))
    sys.exit(1 if lost or failed else 0)


if __name__ == "__main__":
    main()
