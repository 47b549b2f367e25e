"""Peak memory of one upload: how much a worker grows while it checks and stores one file.

    .venv/bin/python bench/uploads.py                 # every case, 30-100 s
    .venv/bin/python bench/uploads.py --case receipt-png-bomb --case receipt-phone-12mp

Each case runs in a fresh child process (`--child CASE FILE`) that imports the app, builds
it (TestConfig, an in-memory SQLite database, uploads in a temporary folder), opens an app
context and reads the file into memory; that is the worker's baseline: its resident size
then, from which the peak is measured afresh (`/proc/self/clear_refs`, then `VmHWM` in
/proc/self/status; `ru_maxrss` elsewhere). It makes one upload through the function the
view calls (`store_image` for a receipt or logo, `store_image_variants` for a product photo,
`store_document` for a document; files of up to 10 MB), and reads the peak. The figure is
the growth of the peak: what one upload costs a worker on top of what it holds anyway. A
`baseline` case does nothing between the two notes, to show the noise (about 0 MB).

The files are made by this parent process beforehand (so making them costs the child
nothing): the reported PNG bomb (6,300 × 6,300, 1 bit a pixel: 5 kB here, 115 kB as sent), phone photos as
JPEGs (12 MP and 50 MP), a 4000 × 3000 PNG, a progressive 16 MP JPEG, a 3000 × 3000 palette
PNG logo and a 20-page PDF. Goal: under 150 MB above the baseline for every case. Figures,
never assertions: no test runs this.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_MB = 150

# case -> (how the view stores it, area)
CASES = {
    "baseline": ("nothing", "receipts"),
    "receipt-png-bomb": ("store_image", "receipts"),
    "receipt-phone-12mp": ("store_image", "receipts"),
    "receipt-phone-50mp": ("store_image", "receipts"),
    "receipt-png-4000x3000": ("store_image", "receipts"),
    "photo-phone-12mp": ("store_image_variants", "products"),
    "photo-png-4000x3000": ("store_image_variants", "products"),
    "photo-progressive-16mp": ("store_image_variants", "products"),
    "logo-palette-3000": ("store_image", "logos"),
    "document-pdf-20-pages": ("store_document", "seller-documents"),
}


# --- the files (made in the parent) ---------------------------------------------------------


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 6300, height: int = 6300) -> bytes:
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")


def photo(size: tuple[int, int], fmt: str = "JPEG", **options) -> bytes:
    """A smooth picture with some grain: files of a realistic size, not a flat colour."""
    from PIL import Image

    small = Image.merge("RGB", [
        Image.linear_gradient("L").resize((400, 300)),
        Image.radial_gradient("L").resize((400, 300)),
        Image.effect_noise((400, 300), 40),
    ])
    buffer = io.BytesIO()
    small.resize(size, Image.Resampling.BILINEAR).save(buffer, fmt, **options)
    return buffer.getvalue()


def palette_logo(side: int = 3000) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.radial_gradient("L").resize((side, side)).convert("P").save(buffer, "PNG")
    return buffer.getvalue()


def pdf_pages(count: int = 20) -> bytes:
    from PIL import Image

    pages = [Image.effect_noise((620, 877), 30).convert("RGB") for _ in range(count)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=75)
    return buffer.getvalue()


def make_file(case: str) -> bytes:
    makers = {
        "baseline": lambda: photo((400, 300)),
        "receipt-png-bomb": png_bomb,
        "receipt-phone-12mp": lambda: photo((4000, 3000), quality=88),
        "receipt-phone-50mp": lambda: photo((8160, 6144), quality=70),
        "receipt-png-4000x3000": _png_4000,
        "photo-phone-12mp": lambda: photo((4000, 3000), quality=88),
        "photo-png-4000x3000": _png_4000,
        "photo-progressive-16mp": lambda: photo((4608, 3456), quality=80, progressive=True),
        "logo-palette-3000": palette_logo,
        "document-pdf-20-pages": pdf_pages,
    }
    return makers[case]()


def _png_4000() -> bytes:
    """A 4000 × 3000 RGB PNG under 5 MB: a screenshot-like picture (large flat areas)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (4000, 3000), (245, 245, 240))
    draw = ImageDraw.Draw(image)
    for y in range(0, 3000, 60):
        draw.rectangle((200, y, 3800, y + 30), fill=(30 + y % 200, 80, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# --- the child: one upload in a fresh process -------------------------------------------------


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def reset_peak() -> float:
    """Start measuring the peak from now; returns the resident size now (MB).

    Linux keeps `ru_maxrss` across exec, so a child forked from a large parent would start
    with the parent's peak: /proc/self/clear_refs (5) resets the peak (VmHWM) instead."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_mb("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb() -> float:
    """The peak resident size since `reset_peak` (MB)."""
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(case: str, path: str) -> None:
    sys.path.insert(0, str(ROOT))
    from config import TestConfig
    from market import create_app
    from market.core import uploads

    how, area = CASES[case]
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as folder:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_FOLDER=folder)
        with app.app_context(), app.test_request_context():
            data = Path(path).read_bytes()
            before = reset_peak()
            started = time.perf_counter()
            outcome = "-"
            if how != "nothing":
                try:
                    stored = getattr(uploads, how)(io.BytesIO(data), area, max_bytes=10 * 1024 * 1024)
                    outcome = "stored " + _describe(stored, area)
                except uploads.UploadError as error:
                    outcome = f"refused: {error}"
            seconds = time.perf_counter() - started
            after = peak_mb()
    print(json.dumps({"case": case, "baseline_mb": before, "peak_mb": after, "seconds": seconds,
                      "bytes": len(data), "outcome": outcome}))


def _describe(stored, area: str) -> str:
    from PIL import Image

    from market.core import uploads

    if hasattr(stored, "token"):
        return f"{stored.width}x{stored.height} webp"
    if stored.content_type == "application/pdf":
        return "pdf as sent"
    with Image.open(uploads.stored_path(area, stored.stored_name)) as image:
        return f"{image.width}x{image.height} {image.format.lower()}"


# --- the parent ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="a case (repeatable); default all")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(*args.child)
        return 0
    cases = args.case or list(CASES)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-uploads-files-") as folder:
        for case in cases:
            path = Path(folder, case)
            path.write_bytes(make_file(case))
            child = subprocess.run([sys.executable, __file__, "--child", case, str(path)], cwd=ROOT,
                                   capture_output=True, text=True, env={**os.environ, "MARKET_ENV": "test"})
            if child.returncode != 0:
                print(f"{case}: the child failed\n{child.stderr[-2000:]}", file=sys.stderr)
                return 1
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    print(f"{'case':<26} {'file':>9} {'baseline':>9} {'peak +':>8} {'time':>7}  outcome")
    worst = 0.0
    for result in results:
        growth = result["peak_mb"] - result["baseline_mb"]
        worst = max(worst, growth)
        print(f"{result['case']:<26} {result['bytes'] / 1024:>7.0f}kB {result['baseline_mb']:>7.0f}MB "
              f"{growth:>6.0f}MB {result['seconds']:>6.2f}s  {result['outcome']}")
    print(f"worst growth {worst:.0f} MB: {'PASS' if worst < GOAL_MB else 'OVER'} (goal: under {GOAL_MB} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
