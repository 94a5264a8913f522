"""Shared pieces of bench/chaos.py and bench/health_bench.py: a `wharf dev` on free ports with a
temporary data dir that can be kill -9'd and restarted, an /v2/events follower, the task processes
under the data dir (found by MESOS_SANDBOX in /proc/*/environ) and a health-checked HTTP task.

Loopback only. Everything a run starts (wharf and its tasks) is killed and the data dir removed on
`Wharf.close()`, also after errors (use it as a context manager).
"""
import http.client, json, os, shutil, signal, subprocess, sys, tempfile, threading, time
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_bench import free_port, percentile  # noqa: E402,F401  (re-exported for chaos.py, health_bench.py)

# The task the benchmarks run: /health answers 200 (500 once $MESOS_SANDBOX/sick exists), /whoami its
# task id, the rest 200.
HEALTH_APP = r'''
import http.server, os, socketserver
sick = os.path.join(os.environ.get("MESOS_SANDBOX", "."), "sick")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        bad = self.path == "/health" and os.path.exists(sick)
        body = b"sick\n" if bad else b"ok\n"
        if self.path == "/whoami":
            body = (os.environ.get("MESOS_TASK_ID", "?") + "\n").encode()
        self.send_response(500 if bad else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
S(("0.0.0.0", int(os.environ["PORT0"])), H).serve_forever()
'''


def parse_ts(text):
    """Marathon's 2015-09-29T15:59:51.164Z as POSIX seconds."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def wait_until(what, condition, timeout, every=0.1):
    """Polls condition() until truthy (returned) or raises TimeoutError naming `what`."""
    deadline = time.time() + timeout
    last_error = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except (OSError, ValueError, http.client.HTTPException) as error:  # wharf restarting
            last_error = error
        if time.time() >= deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting until {what}"
                               + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(every)


class Wharf:
    """One `wharf dev` with a temporary data dir, free API port and its own task port range."""

    def __init__(self, binary, extra=(), log_level="info"):
        self.binary = os.path.abspath(binary)
        if not os.access(self.binary, os.X_OK):
            raise SystemExit(f"wharf binary not found at {self.binary}; build it or pass --wharf")
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="wharf-bench-"))
        self.port = free_port()
        # Task ports below Linux' ephemeral range (32768+) and apart from the tests' 20000-32000.
        task_base = 12000 + (os.getpid() % 40) * 200
        self.args = [self.binary, "dev", "--data-dir", self.dir, "--api-port", str(self.port),
                     "--bind", "127.0.0.1", "--host", "127.0.0.1",
                     "--task-ports", f"{task_base}-{task_base + 199}",
                     "--cpus", "64", "--mem", "65536", "--disk", "100000", "--log-level", log_level] + list(extra)
        self.log_path = os.path.join(self.dir, "wharf.log")
        self.proc = None
        self.script = os.path.join(self.dir, "health_app.py")
        with open(self.script, "w") as f:
            f.write(HEALTH_APP)
        self.start()

    # -- process control --

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        started = time.time()
        wait_until("wharf answers /ping", lambda: self._alive_or_raise() and self.request("GET", "/ping")[0] == 200,
                   timeout=60, every=0.02)
        return time.time() - started

    def _alive_or_raise(self):
        if self.proc.poll() is not None:
            raise SystemExit(f"wharf exited with {self.proc.returncode}; see {self.log_path}")
        return True

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=10)

    def restart(self):
        """Starts wharf again on the same data dir and ports; returns seconds until /ping answered."""
        return self.start()

    def close(self, keep_dir=False):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        # Tasks outlive wharf by design; the benchmark's own must not outlive the benchmark.
        for process in self.task_processes():
            try:
                os.kill(process["pid"], signal.SIGKILL)
            except OSError:
                pass
        if not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- HTTP --

    def request(self, method, path, body=None, timeout=30):
        return request_json(self.port, method, path, body, timeout)

    def tasks(self, app_id):
        status, body = self.request("GET", "/v2/apps" + app_id + "/tasks")
        return body.get("tasks", []) if status == 200 else []

    def deployments(self):
        status, body = self.request("GET", "/v2/deployments")
        return body if status == 200 else []

    def app(self, app_id):
        status, body = self.request("GET", "/v2/apps" + app_id)
        return body.get("app") if status == 200 else None

    def health_app(self, app_id, instances, interval=1, grace=30, max_failures=3, mhc=1.0, moc=1.0, backoff=1):
        return {
            "id": app_id, "cmd": f"python3 {self.script}", "instances": instances, "cpus": 0.2, "mem": 64,
            "portDefinitions": [{"port": 0, "name": "http"}],
            "healthChecks": [{"protocol": "HTTP", "path": "/health", "portIndex": 0, "intervalSeconds": interval,
                              "timeoutSeconds": max(0, interval - 1), "gracePeriodSeconds": grace,
                              "maxConsecutiveFailures": max_failures, "delaySeconds": 0}],
            "upgradeStrategy": {"minimumHealthCapacity": mhc, "maximumOverCapacity": moc},
            "backoffSeconds": backoff, "backoffFactor": 1, "maxLaunchDelaySeconds": max(backoff, 1),
        }

    def wait_healthy(self, app_id, count, timeout, version=None):
        """Waits for exactly `count` active tasks, all healthy (of `version` if given), and no deployment."""
        def converged():
            tasks = self.tasks(app_id)
            active = [t for t in tasks if t.get("state") in ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING")]
            healthy = [t for t in active if is_healthy(t) and (version is None or t.get("version") == version)]
            app = self.app(app_id)
            return len(active) == count and len(healthy) == count and app is not None and not app.get("deployments")
        wait_until(f"{app_id} has {count} healthy tasks", converged, timeout)

    # -- processes --

    def task_processes(self):
        """Live task processes under the data dir: [{pid, ppid, task, app, cmd}]."""
        return task_processes(self.dir)


def is_healthy(task):
    results = task.get("healthCheckResults") or []
    return task.get("state") == "TASK_RUNNING" and bool(results) and all(r.get("alive") for r in results)


def task_processes(data_dir):
    marker = data_dir.rstrip("/") + "/"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
            sandbox = env.get(b"MESOS_SANDBOX", b"").decode()
            if not sandbox.startswith(marker):
                continue
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] in ("Z", "X"):
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError):
            continue
        found.append({"pid": int(entry), "ppid": int(fields[1]), "task": env.get(b"MESOS_TASK_ID", b"").decode(),
                      "app": env.get(b"MARATHON_APP_ID", b"").decode(), "cmd": cmd})
    return found


def instance_of(task_id):
    return task_id.rsplit("._app.", 1)[0]


def duplicates(processes):
    """Tasks with more than one process tree and instances with more than one live task; processes
    already exiting (empty cmdline) are left out."""
    live = [p for p in processes if p["cmd"]]
    pids = {}
    for p in live:
        pids.setdefault(p["task"], set()).add(p["pid"])
    problems = []
    roots = {}
    for p in live:
        if p["ppid"] not in pids[p["task"]]:
            roots.setdefault(p["task"], []).append(p)
    for task, rs in roots.items():
        if len(rs) > 1:
            problems.append(f"task {task} has {len(rs)} process trees: " +
                            ", ".join(f"pid {r['pid']} (parent {r['ppid']}) {r['cmd']}" for r in rs))
    by_instance = {}
    for task in pids:
        by_instance.setdefault(instance_of(task), set()).add(task)
    for instance, tasks in by_instance.items():
        if len(tasks) > 1:
            problems.append(f"instance {instance} has live tasks {sorted(tasks)}")
    return problems


class Events(threading.Thread):
    """Follows /v2/events (reconnecting after wharf restarts) and keeps every event with the local
    receive time as `_received`."""

    def __init__(self, wharf, types=()):
        super().__init__(daemon=True)
        self.wharf, self.types = wharf, types
        self.events, self.cond, self.stopped = [], threading.Condition(), False

    def run(self):
        query = "?" + "&".join(f"event_type={t}" for t in self.types) if self.types else ""
        while not self.stopped:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.wharf.port, timeout=3600)
                conn.request("GET", "/v2/events" + query, headers={"Accept": "text/event-stream"})
                resp = conn.getresponse()
                while not self.stopped:
                    line = resp.fp.readline()
                    if not line:
                        break
                    if line.startswith(b"data: "):
                        event = json.loads(line[6:])
                        event["_received"] = time.time()
                        with self.cond:
                            self.events.append(event)
                            self.cond.notify_all()
            except (OSError, ValueError, http.client.HTTPException):
                time.sleep(0.05)

    def attached(self, timeout=10):
        return self.wait_for(lambda e: e.get("eventType") == "event_stream_attached", timeout)

    def wait_for(self, predicate, timeout, after=0):
        """The first event (from index `after`) matching predicate, or None at the deadline."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for event in self.events[after:]:
                    if predicate(event):
                        return event
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def count(self):
        with self.cond:
            return len(self.events)


def request_json(port, method, path, body=None, timeout=30):
    """`method path` on 127.0.0.1:port with a JSON body; returns (status, parsed JSON or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body) if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        payload = resp.read()
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = None
        return resp.status, parsed
    finally:
        conn.close()


def write_summary(summary, name, hidden=()):
    """Prints `summary` (floats to 2 places, keys in `hidden` left out) and writes it as JSON to
    bench/results/<name>-<time>.json; returns the path."""
    print()
    for key, value in summary.items():
        if key in hidden:
            continue
        print(f"{key:26} {value:.2f}" if isinstance(value, float) else f"{key:26} {value}")
    path = results_path(f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json")
    with open(path, "w") as f:
        json.dump(summary, f, indent=2)
    print(f"\nwrote {path}")
    return path


def results_path(name):
    directory = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(directory, exist_ok=True)
    return os.path.join(directory, name)
