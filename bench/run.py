"""
The benchmark behind `make bench`.

1. Builds the data set (bench/dataset.py) in a fresh database: a SQLite file
   under bench/.data, or, when DATABASE_URL names PostgreSQL, a database
   called `<name>_bench` next to it (dropped and created again).
2. Measures every public page in-process with Django's test client: median
   time over REQUESTS requests and the SQL queries of one request.
3. Serves the site with gunicorn (deploy/gunicorn.conf.py, production
   settings, DEBUG off) and drives it with wrk, alternating each page with a
   static ceiling (bench/ceiling.py) under the same gunicorn settings; then
   16 concurrent writers post comments and every acknowledged one is looked
   up in the database.
4. Writes the results into docs/benchmarks.md between the markers for this
   database, and prints them.

Run it with `make bench` (SQLite) or `DATABASE_URL=postgres://… make bench`.
"""

import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
REPORT = ROOT / "docs" / "benchmarks.md"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "5"))
WRK_CONNECTIONS = 16
WRITERS = 16
POSTS_PER_WRITER = int(os.environ.get("BENCH_POSTS_PER_WRITER", "40"))
REDIS = ("127.0.0.1", 6379)
#: Headers nginx adds in production: TLS ended there, the reader's address.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def log(message):
    print(message, flush=True)


def reachable(host, port):
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def fresh_database(keep=False, name="bench"):
    """
    Return the URL of an empty database for the benchmark (`name` tells
    one benchmark's from another's), or of the last run's database when
    `keep`.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            if not keep:
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg2

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'clinic'}_{name}"
    if keep:
        return urlunsplit(parts._replace(path=f"/{name}"))
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


def configure(keep=False):
    """Set the production-like environment; return it for the servers."""
    env = {
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": fresh_database(keep),
        "CLINIC_TRUSTED_PROXIES": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_MEDIA_ROOT": str(DATA / "media"),
        # Each process keeps its mail: the benchmark sends none anywhere.
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    if reachable(*REDIS):
        env["REDIS_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/7"
    os.environ.update(env)
    return env


@contextmanager
def count_queries():
    """
    Count the SQL statements run inside the block: `with … as count:`;
    count[1] is those that read the comments table.
    """
    from django.db import connection

    counter = [0, 0]

    def wrapper(execute, sql, params, many, context):
        counter[0] += 1
        counter[1] += '"comments_comment"' in sql
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def median_ms(samples):
    return round(statistics.median(samples) * 1000, 2)


class InProcess:
    """Pages measured through Django's test client, in this process."""

    def __init__(self):
        from django.test import Client

        self.client = Client()
        self.rows = []

    def measure(self, label, path, *, cached=False, fragments=True, record=True):
        """
        Time `path`: with the whole-page cache when `cached`, and without
        the template fragment cache too when not `fragments`.
        """
        from django.test.utils import override_settings

        with override_settings(
            CLINIC_PAGE_CACHE_SECONDS=600 if cached else 0,
            CLINIC_FRAGMENT_CACHE_SECONDS=600 if fragments else 0,
        ):
            for _ in range(3):  # Warm up (and fill the cache when on).
                response = self.client.get(path, secure=True)
            assert response.status_code == 200, (path, response.status_code)
            with count_queries() as queries:
                self.client.get(path, secure=True)
            samples = []
            for _ in range(REQUESTS):
                start = time.perf_counter()
                self.client.get(path, secure=True)
                samples.append(time.perf_counter() - start)
        row = {
            "page": label,
            "path": path,
            "median_ms": median_ms(samples),
            "queries": queries[0],
            "comment_queries": queries[1],
            "bytes": len(response.content),
        }
        if record:
            self.rows.append(row)
        return row

    def measure_comment_posts(self, slug):
        """POST the comment form REQUESTS times, each from its own reader."""
        from django.test import Client

        client = Client()
        samples, statuses, queries = [], set(), None
        for n in range(REQUESTS):
            data = comment_form(slug, marker=f"inproc-{n}")
            headers = {"X-Forwarded-For": reader_address(n)}
            start = time.perf_counter()
            if n == 0:
                with count_queries() as captured:
                    response = client.post(
                        f"/articles/{slug}/comments/",
                        data,
                        secure=True,
                        headers=headers,
                    )
                queries = captured[0]
            else:
                response = client.post(
                    f"/articles/{slug}/comments/", data, secure=True, headers=headers
                )
            samples.append(time.perf_counter() - start)
            statuses.add(response.status_code)
            client.cookies.clear()
        assert statuses == {302}, statuses
        self.rows.append(
            {
                "page": "comment POST",
                "path": f"/articles/{slug}/comments/",
                "median_ms": median_ms(samples),
                "queries": queries,
                "bytes": 0,
            }
        )


def reader_address(n):
    """Return the n-th reader's own IP address (10.0.0.1, 10.0.0.2, …)."""
    n += 1
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def comment_form(slug, *, marker):
    """Return the fields a reader's browser sends, with a form shown 60 s ago."""
    from django.core import signing

    from articles.models import Article
    from comments.forms import TIMESTAMP_SALT

    pk = Article.objects.only("pk").get(slug=slug).pk
    token = signing.dumps({"a": pk, "t": int(time.time()) - 60}, salt=TIMESTAMP_SALT)
    return {
        "body": f"Thank you for the clear explanation. [{marker}]",
        "author_name": f"Reader {marker}",
        "author_email": f"{marker}@readers.example",
        "author_url": "",
        "token": token,
        "homepage": "",
    }


def search_plan(word):
    """Return PostgreSQL's EXPLAIN ANALYZE of the search page's query."""
    from django.db import connection

    from articles.models import Article

    if connection.vendor != "postgresql":
        return ""
    queryset = Article.objects.published().for_listing().search(word)[:10]
    return queryset.explain(analyze=True)


# Served figures ------------------------------------------------------------


@contextmanager
def gunicorn(app, env, **extra):
    """Run gunicorn with the production config until the block ends; yield
    its base URL."""
    from tests.servers import Gunicorn

    server = Gunicorn({**os.environ, **env, **extra}, app=app)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def wrk(url):
    """Run wrk against `url`; return requests per second and median latency."""
    headers = []
    for name, value in PROXY_HEADERS.items():
        headers += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{WRK_CONNECTIONS}",
            f"-d{WRK_SECONDS}s",
            "--latency",
            *headers,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url} answered {errors.group(1)} errors:\n{output}")
    latency = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    factor = {"us": 0.001, "ms": 1, "s": 1000}[latency.group(2)]
    return rps, float(latency.group(1)) * factor


def fetch(url):
    request = urllib.request.Request(url, headers=PROXY_HEADERS)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def post_comments(base, slug):
    """
    16 writers post POSTS_PER_WRITER comments each, every one with a unique
    marker; return what the server acknowledged and what the database holds.
    """
    import http.client
    from urllib.parse import urlencode

    from comments.models import Comment

    port = urlsplit(base).port
    results = {"acknowledged": [], "refused": [], "server_errors": 0}
    lock = threading.Lock()
    forms = [
        [
            comment_form(slug, marker=f"served-{writer}-{n}")
            for n in range(POSTS_PER_WRITER)
        ]
        for writer in range(WRITERS)
    ]

    def writer(number):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n, form in enumerate(forms[number]):
            address = reader_address(1000 + number * POSTS_PER_WRITER + n)
            connection.request(
                "POST",
                f"/articles/{slug}/comments/",
                body=urlencode(form),
                headers={
                    **PROXY_HEADERS,
                    "X-Forwarded-For": address,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            response = connection.getresponse()
            response.read()
            marker = form["author_email"].split("@")[0]
            with lock:
                if response.status == 302:
                    results["acknowledged"].append(marker)
                else:
                    results["refused"].append(marker)
                    if response.status >= 500:
                        results["server_errors"] += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    start = time.perf_counter()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    stored = {}
    for email in Comment.objects.filter(author_email__startswith="served-").values_list(
        "author_email", flat=True
    ):
        marker = email.split("@")[0]
        stored[marker] = stored.get(marker, 0) + 1
    acknowledged = results["acknowledged"]
    return {
        "posted": WRITERS * POSTS_PER_WRITER,
        "acknowledged": len(acknowledged),
        "stored_once": sum(1 for m in acknowledged if stored.get(m) == 1),
        "stored_twice_or_more": sum(1 for count in stored.values() if count > 1),
        "lost": sum(1 for m in acknowledged if m not in stored),
        "refused_but_stored": sum(1 for m in results["refused"] if m in stored),
        "server_errors": results["server_errors"],
        "per_second": round(len(acknowledged) / elapsed, 1),
    }


def served(env, slugs, search_word):
    """Alternate wrk runs of our pages with the static ceiling."""
    page = f"/articles/{slugs['article_60']}/"
    with (
        gunicorn("clinic.wsgi", env) as cached,
        gunicorn("clinic.wsgi", env, CLINIC_PAGE_CACHE_SECONDS="0") as uncached,
        gunicorn(
            "clinic.wsgi",
            env,
            CLINIC_PAGE_CACHE_SECONDS="0",
            CLINIC_FRAGMENT_CACHE_SECONDS="0",
        ) as cold,
    ):
        body = fetch(cached + page)
        ceiling_file = DATA / "ceiling.html"
        ceiling_file.write_bytes(body)
        with gunicorn(
            "bench.ceiling:app",
            env,
            BENCH_CEILING_FILE=str(ceiling_file),
        ) as ceiling:
            scenarios = [
                ("article, cached (anonymous)", cached + page),
                ("article, page cache off (60 comments)", uncached + page),
                ("article, nothing cached (60 comments)", cold + page),
                ("/hub/, page cache off (50,000 backlinks)", uncached + "/hub/"),
                ("search, body-only word", cached + f"/search/?q={search_word}"),
            ]
            for _, url in scenarios:  # Warm every worker and the page cache.
                for _ in range(4):
                    fetch(url)
            runs = {label: {"ours": [], "ceiling": []} for label, _ in scenarios}
            for round_number in range(ROUNDS):
                for label, url in scenarios:
                    log(f"  round {round_number + 1}: {label}")
                    runs[label]["ours"].append(wrk(url))
                    runs[label]["ceiling"].append(wrk(ceiling + "/"))
            rows = []
            for label, _ in scenarios:
                ours = runs[label]["ours"]
                roof = runs[label]["ceiling"]
                ours_rps = statistics.median(r for r, _ in ours)
                roof_rps = statistics.median(r for r, _ in roof)
                rows.append(
                    {
                        "page": label,
                        "rps": round(ours_rps, 1),
                        "p50_ms": round(statistics.median(ms for _, ms in ours), 2),
                        "ceiling_rps": round(roof_rps, 1),
                        "ratio": round(ours_rps / roof_rps, 4),
                        "runs": [round(r, 1) for r, _ in ours],
                        "ceiling_runs": [round(r, 1) for r, _ in roof],
                    }
                )
        posts = post_comments(cached, slugs["article_post"])
    return rows, posts


# The run ---------------------------------------------------------------------


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is needed for the served figures: apt-get install wrk")
    started = time.perf_counter()
    DATA.mkdir(parents=True, exist_ok=True)
    env = configure()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.dataset import BODY_ONLY_WORD, DataSet

    vendor = connection.vendor
    log(f"Database: {vendor}; cache: {'Redis' if 'REDIS_URL' in env else 'local'}")
    if "REDIS_URL" in env:
        from django.core.cache import cache

        cache.clear()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    log("Building the data set")
    build_start = time.perf_counter()
    data = DataSet()
    data.add_articles(10)
    build_seconds = time.perf_counter() - build_start
    inproc = InProcess()
    list_10 = inproc.measure("list (10 articles)", "/articles/", record=False)
    build_start = time.perf_counter()
    data.add_articles(1990)
    article_60, article_600 = data.add_comment_threads()
    data.add_backlinks(500)
    build_seconds += time.perf_counter() - build_start
    hub_500 = inproc.measure("/hub/ (500 backlinks)", "/hub/", record=False)
    build_start = time.perf_counter()
    data.add_backlinks(49_500)
    build_seconds += time.perf_counter() - build_start
    if vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load in production:
        # fresh planner statistics, and the search index's pending entries
        # merged (until then PostgreSQL prefers a sequential scan).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    # Measured here, like the 500 above, so that the two differ only in the
    # number of backlinks and not in what this process did in between.
    hub_row = inproc.measure("/hub/ (50,000 backlinks)", "/hub/", record=False)
    log(f"Built in {build_seconds:.1f} s")
    slugs = {
        "article_60": article_60,
        "article_600": article_600,
        "article_post": data.articles[3].slug,
    }

    log("In-process figures")
    measure = inproc.measure
    measure("home", "/")
    measure("home, cached", "/", cached=True)
    list_2000 = measure("list (2,000 articles)", "/articles/")
    inproc.rows.append(list_10)
    measure("category", f"/categories/{data.categories[0].slug}/")
    page_60, page_600 = f"/articles/{article_60}/", f"/articles/{article_600}/"
    measure("article (60 comments)", page_60)
    measure("article (60 comments), page cached", page_60, cached=True)
    article_60_row = measure(
        "article (60 comments), nothing cached", page_60, fragments=False
    )
    measure("article (600 comments)", page_600)
    article_600_row = measure(
        "article (600 comments), nothing cached", page_600, fragments=False
    )
    search_row = measure("search, body-only word", f"/search/?q={BODY_ONLY_WORD}")
    inproc.rows += [hub_500, hub_row]
    measure("RSS feed", "/feeds/rss/")
    measure("Atom feed", "/feeds/atom/")
    measure("sitemap.xml", "/sitemap.xml")
    inproc.measure_comment_posts(slugs["article_post"])
    plan = search_plan(BODY_ONLY_WORD)

    log("Served figures (gunicorn + wrk)")
    served_rows, posts = served(env, slugs, BODY_ONLY_WORD)
    by_page = {row["page"]: row for row in served_rows}
    cached_ratio = by_page["article, cached (anonymous)"]["ratio"]
    uncached_ratio = by_page["article, page cache off (60 comments)"]["ratio"]
    targets = [
        (
            "cached article ≥ 50% of the ceiling",
            f"{cached_ratio:.0%}",
            cached_ratio >= 0.5,
        ),
        (
            "60-comment article, page cache off, ≥ 5% of the ceiling",
            f"{uncached_ratio:.1%}",
            uncached_ratio >= 0.05,
        ),
        (
            "600 comments ≤ 1.5× the time of 60 (nothing cached)",
            f"{article_600_row['median_ms'] / article_60_row['median_ms']:.2f}×",
            article_600_row["median_ms"] <= 1.5 * article_60_row["median_ms"],
        ),
        (
            # All of them differ by what else the two pages show (more than
            # 20 articles link to one: the rest are counted).
            "same queries of comments for 60 and 600 comments (nothing cached)",
            f"{article_60_row['comment_queries']} and "
            f"{article_600_row['comment_queries']}",
            article_60_row["comment_queries"] == article_600_row["comment_queries"],
        ),
        (
            "same queries for a list of 10 and of 2,000",
            f"{list_10['queries']} and {list_2000['queries']}",
            list_10["queries"] == list_2000["queries"],
        ),
        (
            "search median < 20 ms (PostgreSQL)",
            f"{search_row['median_ms']} ms",
            search_row["median_ms"] < 20,
        ),
        (
            "/hub/ with 50,000 backlinks ≤ 1.5× the time with 500",
            f"{hub_row['median_ms'] / hub_500['median_ms']:.2f}×",
            hub_row["median_ms"] <= 1.5 * hub_500["median_ms"],
        ),
        (
            "every acknowledged comment stored once, no 5xx",
            f"{posts['stored_once']}/{posts['acknowledged']}, "
            f"{posts['server_errors']} 5xx",
            posts["stored_once"] == posts["acknowledged"]
            and not posts["server_errors"]
            and not posts["refused_but_stored"],
        ),
    ]
    results = {
        "database": vendor,
        "cache": "Redis" if "REDIS_URL" in env else "local memory",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "build_seconds": round(build_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "requests": REQUESTS,
        "in_process": inproc.rows,
        "served": served_rows,
        "comment_posts": posts,
        "targets": [
            {"target": t, "measured": m, "met": bool(ok)} for t, m, ok in targets
        ],
        "search_plan": plan,
    }
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / f"results-{vendor}.json").write_text(json.dumps(results, indent=2))
    section = render(results)
    write_report(vendor, section)
    log(section)
    if not all(ok for _, _, ok in targets):
        log("Some targets were missed: see above.")


def machine():
    cpus = os.cpu_count()
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpus} cores{memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {loop_speed()}"
    )


def loop_speed():
    """
    How fast this machine runs plain Python, as the time of a fixed loop:
    machines of the same size differ, and the figures of two runs compare
    only as their loops do.
    """
    best = None
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for n in range(5_000_000):
            total += n
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return f"a 5,000,000-step Python loop in {best * 1000:.0f} ms"


def render(results):
    lines = [
        f"Run on {results['date']} · {results['machine']} · "
        f"cache: {results['cache']} · data set built in "
        f"{results['build_seconds']} s · whole run {results['total_seconds']} s.",
        "",
        "| Target | Measured | Met |",
        "| --- | --- | --- |",
    ]
    for row in results["targets"]:
        lines.append(
            f"| {row['target']} | {row['measured']} | {'yes' if row['met'] else 'NO'} |"
        )
    lines += [
        "",
        f"In-process (Django test client, median of {results['requests']} requests):",
        "",
        "| Page | Median ms | SQL queries | Bytes |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in results["in_process"]:
        lines.append(
            f"| {row['page']} | {row['median_ms']} | {row['queries']} "
            f"| {row['bytes']} |"
        )
    lines += [
        "",
        f"Served (gunicorn, 2 sync workers; wrk, {WRK_CONNECTIONS} connections, "
        f"{WRK_SECONDS} s per run, {ROUNDS} alternating runs each; medians):",
        "",
        "| Page | Requests/s | p50 ms | Ceiling requests/s | Share of ceiling |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in results["served"]:
        lines.append(
            f"| {row['page']} | {row['rps']} | {row['p50_ms']} | "
            f"{row['ceiling_rps']} | {row['ratio']:.1%} |"
        )
    posts = results["comment_posts"]
    lines += [
        "",
        f"Comment POSTs, {WRITERS} concurrent writers: {posts['posted']} sent, "
        f"{posts['acknowledged']} acknowledged, {posts['stored_once']} stored "
        f"exactly once, {posts['stored_twice_or_more']} stored twice, "
        f"{posts['lost']} lost, {posts['refused_but_stored']} refused but stored, "
        f"{posts['server_errors']} answered 5xx; {posts['per_second']} comments/s.",
    ]
    if results["search_plan"]:
        lines += [
            "",
            "Search query plan (`EXPLAIN ANALYZE`):",
            "",
            "```",
            results["search_plan"],
            "```",
        ]
    return "\n".join(lines)


def write_report(vendor, section):
    """Replace this database's section of docs/benchmarks.md."""
    start, end = f"<!-- results:{vendor} -->", f"<!-- /results:{vendor} -->"
    text = REPORT.read_text()
    if start not in text:
        text += f"\n{start}\n{end}\n"
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    REPORT.write_text(f"{before}{start}\n{section}\n{end}{after}")


if __name__ == "__main__":
    main()
