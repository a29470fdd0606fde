"""
How well search answers patients, behind `make bench-search`.

Loads the demo content into a fresh database (SQLite, or PostgreSQL when
DATABASE_URL names it) and runs the query set in bench/search_queries.json
through the search page: misspellings, patients' words, quoted phrases and
plain words, each with the article that should come first or within the
first three. Reports top-1 and top-3 success, the share of queries that
found nothing, and the time of each query; writes the results into
docs/benchmarks.md between the markers for this database.

The time of the same queries on 20,000 articles is measured by
bench/archive.py, on the archive it builds.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DATA, fresh_database, log, write_report  # noqa: E402

HERE = Path(__file__).resolve().parent
#: The query set the search was tuned on, and one written afterwards by
#: someone who saw only the demo articles: its figures are the honest ones.
QUERY_SETS = {
    "Query set": HERE / "search_queries.json",
    "Held-out set": HERE / "search_queries_heldout.json",
}
#: Targets from the brief.
TOP3_TARGET = 0.90
ZERO_TARGET = 0.02


def load_queries(path=QUERY_SETS["Query set"]):
    return json.loads(path.read_text(encoding="utf-8"))


def run_queries(client, queries, *, repeats=1):
    """
    Search each query through the page; return one dict per query: the
    slugs found in order, what the page searched, and the median ms.
    """
    from django.test.utils import override_settings

    results = []
    with override_settings(CLINIC_PAGE_CACHE_SECONDS=0):
        for item in queries:
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                response = client.get("/search/", {"q": item["query"]}, secure=True)
                samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (item["query"], response.status_code)
            context = response.context
            results.append(
                {
                    **item,
                    "found": [article.slug for article in context["results"]],
                    "corrected": context["corrected"],
                    "ms": statistics.median(samples),
                }
            )
    return results


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def score(results):
    """Top-1, top-3 and zero-result shares, overall and by kind."""

    def shares(rows):
        count = len(rows)
        return {
            "queries": count,
            "top1": sum(r["found"][:1] == [r["expect"]] for r in rows) / count,
            "top3": sum(r["expect"] in r["found"][:3] for r in rows) / count,
            "zero": sum(not r["found"] for r in rows) / count,
            # Success as each query asks: first, or within the first three.
            "met": sum(r["expect"] in r["found"][: r["within"]] for r in rows) / count,
        }

    kinds = sorted({r["kind"] for r in results})
    return shares(results), {
        kind: shares([r for r in results if r["kind"] == kind]) for kind in kinds
    }


def report(name, results):
    overall, by_kind = score(results)
    times = [r["ms"] for r in results]
    lines = [
        f"{name} ({overall['queries']} queries):",
        "",
        "| Queries | Count | Top-1 | Top-3 | Found nothing | As asked (1st or top 3) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, row in [("All", overall), *by_kind.items()]:
        lines.append(
            f"| {label} | {row['queries']} | {row['top1']:.0%} | {row['top3']:.0%} "
            f"| {row['zero']:.0%} | {row['met']:.0%} |"
        )
    top3 = "met" if overall["top3"] >= TOP3_TARGET else "missed"
    zero = "met" if overall["zero"] <= ZERO_TARGET else "missed"
    lines += [
        "",
        f"Targets: top-3 ≥ {TOP3_TARGET:.0%} ({top3}), "
        f"found nothing ≤ {ZERO_TARGET:.0%} ({zero}). "
        f"Time a query (demo content): median {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 0.95):.1f} ms.",
    ]
    missed = [r for r in results if r["expect"] not in r["found"][:3]]
    if missed:
        lines += ["", "Not in the first three:", ""]
        lines += [
            f"- `{r['query']}` ({r['kind']}): expected `{r['expect']}`, got "
            + (", ".join(f"`{s}`" for s in r["found"][:3]) or "nothing")
            + (f" (searched “{r['corrected']}”)" if r["corrected"] else "")
            for r in missed
        ]
    return "\n".join(lines)


def main():
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-search-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": fresh_database(name="search"),
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_MEDIA_ROOT": str(DATA / "search-media"),
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # The client keeps each page's context.
    vendor = connection.vendor
    log(f"Loading the demo content on {vendor}")
    call_command("migrate", verbosity=0)
    call_command("load_demo", "--noinput", "--force", verbosity=0)
    client = Client()
    run_queries(client, load_queries()[:5])  # Warm up.
    parts = [
        f"Search quality on {vendor}, against the demo content "
        f"(`make bench-search`, {time.strftime('%Y-%m-%d')})."
    ]
    for name, path in QUERY_SETS.items():
        parts.append(report(name, run_queries(client, load_queries(path), repeats=3)))
    section = "\n\n".join(parts)
    write_report(f"search-{vendor}", section)
    print(section)


if __name__ == "__main__":
    main()
