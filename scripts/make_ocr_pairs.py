#!/usr/bin/env python3
"""Render training text onto synthetic scans and OCR them: (truth lines, OCR lines) pairs.

    python scripts/make_ocr_pairs.py [--pages 3000] [--workers 2] [--out FILE.jsonl]

The diacritic-repair model needs a *learned* OCR channel (how Tesseract damages Vietnamese
syllables), so this draws training documents of `../shared/corpus` (`scripts/corpus.py`: held-out
documents are never rendered) onto A4 page images with varied fonts, sizes, dpi, paper and scan
degradations, OCRs every page with Tesseract `vie` and `eng`, and writes one JSON object per page
per model to `--out` (default `build/ocr-pairs/pairs.jsonl`, git-ignored; 3000 pages → 6000 rows,
about 33 MB). The output is corpus text and must not be committed; `train_repair.py` reads it.

Takes about 35 pages a minute with 2 workers on two cores (each OCR run is 1.0–1.6 s; 3000 pages
about 1.5 h), plus about 30 s to load the corpus. Never run in CI.

Each page depends only on (SEED, page number), so rerunning resumes: pages already in `--out` for
both models are skipped, a page with one model gets the other, and a torn last line from a crash
is trimmed; `--pages 5000` later adds p003001… without changing earlier pages. Stop a background
run by its process group (`kill -- -PGID`): killing only the main pid leaves workers running.

How a page is made:
1. **Text.** A domain is drawn 40 % admin, 40 % legal, 20 % news, then a training document
   uniformly, then a starting paragraph that leaves more than 600 characters. Paragraphs are
   `corpus.clean_paragraph`, then stripped of characters the fonts can't draw (`_allowed_char`),
   so `truth` is exactly what is on the page. They are word-wrapped by real glyph advance and the
   page is cut at 15–30 lines; 30 % of pages start with a centred bold uppercase heading.
2. **Rendering** (Pillow + raqm): Liberation Serif/Sans and DejaVu Serif/Sans faces (regular ones
   weighted up), 10–14 pt, 150/200/300 dpi, line spacing 1.15–1.6, ragged or justified, optional
   first-line indent, ink grey 0–40, white or (35 %) yellowed paper.
3. **Degradation**: 25 % of pages clean, the rest 1–3 of rotate, fade, blur, downscale-upscale,
   noise with dust speckles, binarisation, JPEG, applied in scanner order (`choose_degradation`).
4. **OCR**: `tesseract IMG - -l MODEL --psm 6 --dpi D tsv` with OMP_THREAD_LIMIT=1; words are
   grouped into lines by (block, paragraph, line).

Record: {"page": "p000123", "model": "vie"|"eng", "domain", "doc" (corpus key), "font", "size_pt",
"dpi", "degradation": {"ops", "clean", one parameter per op, "noise_seed"}, "render": {"paper",
"paper_rgb", "ink", "line_spacing", "justify", "indent", "margin_*_in", "width_px"}, "heading",
"truth": [lines drawn], "ocr": [Tesseract lines], "ocr_conf": [[word confidences per OCR line]],
"seconds": OCR wall time}. Rows are written in completion order. OCR and truth line counts differ
on about 1 page in 70; align by edit distance when they do.

The rendering, degradation and OCR functions are reused by `bench/repair.py`: `choose_render`,
`choose_degradation`, `layout` and `ocr_lines` turn any text into OCR output the same way.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import io
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = 20240605
DOMAIN_WEIGHTS = {"admin": 0.4, "legal": 0.4, "news": 0.2}
MODELS = ("vie", "eng")
PAGE_IN = (8.27, 11.69)  # A4 portrait, inches
DEGRADATIONS = ("blur", "noise", "fade", "jpeg", "binarize", "rotate", "downup")  # draw order
SCAN_ORDER = ("rotate", "fade", "blur", "downup", "noise", "binarize", "jpeg")  # apply order

LIB = "/usr/share/fonts/truetype/liberation2/"
DJV = "/usr/share/fonts/truetype/dejavu/"
# face name -> (file, bold file used for headings, sampling weight).
# Regular faces dominate because archive documents are mostly set in them.
FONTS = {
    "LiberationSerif-Regular": (
        LIB + "LiberationSerif-Regular.ttf",
        LIB + "LiberationSerif-Bold.ttf",
        5,
    ),
    "LiberationSerif-Bold": (LIB + "LiberationSerif-Bold.ttf", LIB + "LiberationSerif-Bold.ttf", 1),
    "LiberationSerif-Italic": (
        LIB + "LiberationSerif-Italic.ttf",
        LIB + "LiberationSerif-BoldItalic.ttf",
        1,
    ),
    "LiberationSans-Regular": (
        LIB + "LiberationSans-Regular.ttf",
        LIB + "LiberationSans-Bold.ttf",
        3,
    ),
    "LiberationSans-Bold": (LIB + "LiberationSans-Bold.ttf", LIB + "LiberationSans-Bold.ttf", 1),
    "LiberationSans-Italic": (
        LIB + "LiberationSans-Italic.ttf",
        LIB + "LiberationSans-BoldItalic.ttf",
        1,
    ),
    "DejaVuSerif": (DJV + "DejaVuSerif.ttf", DJV + "DejaVuSerif-Bold.ttf", 2),
    "DejaVuSans": (DJV + "DejaVuSans.ttf", DJV + "DejaVuSans-Bold.ttf", 2),
}


# ----------------------------------------------------------------------------------------- text


def _allowed_char(c: str) -> bool:
    """Keep characters both font families can draw, so truth == what is on the page.

    ASCII, Latin letters with diacritics (all Vietnamese letters, plus foreign names) and common
    typographic punctuation; emoji, CJK etc. are dropped because they would render as boxes that
    no OCR could read.
    """
    if " " <= c <= "~":
        return True
    if c in "“”‘’–—…°§•×±€²³½¼¾«»·":
        return True
    o = ord(c)
    if 0xC0 <= o <= 0x24F or 0x1E00 <= o <= 0x1EFF:
        return c.isalpha()
    return False


def renderable(paragraph: str) -> str:
    """A `corpus.clean_paragraph` paragraph without the characters the fonts can't draw
    ('' if nothing with a letter or digit is left)."""
    kept = "".join(c if _allowed_char(c) else " " for c in paragraph)
    return corpus.clean_paragraph(kept)


def train_documents() -> dict[str, list[tuple[str, list[str]]]]:
    """{domain: [(key, renderable paragraphs)]} of the non-empty training documents, in corpus
    order (the order page derivation draws from)."""
    docs = {}
    for domain in DOMAIN_WEIGHTS:
        docs[domain] = []
        for key, paras in corpus.train_documents(domain):
            kept = [p for p in map(renderable, paras) if p]
            if kept:
                docs[domain].append((key, kept))
    return docs


# ------------------------------------------------------------------------------------ page specs

_font_cache: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def get_font(path: str, px: int) -> ImageFont.FreeTypeFont:
    """Cache FreeType faces: wrapping measures thousands of words per page."""
    key = (path, px)
    if key not in _font_cache:
        _font_cache[key] = ImageFont.truetype(path, px)
    return _font_cache[key]


def font_px(render: dict) -> int:
    return round(render["size_pt"] * render["dpi"] / 72)


def text_width(render: dict) -> int:
    """Width of the text block in pixels."""
    return round(
        (PAGE_IN[0] - render["margin_left_in"] - render["margin_right_in"]) * render["dpi"]
    )


def indent_width(render: dict) -> int:
    return round(0.4 * render["dpi"]) if render["indent"] else 0


def wrap_paragraph(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap by real glyph advance; over-long tokens are cut by characters."""
    lines, cur = [], ""
    for word in text.split(" "):
        cand = word if not cur else cur + " " + word
        if font.getlength(cand) <= width:
            cur = cand
            continue
        if cur:
            lines.append(cur)
        cur = word
        while font.getlength(cur) > width:  # e.g. URLs, digit strings
            cut = len(cur) - 1
            while cut > 1 and font.getlength(cur[:cut]) > width:
                cut -= 1
            lines.append(cur[:cut])
            cur = cur[cut:]
    if cur:
        lines.append(cur)
    return lines


def paragraph_lines(text: str, render: dict) -> list[tuple[str, str]]:
    """One paragraph as (line, kind) with kind in first/mid/last/only; only the first line is
    indented, so the rest is wrapped again at full width."""
    font = get_font(FONTS[render["font"]][0], font_px(render))
    width, indent = text_width(render), indent_width(render)
    wrapped = (
        wrap_paragraph(text, font, width - indent) if indent else wrap_paragraph(text, font, width)
    )
    if indent and len(wrapped) > 1:
        wrapped = [wrapped[0], *wrap_paragraph(text[len(wrapped[0]) :].strip(), font, width)]
    last = len(wrapped) - 1
    return [
        (line, "only" if last == 0 else "first" if i == 0 else "last" if i == last else "mid")
        for i, line in enumerate(wrapped)
    ]


def layout(paragraphs: list[str], render: dict) -> list[tuple[str, str]]:
    """Paragraphs as the (line, kind) list `ocr_lines` and `render_page` draw."""
    return [line for p in paragraphs for line in paragraph_lines(p, render)]


def choose_render(rng: random.Random) -> dict:
    """Pick typography and paper; sizes and dpi match what archive scans show."""
    names = list(FONTS)
    font = rng.choices(names, weights=[FONTS[n][2] for n in names])[0]
    dpi = rng.choice([300, 200, 150])
    size = rng.choice([10, 11, 12, 12, 13, 14])
    yellow = rng.random() < 0.35
    paper = (
        (rng.randint(232, 246), rng.randint(222, 236), rng.randint(185, 210))
        if yellow
        else (255, 255, 255)
    )
    return {
        "font": font,
        "size_pt": size,
        "dpi": dpi,
        "paper": "yellowed" if yellow else "white",
        "paper_rgb": list(paper),
        "ink": rng.randint(0, 40),
        "line_spacing": round(rng.uniform(1.15, 1.6), 2),
        "justify": rng.random() < 0.5,
        "indent": rng.random() < 0.5,
        "margin_left_in": round(rng.uniform(0.8, 1.2), 2),
        "margin_right_in": round(rng.uniform(0.6, 1.0), 2),
        "margin_top_in": round(rng.uniform(0.6, 1.0), 2),
    }


def choose_degradation(
    rng: random.Random,
    render: dict,
    clean_share: float = 0.25,
    ops: tuple[str, ...] = DEGRADATIONS,
    counts: tuple[int, ...] = (1, 1, 2, 2, 3),
) -> dict:
    """Clean with probability `clean_share`, else `rng.choice(counts)` of `ops`, with every
    parameter recorded. The defaults are the training mix; the benchmark narrows them.

    The binarisation threshold is set between the (possibly faded) ink grey and the paper grey;
    a fixed threshold turned faded pages completely white.
    """
    dpi = render["dpi"]
    if rng.random() < clean_share:
        return {"ops": [], "clean": True}
    chosen = rng.sample(list(ops), rng.choice(counts))
    s = dpi / 300
    params: dict = {}
    if "rotate" in chosen:
        params["rotate_deg"] = round(rng.uniform(0.2, 1.5) * rng.choice([-1, 1]), 2)
    if "fade" in chosen:
        params["fade_factor"] = round(rng.uniform(0.3, 0.6), 2)
    if "blur" in chosen:
        params["blur_radius"] = round(rng.uniform(0.6, 1.6) * s, 2)
    if "downup" in chosen:
        # keep the effective resolution >= 100 dpi; below that pages become unreadable
        params["downup_scale"] = round(rng.uniform(max(0.45, 100 / dpi), 0.8), 2)
    if "noise" in chosen:
        params["noise_sigma"] = round(rng.uniform(5, 18), 1)
        params["speckles_per_mpx"] = rng.randint(10, 200)  # dust; more makes psm 6 read junk
    if "binarize" in chosen:
        paper = sum(w * c for w, c in zip((0.299, 0.587, 0.114), render["paper_rgb"], strict=True))
        ink = paper - (paper - render["ink"]) * params.get("fade_factor", 1.0)
        params["threshold_frac"] = round(rng.uniform(0.4, 0.7), 2)  # low = thin, broken strokes
        params["threshold"] = round(ink + params["threshold_frac"] * (paper - ink))
    if "jpeg" in chosen:
        params["jpeg_quality"] = rng.randint(30, 60)
    params["noise_seed"] = rng.randrange(2**31)
    return {"ops": [o for o in SCAN_ORDER if o in chosen], "clean": False, **params}


def make_heading(rng: random.Random, paras: list[str], start: int) -> tuple[str, int]:
    """A centred bold uppercase heading, preferring a real short line of the document.

    Returns (heading, start): a short first paragraph (title, 'Điều 5. ...') is used as is and
    consumed; otherwise a short paragraph from elsewhere in the document, or the first few words
    of the chunk as a last resort.
    """
    if len(paras[start]) <= 60:
        return paras[start].rstrip(".,;:").upper(), start + 1
    short = [p for p in paras if 8 <= len(p) <= 60]
    if short:
        return rng.choice(short).rstrip(".,;:").upper(), start
    words = paras[start].split()[: rng.randint(3, 7)]
    return " ".join(words).rstrip(".,;:").upper(), start


def build_page(page_no: int, train: dict[str, list[tuple[str, list[str]]]]) -> dict:
    """Deterministically derive page `page_no` (text + rendering + degradation)."""
    rng = random.Random(f"{SEED}:{page_no}")
    render = choose_render(rng)
    target = rng.randint(15, 30)
    for _ in range(20):  # resample if the document is too short for a page
        domain = rng.choices(list(DOMAIN_WEIGHTS), weights=list(DOMAIN_WEIGHTS.values()))[0]
        doc_key, paras = rng.choice(train[domain])
        start = rng.randrange(len(paras))
        if sum(len(p) for p in paras[start:]) > 600:
            break
    heading = None
    if rng.random() < 0.3:
        heading, start = make_heading(rng, paras, start)
        bold = get_font(FONTS[render["font"]][1], font_px(render))
        while " " in heading and bold.getlength(heading) > text_width(render):  # one line only
            heading = heading.rsplit(" ", 1)[0]
    lines = [(heading, "heading")] if heading else []
    for p in paras[start:]:
        lines += paragraph_lines(p, render)
        if len(lines) >= target:
            break
    return {
        "page": f"p{page_no:06d}",
        "domain": domain,
        "doc": doc_key,
        **render,
        "lines": lines[:target],
        "degradation": choose_degradation(rng, render),
    }


# ------------------------------------------------------------------------------------- rendering


def render_page(spec: dict) -> Image.Image:
    """Draw the page's (line, kind) list on A4 paper at the chosen dpi (RGB image)."""
    dpi = spec["dpi"]
    px = font_px(spec)
    img = Image.new(
        "RGB", (round(PAGE_IN[0] * dpi), round(PAGE_IN[1] * dpi)), tuple(spec["paper_rgb"])
    )
    draw = ImageDraw.Draw(img)
    ink = (spec["ink"],) * 3
    regular, bold = FONTS[spec["font"]][0], FONTS[spec["font"]][1]
    width, indent = text_width(spec), indent_width(spec)
    x0 = round(spec["margin_left_in"] * dpi)
    y = round(spec["margin_top_in"] * dpi)
    step = round(px * spec["line_spacing"])
    for text, kind in spec["lines"]:
        if kind == "heading":
            f = get_font(bold, px)
            draw.text((x0 + (width - f.getlength(text)) / 2, y), text, font=f, fill=ink)
            y += round(step * 1.6)
            continue
        f = get_font(regular, px)
        x = x0 + (indent if kind in ("first", "only") else 0)
        words = text.split(" ")
        if spec["justify"] and kind in ("first", "mid") and len(words) > 1:
            avail = width - (x - x0)
            gap = (avail - sum(f.getlength(w) for w in words)) / (len(words) - 1)
            for w in words:
                draw.text((x, y), w, font=f, fill=ink)
                x += f.getlength(w) + gap
        else:
            draw.text((x, y), text, font=f, fill=ink)
        y += step
    return img


def degrade(img: Image.Image, deg: dict, paper: list[int]) -> Image.Image:
    """Apply the recorded distortions in a fixed, scanner-like order."""
    rnd = np.random.default_rng(deg.get("noise_seed", 0))
    for op in deg["ops"]:
        if op == "rotate":
            img = img.rotate(deg["rotate_deg"], resample=Image.BICUBIC, fillcolor=tuple(paper))
        elif op == "fade":  # faded ink: pull every pixel toward the paper colour
            a = np.asarray(img).astype(np.float32)
            p = np.array(paper, np.float32)
            img = Image.fromarray((p - (p - a) * deg["fade_factor"]).clip(0, 255).astype(np.uint8))
        elif op == "blur":
            img = img.filter(ImageFilter.GaussianBlur(deg["blur_radius"]))
        elif op == "downup":
            w, h = img.size
            s = deg["downup_scale"]
            small = img.resize((round(w * s), round(h * s)), Image.BILINEAR)
            img = small.resize((w, h), Image.BILINEAR)
        elif op == "noise":
            a = np.asarray(img).astype(np.float32)
            a += rnd.normal(0, deg["noise_sigma"], a.shape[:2])[..., None]
            n = int(deg["speckles_per_mpx"] * a.shape[0] * a.shape[1] / 1e6)
            ys, xs = rnd.integers(0, a.shape[0], n), rnd.integers(0, a.shape[1], n)
            for yy, xx in zip(ys, xs, strict=True):
                r = int(rnd.integers(1, 3))
                a[max(0, yy - r) : yy + r, max(0, xx - r) : xx + r] = rnd.uniform(0, 90)
            img = Image.fromarray(a.clip(0, 255).astype(np.uint8))
        elif op == "binarize":
            t = deg["threshold"]
            img = img.convert("L").point(lambda v, t=t: 255 if v > t else 0).convert("1")
        elif op == "jpeg":
            buf = io.BytesIO()
            img.convert("L" if img.mode == "1" else img.mode).save(
                buf, "JPEG", quality=deg["jpeg_quality"]
            )
            buf.seek(0)
            img = Image.open(buf)
            img.load()
    return img


# ------------------------------------------------------------------------------------------- OCR


def tesseract_lines(path: str, model: str, dpi: int) -> tuple[list[str], list[list[int]]]:
    """Run Tesseract (single thread) and return (lines, per-word confidences).

    TSV output is grouped by (block, paragraph, line) so we get exactly the text lines Tesseract
    found, in reading order.
    """
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    command = ["tesseract", path, "-", "-l", model, "--psm", "6", "--dpi", str(dpi), "tsv"]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    groups: dict[tuple[int, int, int], list[tuple[str, int]]] = {}
    for row in out.splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        key = (int(f[2]), int(f[3]), int(f[4]))
        groups.setdefault(key, []).append((f[11].strip(), round(float(f[10]))))
    keys = sorted(groups)
    return [" ".join(w for w, _ in groups[k]) for k in keys], [
        [c for _, c in groups[k]] for k in keys
    ]


def ocr_page(spec: dict, models, keep_png: str | None = None) -> dict[str, tuple]:
    """Render and degrade the page once, OCR it with each model: {model: (lines, conf, s)}."""
    img = degrade(render_page(spec), spec["degradation"], spec["paper_rgb"])
    fd, path = tempfile.mkstemp(suffix=".png", prefix="ocrpair_")
    os.close(fd)
    try:
        img.save(path, dpi=(spec["dpi"], spec["dpi"]))
        if keep_png:
            img.save(keep_png, dpi=(spec["dpi"], spec["dpi"]))
        results = {}
        for model in models:
            started = time.time()
            lines, conf = tesseract_lines(path, model, spec["dpi"])
            results[model] = (lines, conf, time.time() - started)
        return results
    finally:
        os.remove(path)


def ocr_lines(lines: list, spec: dict, model: str) -> list[str]:
    """OCR text as it would come off a scan: `lines` ((line, kind) pairs from `layout`, or plain
    strings, each then drawn as a one-line paragraph) drawn with `spec` (a `choose_render` dict
    plus "degradation": a `choose_degradation` dict), degraded, and read by Tesseract `model`."""
    drawn = [(line, "only") if isinstance(line, str) else tuple(line) for line in lines]
    return ocr_page({**spec, "lines": drawn}, [model])[model][0]


def process_page(spec: dict, models: list[str], keep_png: str | None = None) -> list[dict]:
    """Worker: render, degrade, OCR with each requested model; return the records."""
    results = ocr_page(spec, models, keep_png)
    return [make_record(spec, m, *results[m]) for m in models]


def make_record(spec: dict, model: str, lines: list[str], conf: list, seconds: float) -> dict:
    """Assemble the output object for one page and one model."""
    keys = ("paper", "paper_rgb", "ink", "line_spacing", "justify", "indent")
    render = {k: spec[k] for k in keys}
    render.update({k: spec[k] for k in ("margin_left_in", "margin_right_in", "margin_top_in")})
    render["width_px"] = text_width(spec)
    return {
        "page": spec["page"],
        "model": model,
        "domain": spec["domain"],
        "doc": spec["doc"],
        "font": spec["font"],
        "size_pt": spec["size_pt"],
        "dpi": spec["dpi"],
        "degradation": spec["degradation"],
        "render": render,
        "heading": any(k == "heading" for _, k in spec["lines"]),
        "truth": [t for t, _ in spec["lines"]],
        "ocr": lines,
        "ocr_conf": conf,
        "seconds": round(seconds, 2),
    }


# ---------------------------------------------------------------------------------------- driver


def done_models(pairs: Path) -> dict[str, set[str]]:
    """Read the output so far -> {page: {models}}; drop a torn last line left by a crash."""
    done: dict[str, set[str]] = {}
    if not pairs.exists():
        return done
    raw = pairs.read_bytes()
    if raw and not raw.endswith(b"\n"):
        pairs.write_bytes(raw[: raw.rfind(b"\n") + 1])
    with pairs.open(encoding="utf-8") as rows:
        for line in rows:
            row = json.loads(line)
            done.setdefault(row["page"], set()).add(row["model"])
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "build/ocr-pairs/pairs.jsonl")
    parser.add_argument("--example", help="also save the first processed page image here (PNG)")
    args = parser.parse_args()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    train = train_documents()
    counts = ", ".join(f"{d}={len(v)}" for d, v in train.items())
    print(f"corpus loaded in {time.time() - started:.0f}s; train docs: {counts}", flush=True)

    done = done_models(args.out)
    todo = [
        (n, [m for m in MODELS if m not in done.get(f"p{n:06d}", set())])
        for n in range(1, args.pages + 1)
    ]
    todo = [(n, models) for n, models in todo if models]
    print(f"{args.pages - len(todo)} pages already done, {len(todo)} to do", flush=True)
    run(todo, train, args.out, args.workers, args.example)
    print("finished", flush=True)


def run(todo: list, train: dict, out_path: Path, workers: int, example: str | None) -> None:
    """OCR the pages in worker processes, a small queue ahead, appending records as they finish.

    Workers are spawned, not forked, so they don't inherit the ~GB of corpus strings.
    """
    started, finished = time.time(), 0
    context = mp.get_context("spawn")
    with (
        cf.ProcessPoolExecutor(workers, mp_context=context) as pool,
        out_path.open("a", encoding="utf-8") as out,
    ):
        pending: set[cf.Future] = set()
        queue = iter(todo)

        def submit_next() -> None:
            nonlocal example
            item = next(queue, None)
            if item is not None:
                page_no, models = item
                pending.add(pool.submit(process_page, build_page(page_no, train), models, example))
                example = None

        for _ in range(workers * 2):  # one page in flight per worker, plus a spare
            submit_next()
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                pending.discard(future)
                for record in future.result():
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                finished += 1
                if finished % 20 == 0 or (not pending and finished):
                    rate = finished / ((time.time() - started) / 60)
                    print(
                        f"{time.strftime('%H:%M:%S')} pages done {finished}/{len(todo)} "
                        f"({rate:.1f} pages/min)",
                        flush=True,
                    )
                submit_next()


if __name__ == "__main__":
    main()
