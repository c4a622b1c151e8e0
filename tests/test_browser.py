"""The HTML report in a real browser: headless Chromium, driven over the DevTools protocol.

A report the consultant sends must open anywhere: no console errors, no request leaving
the file, pictures that actually show, and a page that is not blank. Chromium is driven
through `--remote-debugging-pipe` (JSON messages on file descriptors 3 and 4), so the test
needs no extra Python package and opens no port. `.ci/run` installs Debian's `chromium`;
locally the test is skipped only when no Chromium is installed.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]


class Browser:
    """Just enough of the DevTools protocol over a pipe: commands, events, one page."""

    def __init__(self, profile: str) -> None:
        assert CHROMIUM is not None
        self._to_r, self._to_w = os.pipe()
        self._from_r, self._from_w = os.pipe()
        to_r, from_w = self._to_r, self._from_w

        def wire() -> None:  # in the child: Chromium reads fd 3 and writes fd 4
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=wire,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(self._to_r)
        os.close(self._from_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def send(self, method: str, params: dict[str, Any] | None = None, *, page: bool = True, timeout: float = 30) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if page and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        reply = self.wait(lambda m, i=self._id: m.get("id") == i, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait(self, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "method" in msg:
                    self.events.append(msg)
                if predicate(msg):
                    return msg
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_r], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(self._from_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buf += chunk

    def open_page(self) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, page=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, page=False)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def close(self) -> None:
        try:
            self.send("Browser.close", page=False, timeout=5)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_w)
        os.close(self._from_r)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG into rows of raw pixels (enough for screenshots)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth}/{colour}"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


def colours(data: bytes) -> set[bytes]:
    width, channels, rows = png_pixels(data)
    return {row[i : i + channels] for row in rows[::4] for i in range(0, width * channels, channels * 4)}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's report, written by the real command line as a consultant would."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    example = Path(__file__).resolve().parent.parent / "examples" / "harbour_bank.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "advisor", str(example), "--format", "html", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def loaded(report: Path) -> Any:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed here (.ci/run installs Debian's chromium, so CI runs this test)")
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(profile)
        try:
            browser.open_page()
            browser.send("Emulation.setDeviceMetricsOverride", {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False})
            browser.send("Page.navigate", {"url": report.as_uri()})
            browser.wait(lambda m: m.get("method") == "Page.loadEventFired")
            # let anything the page might still start (fonts, images) show up as a request
            time.sleep(0.5)
            boxes = browser.send(
                "Runtime.evaluate",
                {
                    "expression": "JSON.stringify([...document.querySelectorAll('svg.picture')].map(e => {"
                    "const r = e.getBoundingClientRect(); const s = getComputedStyle(e);"
                    "return {cls: e.getAttribute('class'), w: r.width, h: r.height, shown: s.display !== 'none' && s.visibility !== 'hidden',"
                    "marks: e.querySelectorAll('rect,path,line').length}; }))",
                    "returnByValue": True,
                },
            )["result"]["value"]
            shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
            full = browser.send(
                "Runtime.evaluate", {"expression": "document.body.innerText", "returnByValue": True}
            )["result"]["value"]
            pdf = browser.send("Page.printToPDF", {"printBackground": True})["data"]
            yield {
                "events": list(browser.events),
                "boxes": json.loads(boxes),
                "screenshot": base64.b64decode(shot),
                "text": full,
                "pdf": base64.b64decode(pdf),
            }
        finally:
            browser.close()


def test_page_makes_no_network_request(loaded: Any, report: Path) -> None:
    urls = [e["params"]["request"]["url"] for e in loaded["events"] if e["method"] == "Network.requestWillBeSent"]
    assert urls, "the DevTools protocol reported no request at all, so this check proves nothing"
    assert [u for u in urls if u != report.as_uri()] == []


def test_page_has_no_console_errors(loaded: Any) -> None:
    problems = [
        e
        for e in loaded["events"]
        if e["method"] == "Runtime.exceptionThrown"
        or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "warning", "assert"))
        or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] in ("error", "warning"))
    ]
    assert problems == []


def test_pictures_are_present_and_visible(loaded: Any) -> None:
    boxes = loaded["boxes"]
    kinds = {b["cls"].split()[-1] for b in boxes}
    assert {"bars", "flow", "timeline"} <= kinds
    for box in boxes:
        assert box["shown"] and box["w"] > 200 and box["h"] > 50, box
        assert box["marks"] > 5, box


def test_screenshot_is_not_blank(loaded: Any) -> None:
    seen = colours(loaded["screenshot"])
    assert len(seen) > 20, f"the page rendered as {len(seen)} colour(s)"


def test_report_reads_as_a_report(loaded: Any) -> None:
    text = loaded["text"]
    for heading in ("Executive summary", "Core-service alignment", "Root causes", "Roadmap", "Staffing", "Business case", "What to check next", "Assumptions"):
        assert heading in text
    assert "Harbour Bank Contact Centre" in text


def test_prints_to_a_multi_page_pdf(loaded: Any) -> None:
    pdf = loaded["pdf"]
    assert pdf.startswith(b"%PDF")
    pages = [int(m) for m in re.findall(rb"/Count (\d+)", pdf)]
    assert pages and max(pages) >= 4, "each major section starts a new printed page"
