"""A highly available Wharf control plane on this machine, for the HA benchmarks and the HA chaos
loop: a three-member etcd on free loopback ports, three `wharf server --etcd` on one prefix, real
agents (as in cluster_lab: each its own data dir, address and task ports) and/or one
`wharf agent --simulate N` process, every agent given all three servers' agent ports.

    with HACluster(".build/release/wharf", agents=3, simulate=10) as ha:
        leader = ha.leader()              # the server every running server names in /v2/leader
        leader.kill9(); ha.leader()       # a new one, agreed on by the two others
        ha.etcd_leader().kill9()          # the etcd member that leads etcd's Raft

Loopback only; everything under one temporary directory. Every process a run starts (etcd,
servers, agents, their tasks) is killed on `close()`, also after an exception, Ctrl-C or SIGTERM
(use the cluster as a context manager). A paused process is resumed first so that it can stop.
"""
import base64, json, os, shutil, signal, subprocess, tempfile, threading, time, urllib.request

from cluster_lab import TOKEN, Agent, Cluster, Process, join_list
from wharf_lab import HEALTH_APP, free_port, request_json, wait_until

ETCD = os.environ.get("ETCD_BIN", "/usr/bin/etcd")
PREFIX = "/bench/ha/"


def exit_on_sigterm():
    """SIGTERM raises SystemExit in the main thread, so that `finally` and `with` clean up."""
    def handler(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


class Pausable(Process):
    """A Process that can also be paused (SIGSTOP) and resumed (SIGCONT)."""

    paused = False

    def start(self):
        self.paused = False
        super().start()

    def pause(self):
        if self.alive:
            self.proc.send_signal(signal.SIGSTOP)
            self.paused = True

    def resume(self):
        if self.alive:
            self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def kill9(self):
        super().kill9()
        self.paused = False

    @property
    def running(self):
        """Alive and not paused: expected to answer."""
        return self.alive and not self.paused

    @property
    def pid(self):
        return self.proc.pid if self.alive else None


class EtcdMember(Pausable):
    def __init__(self, name, root, client_port, peer_port, initial_cluster, cluster_token):
        self.client_port, self.peer_port = client_port, peer_port
        self.dir = os.path.join(root, name)
        super().__init__(name, [
            ETCD, "--name", name, "--data-dir", self.dir,
            "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
            "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
            "--initial-cluster", initial_cluster, "--initial-cluster-state", "new",
            "--initial-cluster-token", cluster_token,
            # Debian's 3.4.23 crashes logging a configuration warning with its default logger.
            "--logger=zap", "--log-outputs=stderr",
            # Keeps the remaining TTL of leases (the Wharf leader's) when etcd's leader changes.
            "--experimental-enable-lease-checkpoint",
        ], os.path.join(root, f"{name}.log"))

    @property
    def url(self):
        return f"http://127.0.0.1:{self.client_port}"

    def call(self, path, body, timeout=2):
        """POST to the member's JSON gateway (`/v3/...`); the parsed answer."""
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def status(self):
        """/v3/maintenance/status: {"header": {"member_id"}, "leader", "dbSize", ...}."""
        return self.call("/v3/maintenance/status", {})

    def is_leader(self):
        status = self.status()
        return status.get("leader") not in (None, "0") and status["leader"] == status["header"]["member_id"]

    def knows_leader(self):
        return self.status().get("leader") not in (None, "0")


class HAServer(Pausable):
    def __init__(self, index, binary, root, api_port, agent_port, endpoints, agent_timeout, extra=()):
        self.index = index
        self.dir = os.path.join(root, f"server{index}")
        os.makedirs(self.dir, exist_ok=True)
        self.api_port, self.agent_port = api_port, agent_port
        super().__init__(f"server{index}", [
            binary, "server", "--etcd", endpoints, "--etcd-prefix", PREFIX, "--token", TOKEN,
            "--data-dir", self.dir, "--api-port", str(api_port), "--agent-port", str(agent_port),
            "--bind", "127.0.0.1", "--host", "127.0.0.1", "--agent-timeout", str(agent_timeout),
        ] + list(extra), os.path.join(self.dir, "server.log"))

    @property
    def address(self):
        return f"127.0.0.1:{self.api_port}"

    def request(self, method, path, body=None, timeout=30):
        return request_json(self.api_port, method, path, body, timeout)

    def answers(self):
        try:
            return self.request("GET", "/ping", timeout=2)[0] == 200
        except OSError:
            return False

    def named_leader(self, timeout=3):
        """The API address this server names in /v2/leader, or None (no leader, no answer)."""
        try:
            status, body = self.request("GET", "/v2/leader", timeout=timeout)
        except OSError:
            return None
        return body.get("leader") if status == 200 and body else None

    def leads_log_lines(self):
        """The "this server leads" lines of its log so far."""
        with open(self.log_path, errors="replace") as f:
            return [line for line in f if "this server leads" in line]


class HACluster:
    """Three etcd members, `servers` servers on one prefix, `agents` real agents and `simulate`
    simulated ones (one process); everything under one temporary directory."""

    # The same health-checked app as the single-server cluster (it only needs self.script).
    health_app = Cluster.health_app

    def __init__(self, binary, servers=3, agents=0, simulate=0, agent_timeout=10, etcd_members=3,
                 server_extra=(), agent_extra=(), simulate_extra=()):
        self.binary = os.path.abspath(binary)
        if not os.access(self.binary, os.X_OK):
            raise SystemExit(f"wharf binary not found at {self.binary}; build it or pass --wharf")
        if not os.access(ETCD, os.X_OK):
            raise SystemExit(f"etcd not found at {ETCD}: apt-get install etcd-server, or set ETCD_BIN")
        exit_on_sigterm()
        self.root = os.path.realpath(tempfile.mkdtemp(prefix="wharf-habench-"))
        self.etcd, self.servers, self.agents, self.simulator = [], [], [], None
        self._leader = None
        try:
            self._start(servers, agents, simulate, agent_timeout, etcd_members, server_extra, agent_extra, simulate_extra)
        except BaseException:
            self.close()
            raise

    def _start(self, servers, agents, simulate, agent_timeout, etcd_members, server_extra, agent_extra, simulate_extra):
        self.script = os.path.join(self.root, "health_app.py")
        with open(self.script, "w") as f:
            f.write(HEALTH_APP)
        ports = [(free_port(), free_port()) for _ in range(etcd_members)]
        initial = ",".join(f"etcd{i}=http://127.0.0.1:{peer}" for i, (_, peer) in enumerate(ports, 1))
        token = f"wharf-bench-{os.getpid()}-{int(time.time())}"
        self.etcd = [EtcdMember(f"etcd{i}", self.root, client, peer, initial, token)
                     for i, (client, peer) in enumerate(ports, 1)]
        for member in self.etcd:
            member.start()
        self.wait_etcd_ready()
        self.endpoints = ",".join(m.url for m in self.etcd)
        self.servers = [HAServer(i, self.binary, self.root, free_port(), free_port(), self.endpoints, agent_timeout, server_extra)
                        for i in range(1, servers + 1)]
        for server in self.servers:
            server.start()
        for server in self.servers:
            wait_until(f"{server.name} answers /ping", lambda: self._alive_or_raise(server) and server.answers(), 60, every=0.05)
        self.leader(timeout=60)
        self.agent_ports = [s.agent_port for s in self.servers]
        base = 12000 + (os.getpid() % 10) * 800
        self.agents = [Agent(i, self.binary, self.root, self.agent_ports, (base + (i - 1) * 200, base + i * 200 - 1), agent_extra)
                       for i in range(1, agents + 1)]
        for agent in self.agents:
            agent.start()
        if simulate:
            directory = os.path.join(self.root, "simulated")
            os.makedirs(directory, exist_ok=True)
            self.simulator = Pausable("simulated", [
                self.binary, "agent", "--join", join_list(self.agent_ports), "--token", TOKEN, "--simulate", str(simulate),
                "--data-dir", directory, "--hostname", "sim", "--task-ports", "31000-32000",
                "--router-port", "off", "--dns-port", "off", "--docker-socket", "none", "--log-level", "warning",
            ] + list(simulate_extra), os.path.join(directory, "agents.log"))
            self.simulator.start()
        self.simulated = simulate
        self.wait_agents_ready()

    @staticmethod
    def _alive_or_raise(process):
        if not process.alive:
            raise SystemExit(f"{process.name} exited with {process.proc.returncode}; see {process.log_path}")
        return True

    # -- etcd --

    def wait_etcd_ready(self, timeout=30):
        """Every running member answers and knows a leader."""
        def ready():
            return all(self._alive_or_raise(m) and m.knows_leader() for m in self.etcd if not m.paused)
        wait_until("every etcd member knows a leader", ready, timeout, every=0.1)

    def etcd_leader(self, timeout=30):
        """The member that leads etcd (its member id is the `leader` every member reports)."""
        def find():
            for member in self.etcd:
                if member.running and member.is_leader():
                    return member
            return None
        return wait_until("an etcd member leads", find, timeout, every=0.05)

    def etcd_db_size(self):
        """The largest dbSize (bytes) any running member reports, and dbSizeInUse."""
        sizes = [m.status() for m in self.etcd if m.running]
        return max(int(s.get("dbSize", 0)) for s in sizes), max(int(s.get("dbSizeInUse", 0)) for s in sizes)

    def etcd_count(self, key_prefix):
        """How many keys start with PREFIX + key_prefix (a count-only range on any member)."""
        key = (PREFIX + key_prefix).encode()
        end = key[:-1] + bytes([key[-1] + 1])
        for member in self.etcd:
            if member.running:
                try:
                    answer = member.call("/v3/kv/range", {"key": base64.b64encode(key).decode(),
                                                          "range_end": base64.b64encode(end).decode(), "count_only": True}, timeout=30)
                    return int(answer.get("count", 0))
                except OSError:
                    continue
        raise OSError("no etcd member answered")

    # -- servers --

    def running_servers(self):
        return [s for s in self.servers if s.running]

    def leader(self, timeout=30, among=None):
        """The server every running server (or those in `among`) names in /v2/leader, once they
        agree and it is one of them."""
        def agreed():
            asked = among or self.running_servers()
            named = {s.named_leader() for s in asked}
            if len(named) != 1 or None in named:
                return None
            address = named.pop()
            return next((s for s in asked if s.address == address), None)
        self._leader = wait_until("the running servers agree on a leader", agreed, timeout, every=0.02)
        return self._leader

    def followers(self):
        leader = self.leader()
        return [s for s in self.running_servers() if s is not leader]

    def servers_listed(self):
        """/v1/wharf/servers (answered by the leader): {api address: role}."""
        status, body = self.request("GET", "/v1/wharf/servers")
        return {s["apiAddress"]: s["role"] for s in (body or {}).get("servers", [])} if status == 200 else {}

    def wait_follower(self, server, timeout=60):
        """Waits until `server` answers, names the same leader as the others and is listed as a follower."""
        wait_until(f"{server.name} answers /ping", lambda: self._alive_or_raise(server) and server.answers(), timeout, every=0.05)
        leader = self.leader(timeout)
        wait_until(f"{server.name} is listed as a follower",
                   lambda: server is not leader and self.servers_listed().get(server.address) == "follower", timeout, every=0.1)

    def request(self, method, path, body=None, timeout=30):
        """`method path` on the leader known last, else on any running server that gives an answer
        other than 502/503 (no leader, leader changing); the last answer when none does."""
        candidates = ([self._leader] if self._leader and self._leader.running else []) + \
                     [s for s in self.running_servers() if s is not self._leader]
        answer, error = (None, None), None
        for server in candidates:
            try:
                answer = server.request(method, path, body, timeout)
            except OSError as e:
                error = e
                continue
            if answer[0] not in (502, 503):
                return answer
        if answer[0] is None and error:
            raise error
        return answer

    # -- agents --

    def agents_status(self):
        status, body = self.request("GET", "/v1/wharf/agents")
        return {a["id"]: a for a in (body or {}).get("agents", [])} if status == 200 else {}

    def wait_agents_ready(self, timeout=120):
        def ready():
            known = self.agents_status()
            real = all(a.agent_id and known.get(a.agent_id, {}).get("status") in ("ready", "draining")
                       for a in self.agents if a.alive)
            ready_ids = {i for i, a in known.items() if a.get("status") == "ready"}
            simulated = len(ready_ids - {a.agent_id for a in self.agents})
            return real and (not self.simulated or not self.simulator.alive or simulated >= self.simulated)
        wait_until("every running agent is ready", ready, timeout, every=0.1)

    def agent_by_id(self, agent_id):
        return next((a for a in self.agents if a.agent_id == agent_id), None)

    def task_processes(self):
        return [p for a in self.agents for p in a.task_processes()]

    def tasks(self, app_id):
        status, body = self.request("GET", "/v2/apps" + app_id + "/tasks")
        return body.get("tasks", []) if status == 200 else []

    def deployments(self):
        """The deployments; OSError when no server answers them (so that wait_until retries)."""
        status, body = self.request("GET", "/v2/deployments")
        if status != 200 or body is None:
            raise OSError(f"GET /v2/deployments answered {status}")
        return body

    @property
    def server(self):
        """The cluster's API as one server (`request`): lets the single-server chaos checks of
        cluster_chaos run unchanged on the HA cluster."""
        return self

    # -- clean-up --

    def processes(self):
        return self.servers + self.agents + ([self.simulator] if self.simulator else []) + self.etcd

    def close(self, keep=False):
        """Stops every server and agent (SIGTERM, SIGKILL after 20 s), kills their tasks and the
        etcd members, and removes the directory unless `keep`."""
        wharf = [p for p in self.servers + self.agents + ([self.simulator] if self.simulator else []) if p.alive]
        for process in wharf:
            process.proc.send_signal(signal.SIGCONT)  # a paused one could not stop
            process.proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 20
        for process in wharf:
            try:
                process.proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                process.proc.kill()
                process.proc.wait()
        for agent in self.agents:
            agent.kill_tasks()
        for member in self.etcd:
            member.resume()
            member.kill9()
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
