"""Load a page in headless Chromium and report what a browser saw: a tiny client of the
DevTools protocol over --remote-debugging-pipe, standard library only.

``load(path, width)`` opens the file at a phone-sized viewport and returns the console
errors, every network request, the DOM as Chromium serialised it, measurements made in
the page, and a full-page screenshot (PNG bytes).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = ("headless Chromium is needed to test the HTML reports and was not found "
                "(looked for $LOSSEXP_CHROMIUM, chromium, chromium-browser, google-chrome). "
                "Install it: `apt-get install -y --no-install-recommends chromium` on "
                "Debian/Ubuntu (.ci/run does), or point LOSSEXP_CHROMIUM at a Chrome binary")

# Measured in the page once it has loaded: geometry the DOM text alone cannot give.
MEASURE = """(() => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  return {
    innerWidth: window.innerWidth,
    navShown: [...document.querySelectorAll('nav')].some(n => n.offsetHeight > 0),
    scrollWidth: document.documentElement.scrollWidth,
    figures: [...document.querySelectorAll('figure')].map(f => {
      const media = f.querySelector('svg, img');
      if (!media) return {media: null};
      const [w, h] = box(media);
      const drawn = media.tagName === 'IMG'
        ? media.complete && media.naturalWidth > 0
        : media.querySelectorAll('path, use, image, text').length > 0;
      return {media: media.tagName.toLowerCase(), width: w, height: h, drawn: drawn,
              caption: (f.querySelector('figcaption') || {}).textContent || ''};
    }),
  };
})()"""


def find() -> str | None:
    for name in (os.environ.get("LOSSEXP_CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@dataclass
class Seen:
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dom: str = ""
    measured: dict = field(default_factory=dict)
    screenshot: bytes = b""


class _Pipe:
    """The DevTools protocol over two pipes: JSON messages, each ended by a NUL byte."""

    def __init__(self, to_browser: int, from_browser: int, on_event):
        self.to_browser, self.from_browser, self.on_event = to_browser, from_browser, on_event
        self.buffer, self.next_id = b"", 0

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_browser], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.on_event(reply)

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            event = self._read(deadline)
            self.on_event(event)
            if event.get("method") == method:
                return


def load(path: Path, *, width: int = 390, height: int = 844, media: str = "screen",
         binary: str | None = None) -> Seen:
    """Open ``path`` in headless Chromium at width x height CSS pixels and see it load;
    ``media="print"`` lays it out as for printing."""
    binary = binary or find()
    if binary is None:
        raise FileNotFoundError(INSTALL_HINT)
    seen, page_url = Seen(), Path(path).resolve().as_uri()

    def on_event(event: dict) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            seen.console_errors.append(" ".join(str(a.get("value", a.get("description")))
                                                for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            seen.console_errors.append(str(params.get("exceptionDetails", {}).get("text")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            seen.console_errors.append(params["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if url != page_url and not url.startswith("data:"):
                seen.requests.append(url)

    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def child_fds():  # the protocol's fixed descriptors: 3 reads commands, 4 writes replies
        import fcntl

        # Moved out of the way first: a pipe may already sit on 3 or 4, close-on-exec.
        commands = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        replies = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.dup2(commands, 3)
        os.dup2(replies, 4)

    with tempfile.TemporaryDirectory(prefix="lossexp-chromium-") as profile:
        args = [binary, "--headless", "--remote-debugging-pipe", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                "--hide-scrollbars", f"--user-data-dir={profile}", "about:blank"]
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=None if os.environ.get("LOSSEXP_CHROMIUM_LOG") else subprocess.DEVNULL, preexec_fn=child_fds,
                                   close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        pipe = _Pipe(to_browser_w, from_browser_r, on_event)
        try:
            target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = pipe.call("Target.attachToTarget",
                                {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                pipe.call(f"{domain}.enable", session=session)
            pipe.call("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1,
                       "mobile": media == "screen"}, session=session)
            pipe.call("Emulation.setEmulatedMedia", {"media": media}, session=session)
            pipe.call("Page.navigate", {"url": page_url}, session=session)
            pipe.wait_for("Page.loadEventFired")

            def evaluate(expression: str):
                return pipe.call("Runtime.evaluate", {"expression": expression,
                                                      "returnByValue": True},
                                 session=session)["result"]["value"]

            seen.measured = evaluate(MEASURE)
            seen.dom = evaluate("document.documentElement.outerHTML")
            shot = pipe.call("Page.captureScreenshot",
                             {"format": "png", "captureBeyondViewport": True,
                              "clip": {"x": 0, "y": 0, "width": width,
                                       "height": min(evaluate(
                                           "document.documentElement.scrollHeight"), 16000),
                                       "scale": 1}}, session=session, timeout=60)
            seen.screenshot = base64.b64decode(shot["data"])
            pipe.call("Browser.close")
        finally:
            os.close(to_browser_w)
            os.close(from_browser_r)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return seen
