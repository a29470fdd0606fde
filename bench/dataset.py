"""
Build the benchmark's data set in the configured (empty, migrated) database.

Everything is generated from a fixed seed, so two runs build the same site:
2,000 published articles of 600-1,500 words in 8 categories with tags,
references, internal and outbound links; one article with 60 approved
comments in 20 threads, one with 600 in 200 threads; 50,000 backlinks.
Rows go in with bulk_create; derived columns (sanitized HTML, plain text,
table of contents, search vector, link graph) come from the same functions
the admin uses when an editor saves an article.
"""

import random
from datetime import timedelta

from django.contrib.sites.models import Site
from django.db import transaction
from django.utils import timezone

from articles.hub.models import Backlink
from articles.hub.services.links import sync_article_links
from articles.models import Article, Category, Person, Tag
from articles.services import create_articles, record_publication, record_sign_off
from bench.vocabulary import VOCABULARY
from comments.models import Comment, body_to_html

SEED = 20261125
#: A word that occurs only in article bodies (never in titles or summaries).
BODY_ONLY_WORD = "zygapophyseal"

CATEGORIES = (
    "Spine",
    "Joints",
    "Pain management",
    "Sports injuries",
    "Bone health",
    "Nerves",
    "Rehabilitation",
    "Imaging",
)
TOPICS = (
    "back pain",
    "neck stiffness",
    "sciatica",
    "osteoporosis",
    "knee arthritis",
    "rotator cuff tears",
    "carpal tunnel",
    "disc herniation",
    "spinal stenosis",
    "compression fractures",
    "hip bursitis",
    "plantar fasciitis",
    "whiplash",
    "scoliosis",
    "tennis elbow",
    "frozen shoulder",
)
ANGLES = (
    "What to expect from",
    "Living with",
    "Questions to ask about",
    "Exercises for",
    "When to see a doctor about",
    "Treatment options for",
    "Myths about",
    "Recovering from",
)


def _paragraph(rng, words, extra=()):
    chosen = rng.choices(VOCABULARY, k=words)
    for word in extra:
        chosen.insert(rng.randrange(len(chosen)), word)
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + "."


def _body(rng, slugs, with_rare_word):
    """Return an article body of 600-1,500 words with headings and links."""
    target = rng.randint(600, 1500)
    parts, written = [], 0
    section = 0
    while written < target:
        if written == 0 or rng.random() < 0.2:
            section += 1
            parts.append(
                f"<h2>Part {section}: {' '.join(rng.sample(VOCABULARY, 3))}</h2>"
            )
        words = min(rng.randint(60, 140), target - written)
        extra = []
        if with_rare_word and written == 0:
            extra.append(BODY_ONLY_WORD)
        text = _paragraph(rng, max(words, 5), extra)
        if rng.random() < 0.25 and slugs:
            slug = rng.choice(slugs)
            text += f' Read <a href="/articles/{slug}/">our guide on this</a>.'
        if rng.random() < 0.15:
            text += (
                f' See <a href="https://health.example.org/page-{rng.randint(1, 400)}">'
                "an outside source</a>."
            )
        parts.append(f"<p>{text}</p>")
        written += words
    return "\n".join(parts)


def _approved(rng, article, name, stamp, words, **tree):
    """An approved comment by `name` of `words` (low, high) random words."""
    body = _paragraph(rng, rng.randint(*words))
    return Comment(
        article=article,
        author_name=name,
        author_email=f"{name.lower().replace(' ', '')}@example.net",
        body=body,
        body_html=body_to_html(body),
        status=Comment.Status.APPROVED,
        created_at=stamp,
        moderated_at=stamp,
        **tree,
    )


def _comments(rng, article, threads, now):
    """Approve `threads` threads of a top-level comment and two replies."""
    stamp = now - timedelta(days=30)
    roots = []
    for n in range(threads):
        stamp += timedelta(minutes=7)
        roots.append(_approved(rng, article, f"Reader {n}", stamp, (20, 80)))
    Comment.objects.bulk_create(roots)
    replies = []
    for root in roots:
        for n in range(2):
            stamp += timedelta(minutes=3)
            name = f"Replier {root.pk}-{n}"
            tree = {"parent": root, "root": root, "depth": 2}
            replies.append(_approved(rng, article, name, stamp, (15, 60), **tree))
    Comment.objects.bulk_create(replies)


class DataSet:
    """
    The benchmark site, built in steps so that the runner can measure
    between them (a list with 10 articles, then with 2,000; the hub with 500
    backlinks, then with 50,000).
    """

    def __init__(self):
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.articles = []
        self.backlinks = 0
        Site.objects.update_or_create(
            pk=1, defaults={"domain": "127.0.0.1", "name": "Benchmark clinic"}
        )
        self.categories = Category.objects.bulk_create(
            Category(name=name, slug=name.lower().replace(" ", "-"))
            for name in CATEGORIES
        )
        self.tags = Tag.objects.bulk_create(
            Tag(name=topic.capitalize(), slug=topic.replace(" ", "-"))
            for topic in TOPICS
        )
        self.people = Person.objects.bulk_create(
            Person(
                name=f"Dr. Example {n}",
                slug=f"example-{n}",
                credentials="MD, spine specialist",
            )
            for n in range(6)
        )

    def add_articles(self, count):
        """Publish `count` more articles, with tags, references and links."""
        rng, start = self.rng, len(self.articles)
        slugs = [article.slug for article in self.articles]
        new = []
        for n in range(start, start + count):
            topic = TOPICS[n % len(TOPICS)]
            angle = ANGLES[(n // len(TOPICS)) % len(ANGLES)]
            published = self.now - timedelta(hours=n * 3 + 1)
            article = Article(
                title=f"{angle} {topic} ({n})",
                slug=f"article-{n:04d}",
                summary=f"A plain-language guide to {topic} from our specialists.",
                body=_body(rng, slugs, with_rare_word=n % 40 == 0),
                category=self.categories[n % len(self.categories)],
                author=self.people[n % len(self.people)],
            )
            new.append((article, published))
            slugs.append(article.slug)
        with transaction.atomic():
            # Created, signed off and published through the services, as in
            # the admin and the importers.
            create_articles(
                articles=[article for article, _ in new],
                references=[
                    [
                        {
                            "citation": f"Example A. Study {i}. J Spine. 2024.",
                            "doi": f"10.1000/bench.{n}.{i}",
                        }
                        for i in range(3)
                    ]
                    for n in range(start, start + count)
                ],
                comment="Benchmark data",
            )
            for n, (article, published) in enumerate(new, start=start):
                reviewer = self.people[(n + 1) % len(self.people)]
                record_sign_off(article=article, reviewer=reviewer, on=published.date())
                record_publication(article=article, at=published)
            new = [article for article, _ in new]
            through = Article.tags.through
            through.objects.bulk_create(
                (
                    through(article_id=article.pk, tag_id=tag.pk)
                    for article in new
                    for tag in rng.sample(self.tags, 3)
                ),
                batch_size=2000,
            )
            for article in new:
                sync_article_links(article=article)
        self.articles += new

    def add_comment_threads(self):
        """
        Give the second article 60 approved comments (20 threads) and the
        third 600 (200 threads); return their slugs.
        """
        article_60, article_600 = self.articles[1], self.articles[2]
        _comments(self.rng, article_60, 20, self.now)
        _comments(self.rng, article_600, 200, self.now)
        return article_60.slug, article_600.slug

    def add_backlinks(self, count):
        """Add `count` verified, approved backlinks from 2,000 outside sites."""
        rng, start = self.rng, self.backlinks
        Backlink.objects.bulk_create(
            (
                Backlink(
                    source_url=f"https://site{n % 2000}.example.com/post-{n}",
                    target_article=rng.choice(self.articles),
                    referring_domain=f"site{n % 2000}.example.com",
                    anchor_text="a helpful guide",
                    status=Backlink.Status.VERIFIED,
                    is_approved=True,
                    via=Backlink.Via.CSV,
                    first_seen_at=self.now - timedelta(days=n % 90),
                    last_seen_at=self.now - timedelta(days=n % 30),
                )
                for n in range(start, start + count)
            ),
            batch_size=2000,
        )
        self.backlinks += count
