"""Responses that stop: when their reader leaves, on HEAD, on SIGTERM; connections that idle close.

Uvicorn drops what an app sends after its client has gone, but lets the app go on: a client that
asked for a streamed CSV of 1M rows and left after a few bytes cost 69 CPU-seconds, and the
server, sent SIGTERM, closed its port but waited for that stream (over 120 s) before it ended.
So, for every request:

- A streamed response (one sent in several parts: a CSV with `_stream`, a file) is watched
  for its client's disconnect from its WATCH_FROM_PART-th part (a static file of a few parts is
  over before a watcher could matter, and costs nothing more), and the request is cancelled the
  moment the disconnect comes: the stream stops at once, not at its end.
- HEAD gets the status and headers and nothing more: the app is stopped after them, so a HEAD
  of `/cautions.db` reads the first 4 KB of the file, not all of it (21 s at 1M rows).
- SIGTERM (and SIGINT) cancels every request in flight and interrupts every query running on
  the SQL threads, then lets uvicorn close as usual (idle connections, the lifespan); if the
  process has still not ended after GRACE_SECONDS it exits. A read-only server has nothing to
  save, and a host waiting to replace it should not wait.
- A connection that sends no request within IDLE_SECONDS of opening is closed (uvicorn closes a
  connection idle after a response, but waited for the first request forever).
"""
import asyncio
import os
import signal
import sys
import threading

from datasette import hookimpl

GRACE_SECONDS = 4.0
WATCH_FROM_PART = 3
IDLE_SECONDS = 10.0
_in_flight = {}        # asyncio task -> its Stop state, for every request being answered
_sql_connections = []  # the SQL threads' connections, to interrupt on SIGTERM
_installed = {"signals": False, "idle": False}


class Stop:
    def __init__(self):
        self.reason = None  # "disconnect", "shutdown" or "head": why the request was ended early


class ResponseEnded(Exception):
    """Raised into the app by send() once its response is over (HEAD, or its client gone)."""


def stop_everything():
    """On SIGTERM: cancel every request, interrupt every query, and exit after GRACE_SECONDS at most."""
    for task, stop in list(_in_flight.items()):
        stop.reason = stop.reason or "shutdown"
        task.cancel()
    for conn in list(_sql_connections):
        try:
            conn.interrupt()
        except Exception:  # a closed connection
            pass
    timer = threading.Timer(GRACE_SECONDS, lambda: (sys.stderr.write("stopping.py: exiting after SIGTERM\n"),
                                                    sys.stderr.flush(), os._exit(0)))
    timer.daemon = True
    timer.start()


def uvicorns(handler):
    """True for a signal handler uvicorn's server installed (a bound method of its Server)."""
    owner = getattr(handler, "__self__", None)
    return owner is not None and type(owner).__module__.startswith("uvicorn")


def install_signal_handlers(loop):
    """Run after uvicorn's own handlers are in place (from the first request): ours, then uvicorn's.
    Only in front of uvicorn's: an app run in-process (the tests, static_site.py) keeps its own."""
    if _installed["signals"] or threading.current_thread() is not threading.main_thread():
        return
    _installed["signals"] = True
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)
        if not uvicorns(previous):
            continue

        def handler(number, frame, previous=previous):
            loop.call_soon_threadsafe(stop_everything)
            if callable(previous):
                previous(number, frame)
        signal.signal(signum, handler)


def close_idle_connections():
    """Start uvicorn's keep-alive timer when a connection opens, not only after its first response:
    a connection that never sends a request is closed after IDLE_SECONDS."""
    if _installed["idle"]:
        return
    _installed["idle"] = True
    protocols = []
    try:
        from uvicorn.protocols.http.h11_impl import H11Protocol
        protocols.append(H11Protocol)
    except ImportError:
        pass
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
        protocols.append(HttpToolsProtocol)
    except ImportError:
        pass
    for protocol in protocols:
        if not hasattr(protocol, "timeout_keep_alive_handler"):
            continue
        original = protocol.connection_made

        def connection_made(self, transport, original=original):
            original(self, transport)
            if getattr(self, "timeout_keep_alive_task", None) is None:
                self.timeout_keep_alive_task = self.loop.call_later(IDLE_SECONDS, self.timeout_keep_alive_handler)
        protocol.connection_made = connection_made


@hookimpl
def prepare_connection(conn):
    if threading.current_thread().name.startswith("sql-"):  # admission.py's SQL threads
        _sql_connections.append(conn)


def wrap(app, datasette):
    close_idle_connections()

    async def stopping(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        task = asyncio.current_task()
        install_signal_handlers(asyncio.get_running_loop())
        stop, watcher, head = Stop(), None, scope["method"] == "HEAD"
        started, parts = False, 0

        async def watch_for_disconnect():
            while (await receive())["type"] != "http.disconnect":
                pass
            stop.reason = stop.reason or "disconnect"
            task.cancel()

        async def stopping_send(message):
            nonlocal watcher, started, parts
            if stop.reason:
                raise ResponseEnded(stop.reason)
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and message.get("more_body"):
                if head:
                    await send({"type": "http.response.body", "body": b""})
                    stop.reason = "head"
                    raise ResponseEnded(stop.reason)
                parts += 1
                if watcher is None and parts >= WATCH_FROM_PART:
                    watcher = asyncio.create_task(watch_for_disconnect())
            await send(message)

        _in_flight[task] = stop
        try:
            await app(scope, receive, stopping_send)
        except ResponseEnded:
            pass
        except asyncio.CancelledError:
            if stop.reason is None:
                raise
            task.uncancel()
        finally:
            _in_flight.pop(task, None)
            if watcher is not None:
                watcher.cancel()
        if stop.reason == "shutdown" and not started:
            try:
                await send({"type": "http.response.start", "status": 503,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": b"The server is restarting: try again.\n"})
            except Exception:
                pass

    return stopping
