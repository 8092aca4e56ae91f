"""Headless Chromium driven over the DevTools protocol on a pipe (no extra package).

Chromium started with ``--remote-debugging-pipe`` reads NUL-terminated JSON commands on
file descriptor 3 and writes responses and events on descriptor 4. :class:`Browser`
starts it with the network cut (every host name resolves to nothing, every request goes
to a dead proxy), opens one page, records console messages, exceptions and network
requests, evaluates JavaScript and takes screenshots.

Command line, for the README's screenshots::

    python tests/_chromium.py reports/explorer.html docs/img/explorer.png
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: schemes a page may load without the network
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome:", "devtools:")


def find_chromium() -> str | None:
    """The Chromium binary (``$CHROMIUM`` or one on the PATH), or None."""
    env = os.environ.get("CHROMIUM")
    if env and shutil.which(env):
        return shutil.which(env)
    return next((p for c in CANDIDATES if (p := shutil.which(c))), None)


def _high_fd(fd: int) -> int:
    """A close-on-exec duplicate of ``fd`` numbered >= 10 (clear of 3 and 4)."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


class Browser:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, binary: str, width: int = 1400, height: int = 1000):
        self._tmp = tempfile.TemporaryDirectory(prefix="stclusters-chromium-")
        to_child_r, self._to_child = (_high_fd(f) for f in os.pipe())
        self._from_child, from_child_w = (_high_fd(f) for f in os.pipe())

        def wire() -> None:  # in the child, before exec: the pipes become fds 3 and 4
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        args = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            f"--user-data-dir={self._tmp.name}", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--disable-default-apps", "--mute-audio",
            "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            f"--window-size={width},{height}", "about:blank",
        ]
        self.proc = subprocess.Popen(args, preexec_fn=wire, close_fds=False,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self._queue: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        self.size = (width, height)

    # ------------------------------------------------------------ protocol

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_child, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                self._queue.put(json.loads(msg))
        self._queue.put(None)

    def send(self, method: str, params: dict | None = None, timeout: float = 30.0,
             session: bool = True) -> dict[str, Any]:
        """Send a command and wait for its result (events meanwhile go to ``events``)."""
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            item = self._queue.get(timeout=max(0.01, deadline - time.monotonic()))
            if item is None:
                raise RuntimeError("Chromium closed the DevTools pipe")
            if item.get("id") == self._next_id:
                if "error" in item:
                    raise RuntimeError(f"{method}: {item['error']}")
                return item.get("result", {})
            self.events.append(item)

    def wait_event(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        """Wait for the next event ``method`` (those already received count)."""
        for e in self.events:
            if e.get("method") == method and not e.get("_seen"):
                e["_seen"] = True
                return e
        deadline = time.monotonic() + timeout
        while True:
            item = self._queue.get(timeout=max(0.01, deadline - time.monotonic()))
            if item is None:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.events.append(item)
            if item.get("method") == method:
                item["_seen"] = True
                return item

    # ------------------------------------------------------------ page

    def open(self, path: str | Path, timeout: float = 60.0) -> None:
        """Open a local file in a new page and wait for its load event."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        att = self.send("Target.attachToTarget",
                        {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = att["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable")
        w, h = self.size
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": False})
        self.events.clear()
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_event("Page.loadEventFired", timeout=timeout)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": True})
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression!r}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def settle(self, seconds: float = 0.3) -> None:
        """Let the page run, collecting events (a no-op evaluation after a pause)."""
        time.sleep(seconds)
        self.evaluate("1")

    def screenshot(self, out: str | Path, full_page: bool = False) -> bytes:
        """Save a PNG screenshot of the viewport (or the whole page)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = base64.b64decode(self.send("Page.captureScreenshot", params)["data"])
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_bytes(data)
        return data

    # ------------------------------------------------------------ what happened

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries so far."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description", "")))
                                    for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                out.append(str(p.get("exceptionDetails", {}).get("text")))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(str(p["entry"].get("text")) + " " + str(p["entry"].get("url", "")))
        return out

    def network_requests(self) -> list[str]:
        """URLs the page requested that are not local (file, data, about, blob)."""
        urls = [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]
        return [u for u in urls if not u.startswith(LOCAL_SCHEMES)]

    def close(self) -> None:
        """Close the browser and its pipes."""
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:  # already gone: nothing to close
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self._tmp.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str]) -> int:
    """``_chromium.py PAGE OUT.png [WIDTH HEIGHT]``: screenshot a local page offline."""
    binary = find_chromium()
    if binary is None:
        print("no Chromium found", file=sys.stderr)
        return 1
    page, out = argv[0], argv[1]
    size = (int(argv[2]), int(argv[3])) if len(argv) >= 4 else (1400, 1000)
    with Browser(binary, *size) as b:
        b.open(page)
        b.settle(1.0)
        b.screenshot(out)
        for line in b.console_errors() + b.network_requests():
            print("problem:", line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
