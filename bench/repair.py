"""Benchmark Vietnamese diacritic repair (`sohoa.ingest.repair.repair`) and print the figures.

    python bench/repair.py [--sentences 500] [--seed 0] [--domains legal admin news]
                           [--no-ocr] [--pyvi] [--workers 1] [--json FILE]

Measured per held-out domain on the sentences of `bench/repair_eval.py` (documents the model never
trained on), each figure printed beside its target:

1. **stripped**: every diacritic removed (`đ` → `d`, case and punctuation kept), then repaired:
   the share of truth syllables restored exactly (target ≥ 98.5 % legal and admin, ≥ 97.5 % news);
   also shown ignoring case, because pyvi re-decides capitals (its known figures below are the
   case-blind ones). A sentence pyvi raises on counts as returned unchanged.
2. **eng OCR**: the sentences set on synthetic pages (`scripts/make_ocr_pairs.py`; half clean, half
   with one light distortion) and read with Tesseract's English model, which loses or mangles
   every accent. Word error rate of the OCR and of the repaired OCR against the truth, over whole
   pages (target after ≤ 5 %).
3. **vie degraded**: the same sentences on degraded scans (blur, noise, downscale, JPEG,
   binarisation, …, as in training) read with the Vietnamese model. A *diacritic error* is an
   OCR word aligned with a truth word of the same letters but other marks: the share repair
   fixes (target ≥ 50 %), and the share of correctly read words it breaks (target ≤ 0.2 %).
4. **clean**: the truth itself repaired; the share of syllables changed (target ≤ 0.1 %).
5. **throughput**: syllables per second of `repair` on the stripped sentences in a fresh process
   with one thread (target ≥ 20,000/s), with the model's load time and the process's peak RSS;
   also per CPU second on the degraded `vie` pages, the text ingest really repairs.
6. **pyvi** (`--pyvi`): `pyvi.ViUtils.add_accents` on the same stripped sentences, as the known
   reference (about 76 % legal, 78 % admin, 67 % news at about 5,800 syllables/s).

Words are the `sohoa.archive.text.syllables` of `normalize`d text on both sides, compared case
and all; word alignment and WER are Levenshtein distances on token lists (rapidfuzz).

The OCR outputs take minutes (with `--sentences 500`, about 190 pages over the three domains,
about 6 minutes with one Tesseract at a time, `--workers 1`), so they are cached under
`build/bench-repair/`, keyed by seed, sentence count and domain, and checked against the sentences
they were made from. A rerun from the cache takes about a minute, half of it loading the corpus.
Prints figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import repair_eval
from rapidfuzz.distance import Levenshtein
from repair_eval import make_ocr_pairs

from sohoa.archive.text import fold, normalize, syllables
from sohoa.ingest.repair import repair

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "build" / "bench-repair"
CACHE_VERSION = 1  # bump when the page layout or degradation below changes
PAGE_LINES = (20, 30)  # lines a page holds at most (drawn per page); sentences are not split
ENG_PAGES = {"clean_share": 0.5, "ops": ("rotate", "blur", "downup", "jpeg"), "counts": (1,)}
VIE_PAGES = {"clean_share": 0.0}  # training's mix of 1-3 distortions, never clean
OCR_SETS = {"eng": ("eng", ENG_PAGES), "vie": ("vie", VIE_PAGES)}
TARGETS = {  # (direction, threshold)
    "stripped": {"legal": ("≥", 0.985), "admin": ("≥", 0.985), "news": ("≥", 0.975)},
    "eng_wer_after": ("≤", 0.05),
    "vie_fixed": ("≥", 0.50),
    "vie_broken": ("≤", 0.002),
    "clean_changed": ("≤", 0.001),
    "syllables_per_second": ("≥", 20_000),
}
PYVI_REFERENCE = {"legal": 0.76, "admin": 0.78, "news": 0.67, "syllables_per_second": 5_800}


# ------------------------------------------------------------------------------- words and scores


def words(text: str) -> list[str]:
    """The compared units: syllables of the normalised text (one tone placement on both sides)."""
    return syllables(normalize(text))


def align(hypothesis: list[str], truth: list[str]) -> list[str | None]:
    """For each truth word, the hypothesis word the edit-distance alignment pairs it with (None
    where the hypothesis lost it); inserted junk words pair with nothing."""
    paired: list[str | None] = [None] * len(truth)
    for op in Levenshtein.opcodes(hypothesis, truth):
        if op.tag in ("equal", "replace"):
            for i, j in zip(
                range(op.src_start, op.src_end), range(op.dest_start, op.dest_end), strict=True
            ):
                paired[j] = hypothesis[i]
    return paired


def matches(hypothesis: list[str], truth: list[str]) -> list[bool]:
    """Per truth word, whether it came out right: position by position when the counts agree
    (repairing typed text keeps the words), else through `align`."""
    if len(hypothesis) != len(truth):
        hypothesis = align(hypothesis, truth)
    return [h == t for h, t in zip(hypothesis, truth, strict=True)]


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def restored(outputs: list[str], truths: list[str]) -> dict:
    """Share of truth syllables the outputs got exactly right, and ignoring case."""
    right = right_any_case = total = 0
    for output, truth in zip(outputs, truths, strict=True):
        out_words, truth_words = words(output), words(truth)
        right += sum(matches(out_words, truth_words))
        lower = [w.lower() for w in out_words]
        right_any_case += sum(matches(lower, [w.lower() for w in truth_words]))
        total += len(truth_words)
    return {
        "accuracy": share(right, total),
        "accuracy_ignoring_case": share(right_any_case, total),
        "syllables": total,
    }


def word_error_rate(hypotheses: list[str], truths: list[str]) -> float | None:
    """Word-level Levenshtein distance over whole pages, pooled: Σ distance / Σ truth words."""
    errors = total = 0
    for hypothesis, truth in zip(hypotheses, truths, strict=True):
        truth_words = words(truth)
        errors += Levenshtein.distance(words(hypothesis), truth_words)
        total += len(truth_words)
    return share(errors, total)


def diacritic_repairs(ocr_pages: list[str], repaired_pages: list[str], truths: list[str]) -> dict:
    """Of the OCR words that are a truth word with wrong marks, how many repair fixes; of those
    already right, how many it breaks. Both alignments are against the truth, so a word is
    judged at the same truth position before and after."""
    errors = fixed = correct = broken = 0
    for ocr, repaired, truth in zip(ocr_pages, repaired_pages, truths, strict=True):
        truth_words = words(truth)
        before, after = align(words(ocr), truth_words), align(words(repaired), truth_words)
        for seen, now, want in zip(before, after, truth_words, strict=True):
            if seen == want:
                correct += 1
                broken += now != want
            elif seen is not None and fold(seen) == fold(want):
                errors += 1
                fixed += now == want
    return {
        "diacritic_errors": errors,
        "fixed": share(fixed, errors),
        "correct_words": correct,
        "broken": share(broken, correct),
    }


# ------------------------------------------------------------------------- repair, timed alone


def load_engine(engine: str, failures: list[str]):
    """The text → text function under test; importing pyvi loads its model.

    pyvi sometimes predicts a mark its own output table lacks (KeyError 'DDJ': a dot below on
    `đ`) and raises; such a sentence comes back unchanged and is counted in `failures`.
    """
    if engine != "pyvi":
        return repair_text
    from pyvi import ViUtils

    def add_accents(text: str) -> str:
        try:
            return ViUtils.add_accents(text)
        except KeyError:
            failures.append(text)
            return text

    return add_accents


def timed_run(engine: str, texts_by_domain: dict[str, list[str]]) -> dict:
    """Run in a `fresh_process`, so the load time and the peak RSS are the engine's own, not
    the corpus's: the outputs, and the seconds spent in the engine calls alone."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    failures: list[str] = []
    run = load_engine(engine, failures)
    run("Ke hoach so hoa")  # the first call loads the model
    load_seconds = time.perf_counter() - started
    result: dict = {"load_seconds": load_seconds, "domains": {}}
    for domain, texts in texts_by_domain.items():
        outputs, wall, cpu = [], 0.0, 0.0
        for text in texts:
            wall_started, cpu_started = time.perf_counter(), time.process_time()
            outputs.append(run(text))
            wall += time.perf_counter() - wall_started
            cpu += time.process_time() - cpu_started
        result["domains"][domain] = {"outputs": outputs, "seconds": wall, "cpu_seconds": cpu}
    result["failed_calls"] = len(failures)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["rss_before_load_mb"] = rss_before
    return result


def fresh_process() -> ProcessPoolExecutor:
    """A one-worker pool whose process starts now, while this one is still small: a child's
    peak RSS (getrusage) starts at its parent's size when forked, so it must be started before
    the corpus is loaded. OpenMP and BLAS get one thread, so the engine runs on one core."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
    pool.submit(os.getpid).result()
    return pool


def speed(run: dict, texts_by_domain: dict[str, list[str]]) -> dict:
    """Syllables per second (wall and CPU) over the given domains, with load time and memory."""
    n = sum(len(words(t)) for texts in texts_by_domain.values() for t in texts)
    wall = sum(run["domains"][d]["seconds"] for d in texts_by_domain)
    cpu = sum(run["domains"][d]["cpu_seconds"] for d in texts_by_domain)
    return {
        "syllables": n,
        "seconds": wall,
        "syllables_per_second": n / wall if wall else None,
        "syllables_per_cpu_second": n / cpu if cpu else None,
        "load_seconds": run["load_seconds"],
        "peak_rss_mb": run["peak_rss_mb"],
        "rss_before_load_mb": run["rss_before_load_mb"],
        "failed_calls": run["failed_calls"],
    }


# ---------------------------------------------------------------------------------- OCR'd pages


def paginate(sentences: list[str], rng: random.Random, degradation: dict) -> list[dict]:
    """Set the sentences, one paragraph each and in order, on pages of 20-30 lines, each page
    with its own typography and distortions drawn from `rng`."""
    pages, queue = [], list(sentences)
    while queue:
        render = make_ocr_pairs.choose_render(rng)
        spec = {
            **render,
            "degradation": make_ocr_pairs.choose_degradation(rng, render, **degradation),
        }
        budget, lines, taken = rng.randint(*PAGE_LINES), [], []
        while queue:
            more = make_ocr_pairs.paragraph_lines(queue[0], render)
            if taken and len(lines) + len(more) > budget:
                break
            lines += more
            taken.append(queue.pop(0))
        pages.append({"spec": spec, "lines": lines, "sentences": taken})
    return pages


def ocr_pages(pages: list[dict], model: str, workers: int, label: str) -> list[dict]:
    """OCR every page (Tesseract runs single-threaded; `workers` at a time), with progress."""
    started = time.perf_counter()

    def one(page: dict) -> dict:
        ocr = make_ocr_pairs.ocr_lines(page["lines"], page["spec"], model)
        return {**page, "truth": [line for line, _ in page["lines"]], "ocr": ocr}

    done = []
    with ThreadPoolExecutor(workers) as pool:
        for page in pool.map(one, pages):
            done.append(page)
            if len(done) % 10 == 0 or len(done) == len(pages):
                elapsed = time.perf_counter() - started
                print(
                    f"  {label}: {len(done)}/{len(pages)} pages OCR'd, {elapsed:.0f} s", flush=True
                )
    return done


def cached_pages(domain: str, sentences: list[str], which: str, args) -> list[dict]:
    """The domain's pages OCR'd for `which` (eng or vie), from the cache when it was made from
    these very sentences, else made now and cached."""
    path = CACHE / f"seed{args.seed}-n{args.sentences}" / f"{domain}-{which}.json"
    digest = hashlib.sha256(json.dumps([CACHE_VERSION, sentences]).encode()).hexdigest()
    if path.exists():
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached["digest"] == digest:
            return cached["pages"]
    model, degradation = OCR_SETS[which]
    rng = random.Random(f"{args.seed}:{domain}:{which}")
    pages = ocr_pages(
        paginate(sentences, rng, degradation), model, args.workers, f"{domain} {which}"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"digest": digest, "pages": pages}, ensure_ascii=False), "utf-8")
    partial.replace(path)
    return pages


def ocr_figures(domain: str, sentences: list[str], args) -> dict:
    """WER of the eng pages before and after repair; diacritic fixes and WER of the vie pages."""
    figures = {}
    for which in OCR_SETS:
        pages = cached_pages(domain, sentences, which, args)
        truths = ["\n".join(p["truth"]) for p in pages]
        ocr = ["\n".join(p["ocr"]) for p in pages]
        cpu_started = time.process_time()
        repaired = [repair_text(text) for text in ocr]
        cpu = time.process_time() - cpu_started
        figures[which] = {
            "pages": len(pages),
            "pages_line_count_differs": sum(len(p["truth"]) != len(p["ocr"]) for p in pages),
            "wer_before": word_error_rate(ocr, truths),
            "wer_after": word_error_rate(repaired, truths),
            "syllables_per_cpu_second": sum(len(words(t)) for t in ocr) / cpu if cpu else None,
        }
        if which == "vie":
            figures[which].update(diacritic_repairs(ocr, repaired, truths))
    return figures


# ------------------------------------------------------------------------------------ reporting


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def pct2(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f} %"


def rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def row(name: str, value: float | None, show=pct, target: tuple | None = None, note="") -> tuple:
    """(figure, value as shown, target or note, whether the value meets the target)."""
    if target is None:
        return (name, show(value), note, "")
    direction, threshold = target
    goal = f"{direction} {show(threshold)}"
    if value is None:
        return (name, show(value), goal, "")
    met = value >= threshold if direction == "≥" else value <= threshold
    return (name, show(value), goal, "met" if met else "MISSED")


def domain_rows(domain: str, figures: dict) -> list[tuple]:
    """The rows of one domain's table, in the order of the module docstring."""
    stripped = figures["stripped"]
    rows = [
        row("stripped: syllables restored", stripped["accuracy"], pct, TARGETS["stripped"][domain]),
        row("  ignoring case", stripped["accuracy_ignoring_case"]),
    ]
    if "pyvi" in figures:
        reference = f"ref. ≈ {100 * PYVI_REFERENCE[domain]:.0f} %"
        rows.append(row("  pyvi", figures["pyvi"]["accuracy"], note=reference))
        rows.append(row("  pyvi ignoring case", figures["pyvi"]["accuracy_ignoring_case"]))
    if "eng" in figures:
        eng, vie = figures["eng"], figures["vie"]
        rows += [
            row("eng OCR: WER before repair", eng["wer_before"]),
            row("eng OCR: WER after repair", eng["wer_after"], pct, TARGETS["eng_wer_after"]),
            row(
                f"vie degraded: diacritic errors fixed (of {vie['diacritic_errors']:,})",
                vie["fixed"],
                pct,
                TARGETS["vie_fixed"],
            ),
            row(
                f"vie degraded: correct words changed (of {vie['correct_words']:,})",
                vie["broken"],
                pct2,
                TARGETS["vie_broken"],
            ),
            row("vie degraded: WER before repair", vie["wer_before"]),
            row("vie degraded: WER after repair", vie["wer_after"]),
            row(
                "vie degraded: syllables/s (per CPU second)", vie["syllables_per_cpu_second"], rate
            ),
        ]
    rows += [
        row(
            "clean: syllables changed", figures["clean"]["changed"], pct2, TARGETS["clean_changed"]
        ),
        row(
            "throughput: syllables/s",
            figures["stripped"]["syllables_per_second"],
            rate,
            TARGETS["syllables_per_second"],
        ),
    ]
    if "pyvi" in figures:
        pyvi_speed = figures["pyvi"]["syllables_per_second"]
        reference = f"ref. ≈ {PYVI_REFERENCE['syllables_per_second']:,}"
        rows.append(row("  pyvi", pyvi_speed, rate, note=reference))
    return rows


def print_domain(domain: str, figures: dict) -> None:
    """One compact table: figure, value, target, whether it is met."""
    header = f"{domain}: {figures['sentences']} sentences"
    header += f", {figures['stripped']['syllables']:,} syllables"
    if "eng" in figures:
        eng, vie = figures["eng"], figures["vie"]
        differs = eng["pages_line_count_differs"] + vie["pages_line_count_differs"]
        header += f"; {eng['pages']} eng + {vie['pages']} vie pages"
        header += f" ({differs} with an OCR line count ≠ truth)"
    print(f"\n{header}")
    rows = domain_rows(domain, figures)
    width = max(len(row[0]) for row in rows)
    for name, value, goal, met in rows:
        print(f"  {name:<{width}}  {value:>9}  {goal:<10} {met}".rstrip())


def print_speed(name: str, figures: dict) -> None:
    print(
        f"{name}: {figures['syllables_per_second']:,.0f} syllables/s over {figures['syllables']:,}"
        f" syllables ({figures['syllables_per_cpu_second']:,.0f} per CPU second), first call"
        f" (model load) {figures['load_seconds']:.2f} s, peak RSS {figures['peak_rss_mb']:.0f} MB"
        f" ({figures['rss_before_load_mb']:.0f} MB before loading)"
    )
    if figures["failed_calls"]:
        print(f"  {figures['failed_calls']} calls raised and count as the input unchanged")


# ----------------------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=500, help="per domain")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--domains", nargs="+", default=["legal", "admin", "news"])
    parser.add_argument("--no-ocr", action="store_true", help="skip the eng and vie OCR figures")
    parser.add_argument("--pyvi", action="store_true", help="also measure pyvi as the reference")
    parser.add_argument("--workers", type=int, default=1, help="Tesseract processes at a time")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    return parser.parse_args()


def stripped_figures(run: dict, domain: str, truths: list[str], stripped: list[str]) -> dict:
    """Accuracy on the stripped sentences and speed, for one engine's timed run."""
    figures = restored(run["domains"][domain]["outputs"], truths)
    figures["syllables_per_second"] = speed(run, {domain: stripped})["syllables_per_second"]
    return figures


def repair_text(text: str) -> str:
    return repair(text).text


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    pools = {engine: fresh_process() for engine in ["sohoa", "pyvi"][: 2 if args.pyvi else 1]}
    sentences = {d: repair_eval.eval_sentences(d, args.sentences, args.seed) for d in args.domains}
    counts = ", ".join(f"{d} {len(s)}" for d, s in sentences.items())
    print(f"held-out sentences drawn in {time.perf_counter() - started:.0f} s: {counts}")
    for domain, drawn in sentences.items():
        if len(drawn) < args.sentences:
            print(f"  {domain}: only {len(drawn)} held-out sentences qualify; using them all")
    stripped = {d: [fold(s) for s in drawn] for d, drawn in sentences.items()}

    runs = {}
    for engine, pool in pools.items():  # one after the other, so they don't share the CPU
        runs[engine] = pool.submit(timed_run, engine, stripped).result()
        pool.shutdown()
    sohoa_run, pyvi_run = runs["sohoa"], runs.get("pyvi")
    if not args.no_ocr:
        print(f"OCR cache: {CACHE / f'seed{args.seed}-n{args.sentences}'}", flush=True)

    report: dict = {"seed": args.seed, "sentences_requested": args.sentences, "domains": {}}
    for domain, truths in sentences.items():
        clean = restored([repair_text(s) for s in truths], truths)
        figures: dict = {
            "sentences": len(truths),
            "stripped": stripped_figures(sohoa_run, domain, truths, stripped[domain]),
            "clean": {"changed": 1 - clean["accuracy"], "syllables": clean["syllables"]},
        }
        if pyvi_run:
            figures["pyvi"] = stripped_figures(pyvi_run, domain, truths, stripped[domain])
        if not args.no_ocr:
            figures.update(ocr_figures(domain, truths, args))
        report["domains"][domain] = figures
        print_domain(domain, figures)

    print()
    report["speed"] = speed(sohoa_run, stripped)
    print_speed("sohoa repair", report["speed"])
    if pyvi_run:
        report["pyvi_speed"] = speed(pyvi_run, stripped)
        print_speed("pyvi add_accents", report["pyvi_speed"])
    report["seconds"] = time.perf_counter() - started
    print(f"bench took {report['seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
