#!/usr/bin/env python3
"""Pillow oracle for VisionTests' image decoding and resizing tests.

Writes sources/* (small synthetic JPEG and PNG files of varied kinds) and
expected.json (what Pillow decodes them to, and what Pillow/Keras resizing
gives). CI never runs this; the Swift tests only read the committed output.

Run by hand from the repository root:
    python3 -m venv /tmp/pillow-venv
    /tmp/pillow-venv/bin/pip install pillow==13.0.0
    /tmp/pillow-venv/bin/python Tests/VisionTests/Fixtures/pillow/generate.py
The YCCK source needs the system TurboJPEG library (Debian: libturbojpeg0),
called through ctypes. If keras (3.15) is importable too, every load_img case
is cross-checked against keras.utils.load_img itself; otherwise the replica
below is the oracle.
"""

import base64
import glob
import hashlib
import io
import json
import os
import random
import struct
import sys
import zlib

import PIL
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
SOURCES = os.path.join(HERE, "sources")

# Pixel content: smooth gradients, sharp edges and seeded noise, so that
# upsampling, filters and every byte value get exercised.


def synthetic_rgb(width, height, seed):
    rng = random.Random(seed)
    rows = []
    for y in range(height):
        row = []
        for x in range(width):
            r = (x * 255) // max(1, width - 1)
            g = (y * 255) // max(1, height - 1)
            b = 255 if ((x // 4) + (y // 4)) % 2 else 0
            n = rng.randint(-40, 40)
            row.append(tuple(max(0, min(255, v + n)) for v in (r, g, b)))
        rows.append(row)
    return rows


def noise(width, height, seed, maxval):
    rng = random.Random(seed)
    return [[rng.randint(0, maxval) for _ in range(width)] for _ in range(height)]


def pil_rgb(rows):
    h, w = len(rows), len(rows[0])
    im = Image.new("RGB", (w, h))
    im.putdata([p for row in rows for p in row])
    return im


# ---------------------------------------------------------------- PNG writer
# Pillow cannot write 16-bit colour, sub-byte depths or Adam7, so the exotic
# PNGs come from this small writer. It cycles the five filter types row by
# row so the decoder's unfiltering is exercised on every kind.

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(pixels, depth):
    """pixels: list of sample tuples -> packed bytes (MSB first, big-endian)."""
    samples = [s for p in pixels for s in p]
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if depth == 8:
        return bytes(samples)
    out, acc, nbits = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | s
        nbits += depth
        if nbits == 8:
            out.append(acc)
            acc, nbits = 0, 0
    if nbits:
        out.append(acc << (8 - nbits))
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_rows(rows, bpp):
    out, prev = bytearray(), bytes(len(rows[0])) if rows else b""
    for i, raw in enumerate(rows):
        kind = i % 5
        f = bytearray()
        for j, x in enumerate(raw):
            a = raw[j - bpp] if j >= bpp else 0
            b = prev[j]
            c = prev[j - bpp] if j >= bpp else 0
            pred = (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]
            f.append((x - pred) & 0xFF)
        out += bytes([kind]) + f
        prev = raw
    return bytes(out)


def write_png(path, pixels, color_type, depth, palette=None, trns=None,
              interlace=False, extra=(), idat_pieces=1):
    height, width = len(pixels), len(pixels[0])
    bpp = max(1, CHANNELS[color_type] * depth // 8)
    if interlace:
        data = b""
        for x0, y0, dx, dy in ADAM7:
            sub = [[pixels[y][x] for x in range(x0, width, dx)] for y in range(y0, height, dy)]
            sub = [r for r in sub if r]
            if sub:
                data += filter_rows([pack_row(r, depth) for r in sub], bpp)
    else:
        data = filter_rows([pack_row(r, depth) for r in pixels], bpp)
    z = zlib.compress(data, 9)
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, int(interlace)))
    for kind, payload in extra:
        out += chunk(kind, payload)
    if palette is not None:
        out += chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    step = -(-len(z) // idat_pieces)
    for i in range(0, len(z), step):
        out += chunk(b"IDAT", z[i:i + step])
    out += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(out)


# ------------------------------------------------------------------ sources


def write_ycck_jpeg(path, width, height, seed):
    """A YCCK JPEG (Adobe transform 2), which Pillow cannot write: TurboJPEG
    compresses CMYK pixels as YCCK. Needs the system libturbojpeg (Debian
    libturbojpeg0), called through ctypes."""
    import ctypes
    import ctypes.util
    tj = ctypes.CDLL(ctypes.util.find_library("turbojpeg") or "libturbojpeg.so.0")
    tj.tjInitCompress.restype = ctypes.c_void_p
    handle = tj.tjInitCompress()
    rng = random.Random(seed)
    pixels = bytes(rng.randint(0, 255) for _ in range(width * height * 4))
    out = ctypes.POINTER(ctypes.c_ubyte)()
    size = ctypes.c_ulong(0)
    tjpf_cmyk, tjsamp_420 = 11, 2
    rc = tj.tjCompress2(ctypes.c_void_p(handle), pixels, width, 0, height, tjpf_cmyk,
                        ctypes.byref(out), ctypes.byref(size), tjsamp_420, 95, 0)
    assert rc == 0, "tjCompress2 failed"
    data = ctypes.string_at(out, size.value)
    tj.tjFree(out)
    tj.tjDestroy(ctypes.c_void_p(handle))
    with open(path, "wb") as f:
        f.write(data)


def make_sources():
    os.makedirs(SOURCES, exist_ok=True)
    for old in glob.glob(os.path.join(SOURCES, "*")):
        os.remove(old)
    p = lambda name: os.path.join(SOURCES, name)

    # JPEG (Pillow's encoder; quality 90).
    pil_rgb(synthetic_rgb(64, 48, 1)).save(p("rgb420-64x48.jpg"), quality=90, subsampling=2)
    pil_rgb(synthetic_rgb(17, 13, 2)).save(p("rgb420-17x13.jpg"), quality=90, subsampling=2)
    pil_rgb(synthetic_rgb(17, 13, 3)).save(p("rgb444-17x13.jpg"), quality=90, subsampling=0)
    pil_rgb(synthetic_rgb(33, 21, 4)).save(p("rgb422-33x21.jpg"), quality=90, subsampling=1)
    pil_rgb(synthetic_rgb(45, 31, 5)).save(p("progressive-45x31.jpg"), quality=90, progressive=True)
    gray = Image.new("L", (23, 19))
    gray.putdata([v for row in noise(23, 19, 6, 255) for v in row])
    gray.save(p("gray-23x19.jpg"), quality=90)
    cmyk = Image.new("CMYK", (29, 17))
    rng = random.Random(7)
    cmyk.putdata([tuple(rng.randint(0, 255) for _ in range(4)) for _ in range(29 * 17)])
    cmyk.save(p("cmyk-29x17.jpg"), quality=95)
    write_ycck_jpeg(p("ycck-26x18.jpg"), 26, 18, 42)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 CW; neither Pillow's open nor Keras applies it
    pil_rgb(synthetic_rgb(24, 16, 8)).save(p("exif-orientation6-24x16.jpg"), quality=90, exif=exif)
    pil_rgb(synthetic_rgb(40, 24, 9)).save(p("restart-40x24.jpg"), quality=90, restart_marker_blocks=1)

    # PNG through Pillow's own encoder.
    pil_rgb(synthetic_rgb(17, 13, 10)).save(p("rgb8-17x13.png"))
    rgba = Image.new("RGBA", (19, 11))
    rgba.putdata([(r, g, b, a) for (r, g, b), a in zip(
        [q for row in synthetic_rgb(19, 11, 11) for q in row],
        [v for row in noise(19, 11, 12, 255) for v in row])])
    rgba.putpixel((0, 0), (200, 100, 50, 0))  # fully transparent: colour kept, not composited
    rgba.save(p("rgba8-19x11.png"))
    la = Image.new("LA", (13, 9))
    la.putdata([(v, (v * 7) % 256) for row in noise(13, 9, 13, 255) for v in row])
    la.save(p("gray-alpha8-13x9.png"))
    g8 = Image.new("L", (15, 10))
    g8.putdata([v for row in noise(15, 10, 14, 255) for v in row])
    g8.save(p("gray8-15x10.png"))
    pal = pil_rgb(synthetic_rgb(21, 14, 15)).quantize(colors=37)
    pal.save(p("palette8-21x14.png"))
    pal.save(p("palette8-trns-21x14.png"), transparency=bytes(range(0, 256, 7)))
    g16 = Image.new("I;16", (12, 7))
    # Mostly > 255 (Pillow clips I;16 to 255 on convert("RGB")), every third small.
    g16.putdata([v if i % 3 else v % 300 for i, v in enumerate(x for row in noise(12, 7, 16, 65535) for x in row)])
    g16.save(p("gray16-12x7.png"))

    # PNG through the writer above (exotic kinds, every filter, Adam7).
    rows = synthetic_rgb(17, 13, 17)
    write_png(p("rgb8-filters-17x13.png"), rows, 2, 8)
    write_png(p("rgb8-adam7-17x13.png"), rows, 2, 8, interlace=True)
    write_png(p("rgb8-gamma1-17x13.png"), rows, 2, 8, extra=[(b"gAMA", struct.pack(">I", 100000))])
    write_png(p("rgb8-trns-split-17x13.png"), rows, 2, 8, trns=struct.pack(">HHH", *rows[0][0]), idat_pieces=4)
    n16 = noise(11 * 3, 9, 18, 65535)
    rgb16 = [[tuple(n16[y][3 * x:3 * x + 3]) for x in range(11)] for y in range(9)]
    write_png(p("rgb16-11x9.png"), rgb16, 2, 16)
    n16a = noise(10 * 4, 7, 19, 65535)
    rgba16 = [[tuple(n16a[y][4 * x:4 * x + 4]) for x in range(10)] for y in range(7)]
    rgba16[0][0] = (40000, 30000, 20000, 0)
    write_png(p("rgba16-10x7.png"), rgba16, 6, 16)
    write_png(p("rgba16-adam7-10x7.png"), rgba16, 6, 16, interlace=True)
    la16 = [[(v, (v * 3) % 65536) for v in row] for row in noise(9, 6, 20, 65535)]
    write_png(p("gray-alpha16-9x6.png"), la16, 4, 16)
    g16w = [[(v if (x + y) % 2 else v % 256,) for x, v in enumerate(row)] for y, row in enumerate(noise(8, 5, 21, 65535))]
    write_png(p("gray16-trns-8x5.png"), g16w, 0, 16, trns=struct.pack(">H", g16w[0][0][0]))
    for depth in (1, 2, 4):
        g = [[(v,) for v in row] for row in noise(13, 11, 22 + depth, (1 << depth) - 1)]
        write_png(p(f"gray{depth}-13x11.png"), g, 0, depth)
        write_png(p(f"gray{depth}-adam7-13x11.png"), g, 0, depth, interlace=True)
        colors = 1 << depth
        palette = [((i * 73) % 256, (i * 151) % 256, (i * 29) % 256) for i in range(colors)]
        idx = [[(v,) for v in row] for row in noise(11, 7, 30 + depth, colors - 1)]
        write_png(p(f"palette{depth}-11x7.png"), idx, 3, depth, palette=palette)
    # Indices past the end of a short PLTE: Pillow gives black for them.
    write_png(p("palette4-short-16x1.png"), [[(i,) for i in range(16)]], 3, 4,
              palette=[(10, 20, 30), (40, 50, 60), (70, 80, 90)])
    tiny = [[(9, 200, 77)]]
    write_png(p("rgb8-adam7-1x1.png"), tiny, 2, 8, interlace=True)
    write_png(p("rgb8-adam7-3x5.png"), synthetic_rgb(3, 5, 40), 2, 8, interlace=True)
    write_png(p("rgb8-wide-64x2.png"), synthetic_rgb(64, 2, 41), 2, 8)


# ----------------------------------------------------------------- oracle


def rgb_bytes(im):
    assert im.mode == "RGB"
    return im.tobytes()


def digest(data):
    return hashlib.sha256(data).hexdigest()


def record(im, with_pixels):
    data = rgb_bytes(im)
    entry = {"width": im.size[0], "height": im.size[1], "sha256": digest(data)}
    if with_pixels:
        entry["pixels"] = base64.b64encode(data).decode("ascii")
    return entry


FILTERS = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
           "bicubic": Image.Resampling.BICUBIC}


def load_img_replica(path, target_size, interpolation, keep_aspect_ratio):
    """keras.utils.load_img(path, target_size=(h, w), interpolation=..., keep_aspect_ratio=...)."""
    with open(path, "rb") as f:
        img = Image.open(io.BytesIO(f.read()))
    if img.mode != "RGB":
        img = img.convert("RGB")
    width_height = (target_size[1], target_size[0])
    if img.size != width_height:
        resample = FILTERS[interpolation]
        if keep_aspect_ratio:
            width, height = img.size
            tw, th = width_height
            crop_h = min(height, (width * th) // tw)
            crop_w = min(width, (height * tw) // th)
            h0 = (height - crop_h) // 2
            w0 = (width - crop_w) // 2
            img = img.resize(width_height, resample, box=[w0, h0, w0 + crop_w, h0 + crop_h])
        else:
            img = img.resize(width_height, resample)
    return img


try:
    from keras.utils import load_img as keras_load_img
except Exception:  # keras absent: the replica above is the oracle
    keras_load_img = None


def load_img(path, target_size, interpolation, keep_aspect_ratio):
    img = load_img_replica(path, target_size, interpolation, keep_aspect_ratio)
    if keras_load_img is not None:
        k = keras_load_img(path, target_size=target_size, interpolation=interpolation,
                           keep_aspect_ratio=keep_aspect_ratio)
        assert k.convert("RGB").tobytes() == img.tobytes(), (path, target_size, interpolation)
    return img


def nearest_index_map(n_in, n_out):
    """Source index Pillow's NEAREST picks for each output column (rows use the same code)."""
    im = Image.new("RGB", (n_in, 1))
    im.putdata([(i & 255, i >> 8, 0) for i in range(n_in)])
    out = im.resize((n_out, 1), Image.Resampling.NEAREST)
    cols = [r + 256 * g for (r, g, _) in out.getdata()]
    im = Image.new("RGB", (1, n_in))
    im.putdata([(i & 255, i >> 8, 0) for i in range(n_in)])
    out = im.resize((1, n_out), Image.Resampling.NEAREST)
    rows = [r + 256 * g for (r, g, _) in out.getdata()]
    assert rows == cols
    return cols


def main():
    make_sources()
    rel = lambda path: os.path.relpath(path, ROOT)
    small = sorted(glob.glob(os.path.join(SOURCES, "*")))
    photos = [os.path.join(ROOT, "examples", "testset", f"{i}.jpg") for i in (1, 3, 9, 10, 16)]
    every_example = sorted(glob.glob(os.path.join(ROOT, "examples", "*", "*.jpg")) +
                           glob.glob(os.path.join(ROOT, "examples", "*", "*", "*.jpg")))

    decode = []
    for path in small:
        im = Image.open(path)
        entry = {"file": rel(path), "pillowMode": im.mode}
        entry.update(record(im.convert("RGB"), with_pixels=True))
        decode.append(entry)
    for path in every_example:
        entry = {"file": rel(path), "pillowMode": Image.open(path).mode}
        entry.update(record(Image.open(path).convert("RGB"), with_pixels=False))
        decode.append(entry)

    resize = []

    def case(path, size, interpolation, keep, with_pixels):
        im = load_img(path, size, interpolation, keep)
        entry = {"file": rel(path), "height": size[0], "width": size[1],
                 "filter": interpolation, "keepAspectRatio": keep}
        entry.update(record(im, with_pixels))
        resize.append(entry)

    for path in photos:
        for f in FILTERS:
            case(path, (299, 299), f, False, False)
        case(path, (299, 299), "nearest", True, False)
        case(path, (299, 299), "bilinear", True, False)
    case(photos[0], (224, 331), "bicubic", True, False)
    case(photos[4], (401, 533), "bilinear", False, False)  # upscale
    case(photos[4], (401, 533), "bicubic", False, False)
    case(photos[4], (401, 533), "nearest", False, False)
    # Pillow 13 runs the vertical pass first when the height shrinks by more
    # than twice as many pixels as the width: these do, the 299×299 ones don't.
    for f in ("bilinear", "bicubic"):
        case(photos[1], (100, 600), f, False, False)
        case(photos[2], (64, 470), f, False, False)
        case(photos[2], (64, 470), f, True, False)
    for path in small:
        for f in FILTERS:
            case(path, (7, 5), f, False, True)
            case(path, (23, 31), f, False, False)
            case(path, (61, 80), f, False, False)   # upscale
            case(path, (10, 10), f, True, True)
        case(path, (299, 299), "bilinear", False, False)
        case(path, (5, 29), "bicubic", True, True)

    # Pillow's own resize with explicit (fractional) boxes.
    for path, box, size in [(os.path.join(SOURCES, "rgb420-64x48.jpg"), (2.5, 1.25, 60.75, 40.5), (19, 13)),
                            (os.path.join(SOURCES, "rgb8-17x13.png"), (0.1, 0.3, 16.9, 12.7), (40, 30)),
                            (os.path.join(SOURCES, "rgb8-17x13.png"), (3, 2, 9, 11), (6, 9)),   # a crop
                            (photos[1], (100, 50, 600, 620), (299, 299))]:
        im = Image.open(path).convert("RGB")
        for f in FILTERS:
            out = im.resize(size, FILTERS[f], box=box)
            entry = {"file": rel(path), "height": size[1], "width": size[0], "filter": f,
                     "keepAspectRatio": False, "box": list(box)}
            entry.update(record(out, with_pixels=size[0] * size[1] < 2000))
            resize.append(entry)

    nearest = []
    for n_in, n_out in [(640, 299), (1920, 299), (451, 299), (300, 299), (480, 299), (426, 299),
                        (4032, 299), (3000, 299), (1000, 299), (299, 640), (100, 299), (17, 299),
                        (2, 299), (640, 224), (1920, 1080), (7, 3)]:
        nearest.append({"input": n_in, "output": n_out, "indices": nearest_index_map(n_in, n_out)})

    out = {
        "generator": "Tests/VisionTests/Fixtures/pillow/generate.py",
        "pillow": PIL.__version__,
        "libjpegTurbo": features.version("libjpeg_turbo"),
        "kerasCrossChecked": keras_load_img is not None,
        "decode": decode,
        "resize": resize,
        "nearestIndexMaps": nearest,
    }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"{len(decode)} decodes, {len(resize)} resizes, {len(nearest)} index maps;"
          f" keras cross-check: {keras_load_img is not None}", file=sys.stderr)


if __name__ == "__main__":
    main()
