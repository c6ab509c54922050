"""Start and stop a real control plane (etcd, kube-apiserver, KCM, scheduler) with kwok nodes."""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import httpx

from planner.sandbox import binaries, certs, processes
from planner.sandbox.kube import Credentials, Kube, KubeError, write_kubeconfig
from planner.sandbox.processes import Proc

SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.0/16"
CLIENT_QPS = ("--kube-api-qps=1000", "--kube-api-burst=2000")
STATE_FILE = "state.json"
SCHEDULER_CONFIG = """\
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: {kubeconfig}
  qps: 1000
  burst: 2000
leaderElection:
  leaderElect: false
"""
# kwok defaults to 4 workers per stage kind; more lets thousands of pods settle quickly.
KWOK_CONFIG = """\
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  podPlayStageParallelism: 16
  nodePlayStageParallelism: 16
  nodeLeaseParallelism: 16
"""


class StartError(Exception):
    """The control plane did not come up; the message names the component and its log."""


def wait_for(what: str, probe, timeout: float, log: Path | None = None, proc: Proc | None = None) -> None:
    """Poll ``probe`` until it returns true; raise StartError (with the log tail) if ``proc`` dies."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc is not None and processes.exit_code(proc) is not None:
            raise StartError(f"{what} exited with code {processes.exit_code(proc)}; see {log}\n{_tail(log)}")
        try:
            if probe():
                return
        except Exception as exc:  # probes fail in many ways while a server starts
            last = str(exc)
        time.sleep(0.1)
    raise StartError(f"{what} was not ready after {timeout:.0f}s ({last}); see {log}\n{_tail(log)}")


def _tail(log: Path | None, lines: int = 5) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


class ControlPlane:
    """One simulated cluster whose files all live in ``state_dir``.

    With ``detach=False`` (tests) the processes die with this Python process: an atexit hook,
    SIGTERM/SIGHUP handlers and the kernel's parent-death signal stop them. With ``detach=True``
    (``stackplan sandbox up``) they keep running until ``stop()`` is called, possibly from another
    process via :meth:`from_state`.
    """

    def __init__(self, state_dir: Path, bins: dict[str, Path] | None = None, detach: bool = False):
        self.dir = Path(state_dir)
        self.bins = bins
        self.detach = detach
        self.procs: list[Proc] = []
        self.ports: dict[str, int] = {}
        self.pki = certs.CertPaths(self.dir / "pki")

    # ----- paths and clients
    @property
    def kubeconfig(self) -> Path:
        return self.dir / "kubeconfig"

    @property
    def logs(self) -> Path:
        return self.dir / "logs"

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.ports['apiserver']}"

    def credentials(self) -> Credentials:
        return Credentials(self.server, self.pki.ca_crt, self.pki.admin_crt, self.pki.admin_key)

    def kube(self, timeout: float = 30.0) -> Kube:
        return Kube(self.credentials(), timeout=timeout)

    # ----- state
    def _save(self) -> None:
        state = {"ports": self.ports, "procs": [p.__dict__ for p in self.procs],
                 "kubeconfig": str(self.kubeconfig), "detached": self.detach}
        tmp = self.dir / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.dir / STATE_FILE)

    @classmethod
    def from_state(cls, state_dir: Path) -> ControlPlane | None:
        """Re-attach to a control plane started by another process, or None if there is none."""
        try:
            state = json.loads((Path(state_dir) / STATE_FILE).read_text())
        except (OSError, ValueError):
            return None
        cp = cls(state_dir, detach=True)
        cp.ports = state.get("ports", {})
        cp.procs = [Proc(**p) for p in state.get("procs", [])]
        return cp

    def running(self) -> dict[str, bool]:
        return {p.name: p.alive() for p in self.procs}

    # ----- lifecycle
    def start(self, timeout: float = 60.0) -> ControlPlane:
        """Start every component and wait until the API answers and the controllers are healthy."""
        bins = self.bins or binaries.resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        if not self.detach:
            _register(self)
        for attempt in (1, 2):
            try:
                self._start(bins, timeout)
                return self
            except StartError:
                self._reset()
                # Free ports are picked before binding, so another process may take one first: retry once when
                # one of ours is held by someone else now (a fact about the ports, not the wording of a log)
                if attempt == 2 or not any(processes.port_taken(p) for p in self.ports.values()):
                    self.stop()
                    raise
            except BaseException:
                self.stop()
                raise
        return self

    def _reset(self) -> None:
        processes.stop(self.procs)
        self.procs.clear()
        shutil.rmtree(self.dir / "etcd", ignore_errors=True)

    def _start(self, bins: dict[str, Path], timeout: float) -> None:
        certs.generate(self.pki.dir)
        for name in ("etcd", "etcd_peer", "apiserver", "kcm", "scheduler"):
            self.ports[name] = processes.free_port()
        etcd_url = f"http://127.0.0.1:{self.ports['etcd']}"
        peer_url = f"http://127.0.0.1:{self.ports['etcd_peer']}"
        self._run("etcd", [
            str(bins["etcd"]), "--name=node0", f"--data-dir={self.dir / 'etcd'}",
            f"--listen-client-urls={etcd_url}", f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}", f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=node0={peer_url}", "--unsafe-no-fsync=true",
            "--auto-compaction-retention=1", "--quota-backend-bytes=8589934592", "--log-level=warn",
        ])
        self._wait_http("etcd", f"{etcd_url}/health", timeout, lambda r: r.json().get("health") == "true")

        p = self.pki
        self._run("kube-apiserver", [
            str(bins["kube-apiserver"]), f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            f"--secure-port={self.ports['apiserver']}", f"--cert-dir={self.dir / 'pki'}",
            f"--tls-cert-file={p.apiserver_crt}", f"--tls-private-key-file={p.apiserver_key}",
            f"--client-ca-file={p.ca_crt}",
            f"--service-account-key-file={p.sa_pub}", f"--service-account-signing-key-file={p.sa_key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}", "--authorization-mode=Node,RBAC",
            "--allow-privileged=true",
            f"--proxy-client-cert-file={p.front_proxy_client_crt}",
            f"--proxy-client-key-file={p.front_proxy_client_key}",
            f"--requestheader-client-ca-file={p.front_proxy_ca_crt}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            "--max-requests-inflight=1000", "--max-mutating-requests-inflight=500",
            "--enable-priority-and-fairness=false", "--profiling=false",
        ])
        write_kubeconfig(self.credentials(), self.kubeconfig)
        self._wait_api(timeout)

        kc = str(self.kubeconfig)
        common = [f"--kubeconfig={kc}", f"--authentication-kubeconfig={kc}",
                  f"--authorization-kubeconfig={kc}", "--bind-address=127.0.0.1",
                  "--leader-elect=false", *CLIENT_QPS]
        self._run("kube-controller-manager", [
            str(bins["kube-controller-manager"]), *common, f"--secure-port={self.ports['kcm']}",
            f"--cert-dir={self.dir / 'pki' / 'kcm'}", f"--root-ca-file={p.ca_crt}",
            f"--service-account-private-key-file={p.sa_key}", "--use-service-account-credentials=false",
            f"--cluster-signing-cert-file={p.ca_crt}", f"--cluster-signing-key-file={p.ca_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}", "--node-monitor-period=5s",
            "--node-monitor-grace-period=5m", "--concurrent-deployment-syncs=10",
            "--concurrent-replicaset-syncs=10", "--concurrent-daemonset-syncs=5",
        ])
        # The scheduler's --kube-api-qps/--leader-elect flags are deprecated: use its config file.
        (self.dir / "scheduler.yaml").write_text(SCHEDULER_CONFIG.format(kubeconfig=kc))
        self._run("kube-scheduler", [
            str(bins["kube-scheduler"]), f"--config={self.dir / 'scheduler.yaml'}",
            *common[1:4], f"--secure-port={self.ports['scheduler']}",
            f"--cert-dir={self.dir / 'pki' / 'scheduler'}",
        ])
        (self.dir / "kwok.yaml").write_text(KWOK_CONFIG)
        self._run("kwok", [
            str(bins["kwok"]), f"--kubeconfig={kc}", f"--config={bins[binaries.STAGES_FILE]}",
            f"--config={self.dir / 'kwok.yaml'}",
            "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            "--manage-nodes-with-label-selector=", "--manage-single-node=",
            f"--cidr={POD_CIDR}", "--node-ip=10.0.0.1", "--node-lease-duration-seconds=120",
        ])
        ok = lambda r: r.text.strip() == "ok"  # noqa: E731
        self._wait_http("kube-controller-manager", f"https://127.0.0.1:{self.ports['kcm']}/healthz",
                        timeout, ok)
        self._wait_http("kube-scheduler", f"https://127.0.0.1:{self.ports['scheduler']}/healthz",
                        timeout, ok)
        wait_for("kwok", lambda: self.procs[-1].alive(), 2, self.logs / "kwok.log", self.procs[-1])

    def _run(self, name: str, argv: list[str]) -> None:
        proc = processes.start(name, argv, self.logs, parent_death=not self.detach)
        self.procs.append(proc)
        self._save()

    def _proc(self, name: str) -> Proc:
        return next(p for p in self.procs if p.name == name)

    def _wait_http(self, name: str, url: str, timeout: float, check) -> None:
        def probe() -> bool:
            r = httpx.get(url, verify=False, timeout=2)
            return r.status_code == 200 and check(r)

        wait_for(name, probe, timeout, self.logs / f"{name}.log", self._proc(name))

    def _wait_api(self, timeout: float) -> None:
        with self.kube(timeout=5) as k:
            def probe() -> bool:
                return k.get("/readyz") == "ok" and bool(k.get("/api/v1/namespaces/default"))

            wait_for("kube-apiserver", probe, timeout, self.logs / "kube-apiserver.log",
                  self._proc("kube-apiserver"))

    def version(self) -> dict[str, Any]:
        with self.kube() as k:
            return k.get("/version")

    def stop(self, remove: bool = False) -> None:
        """Stop every process this control plane started; with ``remove``, delete its files."""
        processes.stop(self.procs)
        _LIVE.discard(self)
        with contextlib.suppress(FileNotFoundError):
            (self.dir / STATE_FILE).unlink()
        if remove:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def api_ready(cp: ControlPlane) -> bool:
    """True when the API server of ``cp`` answers /readyz."""
    try:
        with cp.kube(timeout=3) as k:
            return k.get("/readyz") == "ok"
    except (KubeError, OSError):
        return False


# ----- safety net for non-detached control planes
_LIVE: set[ControlPlane] = set()
_HOOKED = False


def _stop_all() -> None:
    for cp in list(_LIVE):
        cp.stop()


def _on_signal(signum: int, _frame: object) -> None:
    _stop_all()
    raise SystemExit(128 + signum)


def _register(cp: ControlPlane) -> None:
    global _HOOKED
    _LIVE.add(cp)
    if _HOOKED:
        return
    _HOOKED = True
    atexit.register(_stop_all)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError):  # not in the main thread
            if signal.getsignal(sig) in (signal.SIG_DFL, None):
                signal.signal(sig, _on_signal)
