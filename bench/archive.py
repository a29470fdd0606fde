"""
The large-archive benchmark behind `make bench-archive`.

1. Builds a large clinic archive from a fixed seed in a fresh database (as
   bench/run.py makes one): ARTICLES published articles of 1,200-1,800
   words with tags and internal and outside links (about seven links an
   article; one article linked from 40% of the others), ten comments an
   article on average (one article with 60 in 20 threads) and five
   backlinks an article from 5,000 sites. Articles go in through
   `create_articles` and `sync_links`, the writers the import uses.
2. Measures, in-process with the page and fragment caches off (the state
   of every page right after an invalidation), the median time, queries
   and size of the pages the archive makes slow: article pages, the
   sitemap, search (two words, and p50/p95 over the search benchmark's
   query sets), list pages (first and deep), the admin lists and the
   hub dashboard; and the time of `rebuild_links`.
3. Writes the results into docs/benchmarks.md between the markers for this
   database, and prints them.

`DATABASE_URL=postgres://… make bench-archive` measures 20,000 articles;
without it (SQLite) the archive has 2,000. `ARGS="--articles N"` chooses.
"""

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_REQUESTS", "20")

from bench.run import (  # noqa: E402
    InProcess,
    configure,
    count_queries,
    log,
    machine,
    write_report,
)
from bench.search import percentile  # noqa: E402

SEED = 20261129
CHUNK = 500
#: Target (ms) of each measured page at 20,000 articles, from the brief.
TARGETS = {
    "article, 60 comments": 20,
    "article, typical": 30,
    "article, much-linked": 30,
    "sitemap index": 300,
    "sitemap section": 300,
    "search, common word": 50,
    "search, rare word": 50,
    "list, first page": 50,
    "list, deep page": 50,
    "admin: articles": 200,
    "admin: comments": 200,
    "admin: backlinks": 200,
    "admin: links": 200,
    "admin: hub dashboard": 200,
    "admin: home": 200,
}


#: What every chunk of the build shares, set before the workers start.
SHARED = {}


def build(articles):
    """
    Fill the database; return the seconds it took. Each chunk of CHUNK
    articles (with their comments) comes from its own seeded generator, so
    the archive is the same whether one process writes it or, on
    PostgreSQL, two do at once.
    """
    import multiprocessing

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from articles.hub.models import Backlink
    from articles.hub.services.links import sync_links
    from articles.models import Article, Category, Person, Tag
    from bench.dataset import CATEGORIES, TOPICS

    started = time.perf_counter()
    SHARED.update(
        articles=articles,
        now=timezone.now(),
        categories=Category.objects.bulk_create(
            Category(name=name, slug=name.lower().replace(" ", "-"))
            for name in CATEGORIES
        ),
        tags=Tag.objects.bulk_create(
            Tag(name=topic.capitalize(), slug=topic.replace(" ", "-"))
            for topic in TOPICS
        ),
        people=Person.objects.bulk_create(
            Person(name=f"Dr. Example {n}", slug=f"example-{n}", credentials="MD")
            for n in range(6)
        ),
    )
    chunks = range(0, articles, CHUNK)
    workers = min(2, os.cpu_count() or 1) if connection.vendor == "postgresql" else 1
    if workers > 1:
        connection.close()  # Each worker opens its own.
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            done = 0
            for written in pool.imap_unordered(write_chunk, chunks):
                done += written
                log(f"  {done:,} articles ({time.perf_counter() - started:.0f} s)")
    else:
        for start in chunks:
            write_chunk(start)
            done = min(start + CHUNK, articles)
            log(f"  {done:,} articles ({time.perf_counter() - started:.0f} s)")
    # A link to an article the other worker had not written yet is read
    # again now that every article exists.
    pending = Article.objects.filter(
        outbound_links__is_internal=True, outbound_links__target_article__isnull=True
    ).distinct()
    sync_links(pending)
    log(f"  links ({time.perf_counter() - started:.0f} s)")
    rng = random.Random(SEED)
    # In the articles' order, not their ids' (two writers interleave them).
    ids = list(Article.objects.order_by("slug").values_list("pk", flat=True))
    now = SHARED["now"]
    Backlink.objects.bulk_create(
        (
            Backlink(
                source_url=f"https://site{n % 5000}.example.com/post-{n}",
                target_article_id=rng.choice(ids),
                referring_domain=f"site{n % 5000}.example.com",
                anchor_text="a helpful guide",
                status=Backlink.Status.VERIFIED,
                is_approved=True,
                via=Backlink.Via.CSV,
                first_seen_at=now - timedelta(days=n % 90),
                last_seen_at=now - timedelta(days=n % 30),
            )
            for n in range(articles * 5)
        ),
        batch_size=5000,
    )
    log(f"  {articles * 5:,} backlinks ({time.perf_counter() - started:.0f} s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    get_user_model().objects.create_superuser("bench-admin", "", None)
    return time.perf_counter() - started


def slug(n):
    return f"article-{n:05d}"


def write_chunk(start):
    """
    Write the articles from number `start` on (CHUNK of them, fewer at the
    end) with their comments: ten an article on average, spread at random,
    except that article 1 has exactly 60 (20 threads of a comment and two
    replies) and article 0, the much-linked one, none. Return how many
    articles were written.
    """
    from django.db import transaction

    from articles.hub.services.links import sync_links
    from articles.models import Article
    from articles.services import create_articles
    from bench.dataset import BODY_ONLY_WORD, TOPICS, VOCABULARY
    from comments.models import Comment, body_to_html

    rng = random.Random(SEED * 100_000 + start)
    now, articles = SHARED["now"], SHARED["articles"]
    categories, tags, people = SHARED["categories"], SHARED["tags"], SHARED["people"]

    def paragraph(words):
        text = " ".join(rng.choices(VOCABULARY, k=words))
        return text[0].upper() + text[1:] + "."

    def body(n):
        parts, written, target = [], 0, rng.randint(1200, 1800)
        while written < target:
            if written == 0 or rng.random() < 0.15:
                parts.append(f"<h2>{' '.join(rng.sample(VOCABULARY, 3))}</h2>")
            words = rng.randint(70, 130)
            text = paragraph(words)
            if written == 0 and n % 40 == 0:
                text += f" {BODY_ONLY_WORD}."
            if n and rng.random() < 0.22:
                linked = slug(rng.randrange(n))
                text += f' Read <a href="/articles/{linked}/">our guide</a>.'
            if rng.random() < 0.12:
                text += (
                    f' See <a href="https://health.example.org/page-'
                    f'{rng.randint(1, 2000)}">an outside source</a>.'
                )
            parts.append(f"<p>{text}</p>")
            written += words
        if n and rng.random() < 0.4:
            parts.append(
                f'<p>Start with <a href="/articles/{slug(0)}/">the basics</a>.</p>'
            )
        return "\n".join(parts)

    numbers = range(start, min(start + CHUNK, articles))
    chunk = []
    for n in numbers:
        published = now - timedelta(hours=n * 2 + 1)
        chunk.append(
            Article(
                title=f"{TOPICS[n % len(TOPICS)].capitalize()} guide {n}",
                slug=slug(n),
                summary=f"A plain-language guide to {TOPICS[n % len(TOPICS)]}.",
                body=body(n),
                category=categories[n % len(categories)],
                author=people[n % len(people)],
                status=Article.Status.PUBLISHED,
                published_at=published,
                revised_at=published,
            )
        )

    def comment(article, n, **tree):
        text = paragraph(rng.randint(15, 60))
        return Comment(
            article=article,
            author_name=f"Reader {n}",
            author_email=f"reader{n}@example.net",
            body=text,
            body_html=body_to_html(text),
            status=Comment.Status.APPROVED,
            created_at=now - timedelta(minutes=n),
            moderated_at=now,
            **tree,
        )

    with transaction.atomic():
        create_articles(
            articles=chunk,
            tags=[rng.sample(tags, 3) for _ in chunk],
            comment="Archive benchmark",
            signed_off_by=people[(start // CHUNK) % len(people)],
        )
        sync_links(chunk)
        first = start * 10
        if start == 0:
            # 20 threads of a comment and two replies under article 1.
            roots = Comment.objects.bulk_create(comment(chunk[1], n) for n in range(20))
            Comment.objects.bulk_create(
                comment(chunk[1], 100 + n, parent=root, root=root, depth=2)
                for n, root in enumerate(roots)
                for _ in range(2)
            )
            first += 60
        others = [a for a in chunk if a.slug not in (slug(0), slug(1))]
        count = (start + len(chunk)) * 10 - first
        roots = Comment.objects.bulk_create(
            comment(rng.choice(others), first + n) for n in range(count * 2 // 3)
        )
        Comment.objects.bulk_create(
            comment(root.article, first + n, parent=root, root=root, depth=2)
            for n, root in enumerate(rng.sample(roots, count - len(roots)), len(roots))
        )
    return len(chunk)


def query_set_times(client):
    """
    Search each query of the search benchmark's sets (patients' words,
    misspellings, phrases) on the archive, page and fragment caches off;
    return the median ms of each, and the most queries one search made.
    """
    from django.test.utils import override_settings

    from bench.search import QUERY_SETS, load_queries

    texts = [
        item["query"] for path in QUERY_SETS.values() for item in load_queries(path)
    ]
    times, most = [], 0
    with override_settings(
        CLINIC_PAGE_CACHE_SECONDS=0, CLINIC_FRAGMENT_CACHE_SECONDS=0
    ):
        for text in texts:
            client.get("/search/", {"q": text}, secure=True)  # Warm up.
            with count_queries() as queries:
                client.get("/search/", {"q": text}, secure=True)
            most = max(most, queries[0])
            samples = []
            for _ in range(3):
                started = time.perf_counter()
                client.get("/search/", {"q": text}, secure=True)
                samples.append((time.perf_counter() - started) * 1000)
            times.append(statistics.median(samples))
    return times, most


def sitemap_peak_mb(client, path):
    """Peak Python memory (MB) while one sitemap page is built."""
    tracemalloc.start()
    client.get(path, secure=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="measure the archive the last run built, without building it again",
    )
    args = parser.parse_args()
    env = configure(keep=args.keep)
    vendor = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    articles = args.articles or (20_000 if vendor == "postgresql" else 2_000)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from articles.hub.models import Link

    cache.clear()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    if args.keep:
        from articles.models import Article

        articles = Article.objects.count()
        build_seconds = 0
        log(f"Measuring the {articles:,} articles already built on {vendor}")
    else:
        log(f"Building {articles:,} articles on {vendor}")
        build_seconds = build(articles)
    inproc = InProcess()
    deep = max(1, articles // 12 * 3 // 10)
    section = "/sitemap-articles.xml" + ("?p=2" if articles > 5000 else "")
    pages = [
        ("article, 60 comments", "/articles/article-00001/"),
        ("article, typical", f"/articles/article-{articles // 2:05d}/"),
        ("article, much-linked", "/articles/article-00000/"),
        ("sitemap index", "/sitemap.xml"),
        ("sitemap section", section),
        ("search, common word", "/search/?q=patients"),
        ("search, rare word", "/search/?q=zygapophyseal"),
        ("list, first page", "/articles/"),
        ("list, deep page", f"/articles/?page={deep}"),
    ]
    rows = [inproc.measure(label, path, fragments=False) for label, path in pages]
    search_times, search_queries = query_set_times(inproc.client)
    from django.contrib.auth import get_user_model

    inproc.client.force_login(get_user_model().objects.get(username="bench-admin"))
    admin = [
        ("admin: articles", "/admin/articles/article/"),
        ("admin: comments", "/admin/comments/comment/"),
        ("admin: backlinks", "/admin/hub/backlink/"),
        ("admin: links", "/admin/hub/link/"),
        ("admin: hub dashboard", "/admin/hub/backlink/dashboard/"),
        ("admin: home", "/admin/"),
    ]
    rows += [inproc.measure(label, path, fragments=False) for label, path in admin]
    with override_settings(CLINIC_PAGE_CACHE_SECONDS=0):
        peak = sitemap_peak_mb(inproc.client, section)
    started = time.perf_counter()
    with count_queries() as queries, open(os.devnull, "w") as quiet:
        call_command("rebuild_links", stdout=quiet)
    rebuild = time.perf_counter() - started
    links = Link.objects.count()
    scale = articles / 20_000
    yes = {True: "yes", False: "NO"}
    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()} · {vendor} · "
        f"{articles:,} articles, {articles * 10:,} comments, {articles * 5:,} "
        f"backlinks, {links:,} links · built in {build_seconds:.0f} s · caches off, "
        "medians in-process.",
        "",
        "| Page | Median | Queries | Size | Target | Met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        target = TARGETS[row["page"]]
        lines.append(
            f"| {row['page']} (`{row['path']}`) | {row['median_ms']} ms | "
            f"{row['queries']} | {row['bytes'] / 1024:.0f} KB | ≤ {target} ms | "
            f"{yes[row['median_ms'] <= target]} |"
        )
    p50, p95 = percentile(search_times, 0.5), percentile(search_times, 0.95)
    lines += [
        f"| search, the {len(search_times)} queries of bench/search_queries*.json: "
        f"p50 / p95 | {p50:.1f} / {p95:.1f} ms | ≤ {search_queries} | | "
        f"≤ 50 ms (p95) | {yes[p95 <= 50]} |",
        f"| sitemap section, peak memory | {peak:.1f} MB | | | ≤ 100 MB | "
        f"{yes[peak <= 100]} |",
        f"| `rebuild_links` | {rebuild:.1f} s | {queries[0]:,} | | "
        f"≤ {60 * scale:.0f} s | {yes[rebuild <= 60 * scale]} |",
    ]
    section = "\n".join(lines)
    if not args.keep:  # A kept archive's figures are for trying changes.
        write_report(f"archive-{vendor}", section)
    print(section)
    connection.close()


if __name__ == "__main__":
    main()
