"""A `wharf server` and several `wharf agent`s on this machine, for the cluster benchmarks and the
cluster chaos loop: free ports, one temporary directory, each agent with its own data dir, task port
range, host name (node1, node2, ...) and loopback address (127.0.0.2, 127.0.0.3, ...).

    with Cluster(".build/release/wharf", agents=3, agent_timeout=2) as cluster:
        cluster.server.request("POST", "/v2/apps", {...})
        cluster.kill_agent(1, with_tasks=True)
"""
import os, shutil, signal, subprocess, tempfile

from wharf_lab import HEALTH_APP, free_port, request_json, task_processes, wait_until

TOKEN = "bench-cluster-token-0123456789"


class Process:
    """One wharf process (server or agent) with its log, restartable with the same arguments."""

    def __init__(self, name, args, log_path):
        self.name, self.args, self.log_path, self.proc = name, args, log_path, None

    def start(self):
        log = open(self.log_path, "a")
        # Its own process group, so that a kill of the process leaves its tasks (their own groups) alone.
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        if self.alive:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self):
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Agent(Process):
    def __init__(self, index, binary, root, join_port, task_ports, extra=()):
        """`join_port`: the server's agent port, or a list of several servers' agent ports."""
        self.index = index
        self.dir = os.path.join(root, f"agent{index}")
        os.makedirs(self.dir, exist_ok=True)
        self.address = f"127.0.0.{index + 1}"
        self.hostname = f"node{index}"
        self.task_ports = task_ports
        super().__init__(f"agent{index}", [
            binary, "agent", "--join", join_list(join_port), "--token", TOKEN, "--data-dir", self.dir,
            "--hostname", self.hostname, "--advertise-ip", self.address,
            "--task-ports", f"{task_ports[0]}-{task_ports[1]}", "--cpus", "16", "--mem", "16384", "--disk", "100000",
            "--router-port", "off", "--dns-port", "off", "--docker-socket", "none", "--metrics-port", "off",
        ] + list(extra), os.path.join(self.dir, "agent.log"))

    @property
    def agent_id(self):
        try:
            with open(os.path.join(self.dir, "agent-id")) as f:
                return f.read().strip()
        except OSError:
            return None

    def task_processes(self):
        return task_processes(self.dir)

    def kill_tasks(self):
        """SIGKILLs every task process under this agent's data dir (its node "died" with it)."""
        for p in self.task_processes():
            try:
                os.kill(p["pid"], signal.SIGKILL)
            except OSError:
                pass


def join_list(ports):
    """`--join` for one agent port or a list of them, all on 127.0.0.1."""
    ports = ports if isinstance(ports, (list, tuple)) else [ports]
    return ",".join(f"127.0.0.1:{port}" for port in ports)


class Server(Process):
    def __init__(self, binary, root, api_port, agent_port, agent_timeout, extra=()):
        self.dir = os.path.join(root, "server")
        os.makedirs(self.dir, exist_ok=True)
        self.api_port = api_port
        super().__init__("server", [
            binary, "server", "--token", TOKEN, "--data-dir", self.dir, "--api-port", str(api_port),
            "--agent-port", str(agent_port), "--bind", "127.0.0.1", "--host", "127.0.0.1",
            "--agent-timeout", str(agent_timeout),
        ] + list(extra), os.path.join(self.dir, "server.log"))

    def request(self, method, path, body=None, timeout=30):
        return request_json(self.api_port, method, path, body, timeout)

    def answers(self):
        try:
            return self.request("GET", "/ping", timeout=2)[0] == 200
        except OSError:
            return False


class Cluster:
    """One server and `agents` agents; everything under one temporary directory."""

    def __init__(self, binary, agents=3, agent_timeout=10, server_extra=(), agent_extra=()):
        self.binary = os.path.abspath(binary)
        if not os.access(self.binary, os.X_OK):
            raise SystemExit(f"wharf binary not found at {self.binary}; build it or pass --wharf")
        self.root = os.path.realpath(tempfile.mkdtemp(prefix="wharf-cluster-"))
        self.script = os.path.join(self.root, "health_app.py")
        with open(self.script, "w") as f:
            f.write(HEALTH_APP)
        api_port, agent_port = free_port(), free_port()
        self.server = Server(self.binary, self.root, api_port, agent_port, agent_timeout, server_extra)
        # Task ports below Linux' ephemeral range, 200 per agent, apart from the tests' 20000-32000.
        base = 12000 + (os.getpid() % 10) * 800
        self.agents = [Agent(i, self.binary, self.root, agent_port, (base + (i - 1) * 200, base + i * 200 - 1), agent_extra)
                       for i in range(1, agents + 1)]
        self.server.start()
        wait_until("the server answers /ping", self.server.answers, 60, every=0.02)
        for agent in self.agents:
            agent.start()
        self.wait_agents_ready()

    def agents_status(self):
        status, body = self.server.request("GET", "/v1/wharf/agents")
        return {a["id"]: a for a in (body or {}).get("agents", [])} if status == 200 else {}

    def wait_agents_ready(self, timeout=60):
        def ready():
            known = self.agents_status()
            return all(a.agent_id and known.get(a.agent_id, {}).get("status") in ("ready", "draining") for a in self.agents
                       if a.alive)
        wait_until("every running agent is ready", ready, timeout, every=0.05)

    def agent_by_id(self, agent_id):
        return next((a for a in self.agents if a.agent_id == agent_id), None)

    def task_processes(self):
        return [p for a in self.agents for p in a.task_processes()]

    def health_app(self, app_id, instances, mhc=1.0, moc=1.0, interval=1, grace=30, unreachable=(0, 0)):
        inactive, expunge = unreachable
        return {
            "id": app_id, "cmd": f"python3 {self.script}", "instances": instances, "cpus": 0.2, "mem": 64,
            "portDefinitions": [{"port": 0, "name": "http"}],
            "healthChecks": [{"protocol": "HTTP", "path": "/health", "portIndex": 0, "intervalSeconds": interval,
                              "timeoutSeconds": max(0, interval - 1), "gracePeriodSeconds": grace,
                              "maxConsecutiveFailures": 3, "delaySeconds": 0}],
            "upgradeStrategy": {"minimumHealthCapacity": mhc, "maximumOverCapacity": moc},
            "unreachableStrategy": {"inactiveAfterSeconds": inactive, "expungeAfterSeconds": expunge},
            "backoffSeconds": 1, "backoffFactor": 1, "maxLaunchDelaySeconds": 1,
        }

    def request(self, method, path, body=None, timeout=30):
        """An API request to the server."""
        return self.server.request(method, path, body, timeout)

    def tasks(self, app_id):
        status, body = self.server.request("GET", "/v2/apps" + app_id + "/tasks")
        return body.get("tasks", []) if status == 200 else []

    def deployments(self):
        status, body = self.server.request("GET", "/v2/deployments")
        return body if status == 200 else []

    def close(self, keep=False):
        for process in [self.server] + self.agents:
            process.stop()
        for agent in self.agents:
            agent.kill_tasks()
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
