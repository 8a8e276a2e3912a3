"""CRM API under load: order lookups and ticket creations by 50 concurrent clients.

For each backend (SQLite file, PostgreSQL at 127.0.0.1:5432 in a throw-away database) it
creates a database with the demo data (`python -m crm_backend.manage init`), starts the
CRM with uvicorn as a subprocess, verifies one demo customer per client (order number +
e-mail -> customer token), then runs two closed-loop phases with httpx.AsyncClient:

  lookup  each client repeatedly GETs /api/v1/orders/{number} for its customer's orders
  create  each client repeatedly POSTs /api/v1/tickets (with an Idempotency-Key)

and prints requests/s, p50, p95 and p99 latency and errors per phase and backend.
The target is order lookup p95 < 50 ms. Client and server share this machine's CPUs.

Two load models:
  closed loop (default)   each client sends its next request as soon as the previous one
                          answers: the server is saturated, so this measures its maximum
                          throughput, and latency is queueing (Little's law: 50 / throughput);
  --rate R                open loop: each client sends R requests/s on a fixed schedule,
                          whatever the answers (latency counted from the scheduled send time,
                          so a slow server cannot hide its queue): latency at a given load.

    .venv/bin/python benchmarks/crm_api.py                       # both backends, 50 clients, saturated
    .venv/bin/python benchmarks/crm_api.py --rate 2              # 50 clients x 2 req/s = 100 req/s
    .venv/bin/python benchmarks/crm_api.py --backends sqlite --duration 10 --workers 2
"""

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_backend.demo import generator  # noqa: E402  (deterministic: the same numbers the server holds)
from tests.support.stack import free_port  # noqa: E402

PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
TARGET_P95_MS = 50.0


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    server_cpu_s: float = 0.0  # CPU time the server processes used during the phase

    def record_error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def summary(self) -> dict[str, float]:
        values = sorted(self.latencies_ms)
        if not values:
            return {"requests": 0, "rps": 0.0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan")}

        def pct(p: float) -> float:
            return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]

        return {"requests": len(values), "rps": len(values) / self.elapsed_s, "p50": pct(50), "p95": pct(95),
                "p99": pct(99), "cpu_ms": self.server_cpu_s * 1000 / len(values)}


def process_tree_cpu_s(pid: int) -> float:
    """user + system CPU seconds of a process and its children (uvicorn workers), from /proc."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            pass
    return total


def environment(database_url: str) -> dict[str, str]:
    # Server tuning set in the caller's environment reaches the server (e.g. REQUEST_THREADS=8).
    env = {k: v for k, v in os.environ.items() if k in (
        "PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "REQUEST_THREADS", "DB_POOL_SIZE", "DB_MAX_OVERFLOW")}
    env.update({name: secrets.token_urlsafe(32) for name in (
        "CRM_GATEWAY_TOKEN", "CRM_ACTIONS_TOKEN", "JWT_SECRET", "CUSTOMER_TOKEN_SECRET", "SHOP_SIGNING_SECRET",
        "DEMO_ADMIN_PASSWORD", "DEMO_AGENT_PASSWORD")})
    env.update({"DATABASE_URL": database_url, "SEED_DEMO_DATA": "true", "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1"})
    return env


class Server:
    def __init__(self, env: dict[str, str], workers: int, log: Path):
        self.env, self.workers, self.port, self.log = env, workers, free_port(), log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "crm_backend.manage", "init"], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"  database with demo data ready in {time.monotonic() - started:.1f}s")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "crm_backend.main:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers), "--no-access-log", "--log-level", "warning",
             # Clients idle while a phase drains; keep their connections open across phases.
             "--timeout-keep-alive", "60"],
            cwd=ROOT, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"CRM exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError("CRM did not become healthy")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()


def pick_customers(clients: int) -> list[tuple[str, list[str]]]:
    """(e-mail, order numbers) for `clients` demo customers that have orders."""
    data = generator.build(datetime.now(UTC))
    email = {c["ref"]: c["email"] for c in data.customers}
    orders: dict[str, list[str]] = {}
    for order in data.orders:
        orders.setdefault(order["customer"], []).append(order["number"])
    chosen = [(email[ref], numbers) for ref, numbers in orders.items() if ref.startswith("c")][:clients]
    if len(chosen) < clients:
        raise SystemExit(f"only {len(chosen)} demo customers with orders")
    return chosen


async def verify_all(client: httpx.AsyncClient, actions_token: str,
                     customers: list[tuple[str, list[str]]]) -> list[str]:
    async def verify(email: str, numbers: list[str]) -> str:
        response = await client.post("/api/v1/verifications", json={"order_number": numbers[0], "email": email},
                                     headers={"Authorization": f"Bearer {actions_token}"})
        response.raise_for_status()
        return response.json()["customer_token"]

    return list(await asyncio.gather(*(verify(e, n) for e, n in customers)))


async def run_phase(client: httpx.AsyncClient, phase: Phase, workers: list, duration: float,
                    rate: float | None, server_pid: int) -> None:
    stop_at = time.monotonic() + duration

    async def one(work, i: int, scheduled: float) -> None:
        try:
            response = await work(i)
            if response.status_code >= 400:
                phase.record_error(str(response.status_code))
            else:
                phase.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
        except httpx.HTTPError as exc:
            phase.record_error(type(exc).__name__)

    async def closed_loop(work) -> None:
        i = 0
        while time.monotonic() < stop_at:
            await one(work, i, time.perf_counter())
            i += 1

    async def open_loop(work, offset: float) -> None:
        interval, pending = 1.0 / rate, []
        scheduled = time.perf_counter() + offset
        i = 0
        while time.monotonic() < stop_at:
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(one(work, i, scheduled)))
            scheduled += interval
            i += 1
        await asyncio.gather(*pending)

    started = time.monotonic()
    cpu_before = process_tree_cpu_s(server_pid)
    if rate:  # clients start spread over one interval, not all at the same instant
        await asyncio.gather(*(open_loop(w, n / (rate * len(workers))) for n, w in enumerate(workers)))
    else:
        await asyncio.gather(*(closed_loop(w) for w in workers))
    phase.elapsed_s = time.monotonic() - started
    phase.server_cpu_s = process_tree_cpu_s(server_pid) - cpu_before


async def benchmark(server: Server, clients: int, duration: float, warmup: float,
                    rate: float | None) -> list[Phase]:
    customers = pick_customers(clients)
    actions = server.env["CRM_ACTIONS_TOKEN"]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as client:
        tokens = await verify_all(client, actions, customers)

        def lookup(token: str, numbers: list[str]):
            headers = {"Authorization": f"Bearer {actions}", "X-Customer-Token": token}
            return lambda i: client.get(f"/api/v1/orders/{numbers[i % len(numbers)]}", headers=headers)

        def create(token: str):
            headers = {"Authorization": f"Bearer {actions}", "X-Customer-Token": token}
            body = {"subject": "Benchmark ticket", "description": "Created by benchmarks/crm_api.py",
                    "category": "other"}
            return lambda i: client.post("/api/v1/tickets", json=body,
                                         headers={**headers, "Idempotency-Key": str(uuid.uuid4())})

        lookups = [lookup(t, numbers) for t, (_, numbers) in zip(tokens, customers, strict=True)]
        creates = [create(t) for t in tokens]
        pid = server.process.pid
        await run_phase(client, Phase("warm-up"), lookups, warmup, None, pid)
        results = []
        for name, workers in (("order lookup", lookups), ("ticket creation", creates)):
            phase = Phase(name)
            await run_phase(client, phase, workers, duration, rate, pid)
            results.append(phase)
    return results


def run_backend(backend: str, args: argparse.Namespace, workdir: Path) -> list[Phase]:
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir}/bench.db"
    else:
        pg_name = f"crm_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{pg_name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    server = Server(environment(url), args.workers, workdir / f"{backend}.log")
    try:
        server.start()
        phases = asyncio.run(benchmark(server, args.clients, args.duration, args.warmup, args.rate))
        if any(p.errors for p in phases):
            print("  server log (tail):\n" + server.log.read_text(errors="replace")[-3000:])
        return phases
    finally:
        server.stop()
        if pg_name:
            with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--rate", type=float, default=None,
                        help="open loop: requests/s per client (default: closed loop, as fast as answered)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    load = f"open loop, {args.rate:g} req/s per client" if args.rate else "closed loop (saturating)"
    print(f"CRM API benchmark: {args.clients} concurrent clients, {load}, {args.duration:.0f}s per phase, "
          f"{args.workers} uvicorn worker(s), {os.cpu_count()} CPUs shared by client and server, "
          f"load average before start {os.getloadavg()[0]:.1f}")
    rows = []
    try:
        for backend in args.backends:
            print(f"[{backend}]")
            for phase in run_backend(backend, args, workdir):
                s = phase.summary()
                rows.append((backend, phase.name, s, phase.errors))
                print(f"  {phase.name:16s} {s['requests']:6d} req  {s['rps']:7.1f} req/s  p50 {s['p50']:6.1f} ms  "
                      f"p95 {s['p95']:6.1f} ms  p99 {s['p99']:6.1f} ms  server CPU {s['cpu_ms']:.1f} ms/req  "
                      f"errors {phase.errors or 0}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\nbackend     phase             req/s    p50 ms   p95 ms   p99 ms  CPU ms/req  errors")
    for backend, name, s, errors in rows:
        print(f"{backend:11s} {name:16s} {s['rps']:7.1f} {s['p50']:8.1f} {s['p95']:8.1f} {s['p99']:8.1f} "
              f"{s['cpu_ms']:10.1f}  {sum(errors.values())}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for backend, name, s, _ in rows:
        if name == "order lookup":
            verdict = "meets" if s["p95"] < TARGET_P95_MS else "MISSES"
            print(f"{backend}: order lookup p95 {s['p95']:.1f} ms {verdict} the {TARGET_P95_MS:.0f} ms target")


if __name__ == "__main__":
    main()
