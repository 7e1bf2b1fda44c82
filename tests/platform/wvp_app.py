"""A stand-in for the wvp-GB28181-pro platform's REST API (the Java platform cannot run here).

It answers wvp's documented routes with wvp's page shapes: ``/api/user/login`` (MD5 password,
``{"code": 0, "msg": "成功", "data": {"accessToken": …}}``, ``code`` 100 for a wrong password),
``/api/device/query/devices`` and ``…/devices/{deviceId}/channels`` (PageInfo ``total/list/pageNum/
pages`` wrapped in ``code/msg/data``; ``code`` 401 without a valid ``access-token``),
``/api/play/start|stop/{deviceId}/{channelId}`` (StreamContent with ``rtsp``) and
``/api/device/query/snap/{deviceId}/{channelId}`` (a JPEG). Tests steer it through ``/_test/*``:
load devices and channels, make one page slow or answer HTML, and read how many streams were
started, stopped and open at once (so a test can check every stream opened was closed).

Run: ``python tests/platform/wvp_app.py --port PORT`` (prints ``READY`` when it listens).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import threading
import time
import uuid
from typing import Any

import uvicorn
from fastapi import FastAPI, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

USER = "admin"
PASSWORD = "wvp-s3cret"

app = FastAPI()
_lock = threading.Lock()
STATE: dict[str, Any] = {
    "devices": [],
    "channels": {},
    "tokens": set(),
    "slow_path": None,
    "slow_s": 0.0,
    "html_path": None,
    "rtsp": {},
    "snapshot": b"",
    "play_delay_s": 0.0,
    "counts": {"play": 0, "stop": 0, "login": 0, "open": 0, "max_open": 0},
    "open": {},
    "passwords_seen": [],
}


def ok(data: Any) -> dict[str, Any]:
    return {"code": 0, "msg": "成功", "data": data}


def page_of(items: list[dict[str, Any]], page: int, count: int) -> dict[str, Any]:
    start = (page - 1) * count
    return {
        "total": len(items),
        "list": items[start : start + count],
        "pageNum": page,
        "pageSize": count,
        "pages": math.ceil(len(items) / count) if count else 0,
    }


def authorised(token: str | None) -> bool:
    return token is not None and token in STATE["tokens"]


def misbehave(request: Request) -> Response | None:
    key = f"{request.url.path}?page={request.query_params.get('page')}"
    if STATE["slow_path"] == key:
        time.sleep(STATE["slow_s"])
    if STATE["html_path"] == key:
        return HTMLResponse("<html><body>502 Bad Gateway (nginx)</body></html>")
    return None


@app.get("/api/user/login")
def login(username: str, password: str) -> dict[str, Any]:
    STATE["counts"]["login"] += 1
    STATE["passwords_seen"].append(password)
    if username != USER or password != hashlib.md5(PASSWORD.encode()).hexdigest():
        return {"code": 100, "msg": "用户名或密码错误", "data": None}
    token = uuid.uuid4().hex
    STATE["tokens"].add(token)
    return ok({"accessToken": token, "serverId": "000000", "user": {"username": username}})


@app.get("/api/device/query/devices")
def devices(
    request: Request, page: int, count: int, access_token: str | None = Header(None)
) -> Any:
    if not authorised(access_token):
        return {"code": 401, "msg": "请登录后重新请求", "data": None}
    return misbehave(request) or ok(page_of(STATE["devices"], page, count))


@app.get("/api/device/query/devices/{device_id}/channels")
def channels(
    request: Request,
    device_id: str,
    page: int,
    count: int,
    access_token: str | None = Header(None),
) -> Any:
    if not authorised(access_token):
        return {"code": 401, "msg": "请登录后重新请求", "data": None}
    if device_id not in STATE["channels"]:
        return {"code": 404, "msg": "资源未找到", "data": None}
    return misbehave(request) or ok(page_of(STATE["channels"][device_id], page, count))


@app.get("/api/play/start/{device_id}/{channel_id}")
def play(device_id: str, channel_id: str, access_token: str | None = Header(None)) -> Any:
    if not authorised(access_token):
        return {"code": 401, "msg": "请登录后重新请求", "data": None}
    key = f"{device_id}_{channel_id}"
    with _lock:
        STATE["counts"]["play"] += 1
        STATE["open"][key] = STATE["open"].get(key, 0) + 1
        opened = sum(STATE["open"].values())
        STATE["counts"]["max_open"] = max(STATE["counts"]["max_open"], opened)
    if STATE["play_delay_s"]:
        time.sleep(STATE["play_delay_s"])
    rtsp = STATE["rtsp"].get(channel_id)
    if rtsp is None:
        return {"code": 486, "msg": "点播超时", "data": None}
    return ok({"app": "rtp", "stream": key, "rtsp": rtsp, "flv": f"http://zlm/rtp/{key}.live.flv"})


@app.get("/api/play/stop/{device_id}/{channel_id}")
def stop(device_id: str, channel_id: str, access_token: str | None = Header(None)) -> Any:
    if not authorised(access_token):
        return {"code": 401, "msg": "请登录后重新请求", "data": None}
    key = f"{device_id}_{channel_id}"
    with _lock:
        STATE["counts"]["stop"] += 1
        if STATE["open"].get(key):
            STATE["open"][key] -= 1
            if not STATE["open"][key]:
                del STATE["open"][key]
    return ok({"deviceId": device_id, "channelId": channel_id})


@app.get("/api/device/query/snap/{device_id}/{channel_id}")
def snap(device_id: str, channel_id: str, access_token: str | None = Header(None)) -> Any:
    if not authorised(access_token):
        return JSONResponse({"code": 401, "msg": "请登录后重新请求", "data": None})
    return Response(STATE["snapshot"], media_type="image/jpeg")


@app.post("/_test/data")
async def load(request: Request) -> dict[str, Any]:
    body = await request.json()
    STATE["devices"] = body["devices"]
    STATE["channels"] = body["channels"]
    return {"devices": len(STATE["devices"])}


@app.post("/_test/state")
async def configure(request: Request) -> dict[str, Any]:
    body = await request.json()
    for key in ("slow_path", "slow_s", "html_path", "rtsp", "play_delay_s"):
        if key in body:
            STATE[key] = body[key]
    if "snapshot_hex" in body:
        STATE["snapshot"] = bytes.fromhex(body["snapshot_hex"])
    if body.get("expire_tokens"):
        STATE["tokens"].clear()
    return {"ok": True}


@app.get("/_test/counts")
def counts() -> dict[str, Any]:
    return {
        **STATE["counts"],
        "open": dict(STATE["open"]),
        "passwords_seen": STATE["passwords_seen"],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    print("READY", flush=True)
    thread.join()
