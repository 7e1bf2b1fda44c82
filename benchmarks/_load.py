"""Load generators for benchmarks/api.py: closed loop (N clients, each sending its next request when
the last one answered: throughput at saturation), open loop (requests sent at a fixed rate whatever
the server does, latency measured from the moment each request was due, so a slow server cannot hide
its queue), and whole map views (one view's requests at once)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import numpy as np


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def _client(base: str, token: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=5.0
    )
    return httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    )


async def closed_loop(base: str, token: str, urls: list[str], clients: int) -> dict[str, float]:
    """Send ``urls`` with ``clients`` concurrent clients; p50/p95 in ms and requests per second."""
    queue = list(reversed(urls))
    latencies: list[float] = []
    errors = 0
    async with _client(base, token, clients) as client:

        async def worker() -> None:
            nonlocal errors
            while queue:
                url = queue.pop()
                start = time.perf_counter()
                try:
                    response = await client.get(url)
                    await response.aread()
                except httpx.TransportError:
                    errors += 1
                    continue
                latencies.append((time.perf_counter() - start) * 1000)
                errors += response.status_code != 200

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - start
    return {
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "rps": len(latencies) / wall,
        "errors": errors,
    }


async def open_loop(
    base: str, token: str, urls: list[str], rate_per_s: float, *, max_open: int = 256
) -> dict[str, float]:
    """Send ``urls`` at ``rate_per_s`` (evenly spaced); latency from each request's due time."""
    latencies: list[float] = []
    errors = 0
    async with _client(base, token, max_open) as client:

        async def one(url: str, due: float) -> None:
            nonlocal errors
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                response = await client.get(url)
                await response.aread()
            except httpx.TransportError:
                errors += 1
                return
            latencies.append((time.perf_counter() - due) * 1000)
            errors += response.status_code != 200

        start = time.perf_counter() + 0.05
        await asyncio.gather(*(one(u, start + i / rate_per_s) for i, u in enumerate(urls)))
    return {
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "rps": rate_per_s,
        "errors": errors,
    }


async def views(
    base: str, token: str, view_urls: list[str], n_views: int, clients: int
) -> dict[str, float]:
    """Whole map views: each client fires one view's requests at once and waits for all of them."""
    times: list[float] = []
    errors = 0
    remaining = n_views
    async with _client(base, token, clients * len(view_urls)) as client:

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                start = time.perf_counter()
                try:
                    responses = await asyncio.gather(*(client.get(u) for u in view_urls))
                except httpx.TransportError:
                    errors += 1
                    continue
                errors += sum(r.status_code != 200 for r in responses)
                times.append((time.perf_counter() - start) * 1000)

        await asyncio.gather(*(worker() for _ in range(clients)))
    return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95), "errors": errors}


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
