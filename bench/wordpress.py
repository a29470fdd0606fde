"""
The WordPress import benchmark behind `make bench-wordpress`.

1. Writes a WordPress export (WXR 1.2) from a fixed seed, item by item:
   POSTS posts (half classic-editor text, half block-editor), each with
   links to an earlier and a later post, an outbound link, a list and a
   heading, two categories and three tags, and COMMENTS comments in
   threads (approved, pending and spam). At the default size the file is
   about 70 MB; `--scale 10` writes ten times the posts and comments
   (about 700 MB).
2. Imports it into a fresh database (as bench/run.py makes one) with
   `manage.py import_wordpress --reviewed-by`, in a child process, twice:
   the second run must change nothing. Each run's wall time and the child's
   peak resident memory (`wait4`'s ru_maxrss) are recorded.
3. Writes the results into docs/benchmarks.md between the markers for this
   database and scale, and prints them.

Run it with `make bench-wordpress` (SQLite) or
`DATABASE_URL=postgres://… make bench-wordpress`; pass `ARGS="--scale 10"`
for the large file.
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DATA, configure, machine, write_report  # noqa: E402
from bench.vocabulary import VOCABULARY as WORDS  # noqa: E402

SEED = 20261129
POSTS = 5_000
COMMENTS = 10
OLD = "https://oldclinic.example"
CATEGORIES = ("spine", "joints", "pain", "sport", "bones", "nerves", "rehab", "scans")
TAGS = tuple(f"topic-{n}" for n in range(40))
AUTHORS = ("maria", "tom", "lena", "omar", "grace")
TARGETS = {
    "time_seconds": 90,
    "rerun_seconds": 15,
    "memory_mb": 150,
}


def sentence(rng, low, high):
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def slug_of(n):
    return f"condition-guide-{n}"


def body(rng, n, posts):
    """About 8 KB of text: classic for even posts, block editor for odd."""
    earlier = rng.randrange(n) if n else posts - 1
    later = rng.randrange(n + 1, posts) if n + 1 < posts else 0
    paragraphs = [" ".join(sentence(rng, 8, 16) for _ in range(5)) for _ in range(12)]
    paragraphs[2] += (
        f' See <a href="{OLD}/2024/03/{slug_of(earlier)}/">an earlier guide</a>.'
    )
    paragraphs[5] += f' Read <a href="{OLD}/?p={100 + later}">the next guide</a>.'
    paragraphs[8] += (
        ' More at <a href="https://nhs.example/advice">the health service</a>.'
    )
    items = "".join(f"<li>{sentence(rng, 3, 6)}</li>" for _ in range(4))
    if n % 2 == 0:
        return (
            "\n\n".join(paragraphs[:6])
            + f"\n<h3>What recovery involves</h3>\n<ul>\n{items}\n</ul>\n"
            + "\n\n".join(paragraphs[6:])
        )
    blocks = [
        f"<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->" for p in paragraphs
    ]
    blocks.insert(
        6,
        '<!-- wp:heading {"level":3} -->\n<h3>What recovery involves</h3>\n'
        "<!-- /wp:heading -->\n<!-- wp:list -->\n"
        f"<ul>{items}</ul>\n<!-- /wp:list -->",
    )
    return "\n\n".join(blocks)


def comments(rng, n, per_post, first_id):
    out = []
    for k in range(per_post):
        cid = first_id + k
        parent = first_id + rng.randrange(k) if k and rng.random() < 0.4 else 0
        status = rng.choices(("1", "0", "spam"), weights=(85, 10, 5))[0]
        text = " ".join(sentence(rng, 8, 14) for _ in range(4))
        day = datetime(2024, 4, 1, tzinfo=UTC) + timedelta(minutes=n * 37 + k)
        out.append(
            "<wp:comment>"
            f"<wp:comment_id>{cid}</wp:comment_id>"
            f"<wp:comment_author><![CDATA[Reader {cid}]]></wp:comment_author>"
            f"<wp:comment_author_email>reader{cid}@mail.example</wp:comment_author_email>"
            "<wp:comment_author_url></wp:comment_author_url>"
            f"<wp:comment_author_IP>198.51.{cid % 250}.{k + 1}</wp:comment_author_IP>"
            f"<wp:comment_date_gmt>{day:%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
            f"<wp:comment_content><![CDATA[{text}]]></wp:comment_content>"
            f"<wp:comment_approved>{status}</wp:comment_approved>"
            "<wp:comment_type>comment</wp:comment_type>"
            f"<wp:comment_parent>{parent}</wp:comment_parent>"
            "</wp:comment>"
        )
    return "\n".join(out)


def write_export(path, posts, per_post):
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            f"<title>Old clinic</title><link>{OLD}</link>"
            f"<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>{OLD}</wp:base_site_url>\n"
        )
        for login in AUTHORS:
            out.write(
                f"<wp:author><wp:author_login>{login}</wp:author_login>"
                f"<wp:author_email>{login}@oldclinic.example</wp:author_email>"
                f"<wp:author_display_name><![CDATA[{login.title()} Writer]]>"
                "</wp:author_display_name></wp:author>\n"
            )
        for name in CATEGORIES:
            out.write(
                f"<wp:category><wp:category_nicename>{name}</wp:category_nicename>"
                "<wp:category_parent></wp:category_parent>"
                f"<wp:cat_name><![CDATA[{name.title()}]]></wp:cat_name></wp:category>\n"
            )
        for name in TAGS:
            out.write(
                f"<wp:tag><wp:tag_slug>{name}</wp:tag_slug>"
                f"<wp:tag_name><![CDATA[{name.replace('-', ' ').title()}]]>"
                "</wp:tag_name></wp:tag>\n"
            )
        for n in range(posts):
            terms = "".join(
                f'<category domain="{domain}" nicename="{term}">'
                f"<![CDATA[{term.title()}]]></category>"
                for domain, term in [
                    *(("category", c) for c in rng.sample(CATEGORIES, 2)),
                    *(("post_tag", t) for t in rng.sample(TAGS, 3)),
                ]
            )
            date = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=n * 7)
            out.write(
                "<item>"
                f"<title>Condition guide {n}</title>"
                f"<link>{OLD}/2024/03/{slug_of(n)}/</link>"
                f"<dc:creator><![CDATA[{AUTHORS[n % len(AUTHORS)]}]]></dc:creator>"
                f"<content:encoded><![CDATA[{body(rng, n, posts)}]]></content:encoded>"
                "<excerpt:encoded><![CDATA[]]></excerpt:encoded>"
                f"<wp:post_id>{100 + n}</wp:post_id>"
                f"<wp:post_date_gmt>{date:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>"
                "<wp:comment_status>open</wp:comment_status>"
                f"<wp:post_name>{slug_of(n)}</wp:post_name>"
                f"<wp:status>{'draft' if n % 50 == 7 else 'publish'}</wp:status>"
                "<wp:post_type>post</wp:post_type><wp:post_password></wp:post_password>"
                f"<wp:is_sticky>0</wp:is_sticky>{terms}"
                f"{comments(rng, n, per_post, 1 + n * per_post)}</item>\n"
            )
        out.write("</channel>\n</rss>\n")


def child_env(env):
    return {**os.environ, **env, "PYTHONPATH": str(ROOT)}


def manage(env, *args):
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=child_env(env),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def timed_import(env, path):
    """Import `path` in a child; return (seconds, peak MB, its report)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "import_wordpress",
            str(path),
            "--reviewed-by",
            "bench-reviewer",
            "--no-progress",
        ],
        env=child_env(env),
        stdout=subprocess.PIPE,
        text=True,
    )
    report = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"import_wordpress failed ({child.returncode}):\n{report}")
    return seconds, usage.ru_maxrss / 1024, report


REVIEWER = """
from django.contrib.auth.models import Group, User
from django.db import transaction
from articles.models import Person
with transaction.atomic():
    user = User.objects.create_user("bench-reviewer")
    user.groups.add(Group.objects.get(name="Medical reviewers"))
    Person.objects.create(
        slug="bench-reviewer", name="Dr. Bench", credentials="MD", user=user
    )
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    posts, per_post = POSTS * args.scale, COMMENTS
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"wordpress-{posts}.xml"
    if not path.exists():
        print(f"Writing {path.name} …", flush=True)
        write_export(path, posts, per_post)
    size_mb = path.stat().st_size / 1_000_000
    env = configure()
    vendor = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    manage(env, "migrate", "--no-input")
    manage(env, "shell", "-c", REVIEWER)
    print(f"Importing {size_mb:.0f} MB ({posts:,} posts) into {vendor} …", flush=True)
    first = timed_import(env, path)
    print(f"first run: {first[0]:.1f} s, {first[1]:.0f} MB", flush=True)
    second = timed_import(env, path)
    print(f"second run: {second[0]:.1f} s, {second[1]:.0f} MB", flush=True)
    comments_total = posts * per_post
    counts = [
        line
        for line in second[2].splitlines()
        if line.startswith(("posts:", "comments:", "images:", "categories:", "tags:"))
    ]
    met = {
        "time": first[0] < TARGETS["time_seconds"] * args.scale,
        "rerun": second[0] < TARGETS["rerun_seconds"] * args.scale,
        "memory": max(first[1], second[1]) < TARGETS["memory_mb"],
        "unchanged": all(
            ", " not in line and line.endswith(" unchanged") for line in counts
        ),
    }
    yes = {True: "yes", False: "NO"}
    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()} · "
        f"{size_mb:.0f} MB export, {posts:,} posts, {comments_total:,} comments.",
        "",
        "| Target | Measured | Met |",
        "| --- | --- | --- |",
        f"| import under {TARGETS['time_seconds'] * args.scale} s | "
        f"{first[0]:.1f} s | {yes[met['time']]} |",
        f"| peak memory under {TARGETS['memory_mb']} MB | first run "
        f"{first[1]:.0f} MB, second {second[1]:.0f} MB | {yes[met['memory']]} |",
        f"| second run under {TARGETS['rerun_seconds'] * args.scale} s | "
        f"{second[0]:.1f} s | {yes[met['rerun']]} |",
        f"| second run changes nothing | {'; '.join(counts)} | "
        f"{yes[met['unchanged']]} |",
    ]
    section = "\n".join(lines)
    write_report(f"wordpress-{vendor}-{posts}", section)
    print(section)


if __name__ == "__main__":
    main()
