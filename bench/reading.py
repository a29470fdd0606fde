"""
What the reading figures cost an article's save, behind `make bench-reading`.

Times, in this process, `readability.measure()` on a 2,000-word body made
of the demo articles' paragraphs, and the whole of what a save derives from
the body (`canonicalize()`: sanitizing, measuring, the plain text): the
first call of a process (which reads the pronunciation dictionary) and the
median of the next ones, each on a slightly different body. Writes the
figures into docs/benchmarks.md.
"""

import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import log, machine, write_report  # noqa: E402

WORDS = 2000
RUNS = 30
#: The brief's budget for the figures of a 2,000-word article.
TARGET_MS = 50


def body_of(words, variant):
    """About `words` words of the demo articles' paragraphs, as HTML."""
    from articles.demo_content import ARTICLES

    paragraphs = [
        p
        for article in ARTICLES
        for p in re.findall(r"<p>.*?</p>", article["body"], re.S)
    ]
    html, count, n = [], 0, 0
    while count < words:
        paragraph = paragraphs[n % len(paragraphs)]
        html.append(paragraph)
        count += len(re.sub(r"<[^>]+>", " ", paragraph).split())
        n += 1
    # A different last sentence each time: nothing is answered from memory.
    html.append(f"<p>This is version {variant} of the text.</p>")
    return "".join(html)


def timed(function):
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from articles import readability
    from articles.models import ArticleDraft

    bodies = [body_of(WORDS, n) for n in range(RUNS + 1)]
    first = timed(lambda: readability.measure(bodies[0]))
    words = readability.measure(bodies[0]).words
    measure = statistics.median(
        timed(lambda body=body: readability.measure(body)) for body in bodies[1:]
    )
    save = statistics.median(
        timed(ArticleDraft(title="Timing", body=body).canonicalize)
        for body in bodies[1:]
    )
    met = "yes" if measure <= TARGET_MS else "NO"
    section = "\n".join(
        [
            f"Run on {time.strftime('%Y-%m-%d')} · {machine()} · a body of "
            f"{words:,} words, medians of {RUNS} runs.",
            "",
            "| Step | Time | Target | Met |",
            "| --- | ---: | ---: | --- |",
            f"| Reading figures (`readability.measure`) | {measure:.1f} ms | "
            f"≤ {TARGET_MS} ms | {met} |",
            f"| All a save derives from the body (`canonicalize`) | {save:.1f} ms "
            "| | |",
            f"| First figures of a process (reads the dictionary) | {first:.0f} ms "
            "| | |",
        ]
    )
    write_report("reading", section)
    log(section)


if __name__ == "__main__":
    main()
