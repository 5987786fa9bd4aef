"""The HTML course page in a real headless browser (Chromium from the system's packages).

Skipped, with the reason, where no Chromium or Chrome is installed (Debian: apt-get install
chromium). COURSECTL_CHROMIUM names another browser binary.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from coursectl.course import load_course
from coursectl.pages.views import render_week

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str | None:
    named = os.environ.get("COURSECTL_CHROMIUM")
    if named:
        return shutil.which(named) or (named if Path(named).exists() else None)
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


BROWSER = _browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason=f"COURSECTL_CHROMIUM={os.environ['COURSECTL_CHROMIUM']} not found"
    if os.environ.get("COURSECTL_CHROMIUM")
    else "no Chromium/Chrome on PATH (Debian: apt-get install chromium; or set COURSECTL_CHROMIUM)",
)


def _run_browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    profile = tmp_path / "chromium-profile"
    command = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB(A) rows of an 8-bit PNG, decoded with the standard library only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, chunks, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks += body
        offset += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format: depth {depth}, colour {colour}"
    step = 3 if colour == 2 else 4
    raw = zlib.decompress(chunks)
    stride = width * step
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up = previous[i]
            corner = previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(
            bytes(line) if step == 3 else bytes(b for j, b in enumerate(line) if j % 4 != 3)
        )
        previous = line
    return width, height, rows


HOSTILE = '<script>document.title="PWNED"</script> & <img src=x onerror="document.title=1">'


def _hostile_course(course_dir: Path) -> Path:
    schedule = course_dir / "schedule.yaml"
    text = schedule.read_text(encoding="utf-8")
    text = text.replace("title: Course survey", f"title: '{HOSTILE}'", 1)
    text = text.replace(
        "- Compare RLHF, DPO, and Constitutional AI trade-offs",
        "- 'Compare RLHF, DPO & Constitutional AI: <b>not bold</b>'",
        1,
    )
    schedule.write_text(text, encoding="utf-8")
    page = course_dir / "week-07.html"
    page.write_text(render_week(load_course(course_dir), 7, "html"), encoding="utf-8")
    return page


def test_screenshot_of_week7_shows_a_rendered_page(tmp_path: Path, course_dir: Path) -> None:
    page = _hostile_course(course_dir)
    shot = tmp_path / "week-07.png"
    result = _run_browser(
        tmp_path, "--window-size=1000,1400", f"--screenshot={shot}", page.as_uri()
    )
    assert shot.exists(), f"no screenshot; browser said:\n{result.stderr[-2000:]}"
    width, height, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == (1000, 1400)
    background = rows[0][:3]
    inked = sum(1 for row in rows for x in range(0, len(row), 3) if row[x : x + 3] != background)
    colours = {row[x : x + 3] for row in rows[::7] for x in range(0, len(row), 21)}
    # Text, headings and the coloured checklist: a blank or error page has neither.
    assert inked > width * height * 0.03, f"only {inked} non-background pixels"
    assert len(colours) > 20, f"only {len(colours)} colours"
    # The checklist's blue left borders (#2b59c3) are drawn.
    assert any(row[x : x + 3] == b"\x2b\x59\xc3" for row in rows for x in range(0, 400 * 3, 3))


def test_browser_dom_holds_the_escaped_text_and_ran_no_injected_script(
    tmp_path: Path, course_dir: Path
) -> None:
    page = _hostile_course(course_dir)
    result = _run_browser(tmp_path, "--dump-dom", page.as_uri())
    dom = result.stdout
    assert "</html>" in dom, f"no DOM; browser said:\n{result.stderr[-2000:]}"
    # The browser parsed the text as text: no element was made from schedule.yaml, no script ran.
    assert "<script" not in dom and "<img" not in dom and "<b>" not in dom
    assert "PWNED" not in dom.split("</title>", 1)[0]
    assert "<title>LLM 101 Week 7: Training at Scale and Post-Training</title>" in dom
    assert '&lt;script&gt;document.title="PWNED"&lt;/script&gt; &amp; &lt;img src=x' in dom
    assert "Compare RLHF, DPO &amp; Constitutional AI: &lt;b&gt;not bold&lt;/b&gt;" in dom
    # The facts a student reads are in the page the browser built.
    for fact in (
        "Portfolio Piece 1 peer reviews due <time",
        "Wednesday, March 4 by 11:59pm on Gradescope",
        "20% of your portfolio piece grade (1% of overall course grade)",
        "<li>What worked well (2-3 specific observations)</li>",
    ):
        assert fact in dom, fact
