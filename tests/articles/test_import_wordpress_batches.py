"""
The WordPress import at scale: posts go in by batches, a second run skips
what has not changed, and an interrupted run goes on where it stopped.
"""

import io

import pytest
from bs4 import BeautifulSoup
from django.core.management import CommandError, call_command

from articles.hub.models import Link
from articles.models import Article
from articles.wordpress import Importer
from comments.models import Comment
from tests.factories import PersonFactory
from tests.helpers import OLD, comment, item, wxr

pytestmark = pytest.mark.django_db

POSTS, COMMENTS = 12, 3


@pytest.fixture
def reviewer_person():
    return PersonFactory(slug="dr-reyes", name="Dr. Reyes", can_sign_off=True)


def chain_of_posts(posts=POSTS, comments_each=COMMENTS):
    """Posts that each link to the next (by its permalink) and to the one
    before (by ?p=), each with a thread of replies."""
    items = []
    for k in range(posts):
        links = ""
        if k + 1 < posts:
            links += f' <a href="{OLD}/2024/02/post-{k + 1}/">Next</a>'
        if k:
            links += f' <a href="{OLD}/?p={100 + k - 1}">Previous</a>'
        body = f"Post {k} begins here.\n\nIt goes on{links}.\n\nAnd ends."
        first = 1 + k * comments_each
        thread = "".join(
            comment(
                first + c,
                f"Reader {first + c}",
                "1",
                f"Comment {c} on post {k}.",
                parent=first + c - 1 if c else 0,
            )
            for c in range(comments_each)
        )
        items.append(
            item(100 + k, f"Post {k}", f"post-{k}", "publish", body, extra=thread)
        )
    return items


@pytest.fixture
def export_file(tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(wxr(chain_of_posts()), encoding="utf-8")
    return path


def run(path, stdout=None, **options):
    out = stdout or io.StringIO()
    call_command("import_wordpress", str(path), stdout=out, **options)
    return out.getvalue()


def assert_imported_whole():
    """Every post, comment and link of chain_of_posts() is here, once."""
    articles = {a.wordpress_id: a for a in Article.objects.all()}
    assert sorted(articles) == list(range(100, 100 + POSTS))
    assert all(a.status == Article.Status.PUBLISHED for a in articles.values())
    for k in range(POSTS):
        targets = set(
            Link.objects.filter(source=articles[100 + k]).values_list(
                "target_article__wordpress_id", flat=True
            )
        )
        assert targets == {100 + n for n in (k - 1, k + 1) if 0 <= n < POSTS}
    assert Comment.objects.count() == POSTS * COMMENTS
    assert sorted(set(Comment.objects.values_list("depth", flat=True))) == [
        1,
        2,
        3,
    ]


@pytest.mark.parametrize("posts", [12, 60])
def test_an_import_shares_its_queries_between_posts(
    tmp_path, reviewer_person, django_assert_max_num_queries, posts
):
    path = tmp_path / "export.xml"
    path.write_text(wxr(chain_of_posts(posts=posts)), encoding="utf-8")
    # One post at a time, the same import took about 100 queries a post;
    # now a post costs a savepoint (two statements) and the rest is shared.
    with django_assert_max_num_queries(80 + 2 * posts):
        out = run(path, reviewed_by="dr-reyes")
    assert f"posts: {posts} created" in out
    assert Comment.objects.count() == posts * COMMENTS


def test_posts_and_comments_go_in_whole(export_file, reviewer_person):
    out = run(export_file, reviewed_by="dr-reyes")
    assert f"posts: {POSTS} created" in out
    assert f"comments: {POSTS * COMMENTS} created" in out
    assert_imported_whole()
    reply = Comment.objects.get(body="Comment 2 on post 5.")
    assert reply.parent.body == "Comment 1 on post 5."
    assert reply.root.body == "Comment 0 on post 5."
    article = Article.objects.get(wordpress_id=105)
    assert article.has_current_sign_off
    assert article.reviewed_by == reviewer_person
    assert article.next_review_at is not None


def test_each_article_records_what_the_import_made_of_it(export_file, reviewer_person):
    from reversion.models import Version

    run(export_file, reviewed_by="dr-reyes")
    article = Article.objects.get(wordpress_id=100)
    comments = [v.revision.comment for v in Version.objects.get_for_object(article)]
    assert comments == [
        "Imported from WordPress, signed off by Dr. Reyes for the import "
        "(--reviewed-by) and published"
    ]


def test_a_second_run_of_an_unchanged_file_writes_nothing(
    export_file, reviewer_person, django_assert_max_num_queries
):
    run(export_file, reviewed_by="dr-reyes")
    before = list(Article.objects.values_list("pk", "updated_at").order_by("pk"))
    with django_assert_max_num_queries(20):
        out = run(export_file, reviewed_by="dr-reyes")
    assert f"posts: {POSTS} unchanged" in out
    assert f"comments: {POSTS * COMMENTS} unchanged" in out
    assert "created" not in out
    assert "updated" not in out
    assert (
        list(Article.objects.values_list("pk", "updated_at").order_by("pk")) == before
    )


def test_a_reply_written_in_wordpress_since_joins_its_thread(
    tmp_path, export_file, reviewer_person
):
    run(export_file, reviewed_by="dr-reyes")
    items = chain_of_posts()
    # WordPress got a reply to the first comment on post 0 since.
    items[0] = items[0].replace(
        "</item>",
        comment(250, "Late reader", "1", "A late reply.", parent=1) + "</item>",
    )
    path = tmp_path / "later.xml"
    path.write_text(wxr(items), encoding="utf-8")
    out = run(path, reviewed_by="dr-reyes")
    assert f"comments: 1 created, {POSTS * COMMENTS} unchanged" in out
    assert f"posts: {POSTS} unchanged" in out  # Its text is as it was.
    late = Comment.objects.get(wordpress_id=250)
    assert late.parent.wordpress_id == 1
    assert (late.root_id, late.depth) == (late.parent_id, 2)


def test_an_interrupted_import_goes_on_where_it_stopped(
    monkeypatch, export_file, reviewer_person
):
    monkeypatch.setattr(Importer, "BATCH", 5)
    batches = []
    import_batch = Importer.import_batch

    def interrupted_after_one(self, posts):
        if batches:
            raise KeyboardInterrupt  # The operator presses Ctrl-C.
        batches.append(posts)
        return import_batch(self, posts)

    monkeypatch.setattr(Importer, "import_batch", interrupted_after_one)
    out = io.StringIO()
    with pytest.raises(CommandError, match="run the same command again"):
        run(export_file, stdout=out, reviewed_by="dr-reyes")
    assert "posts: 5 created" in out.getvalue()
    assert Article.objects.count() == 5
    assert Comment.objects.count() == 5 * COMMENTS

    monkeypatch.setattr(Importer, "import_batch", import_batch)
    out = run(export_file, reviewed_by="dr-reyes")
    assert f"posts: {POSTS - 5} created, 5 unchanged" in out
    # Post 4 was imported before post 5 existed: its link now reaches it.
    assert_imported_whole()


def test_a_batch_the_database_refuses_is_imported_post_by_post(
    tmp_path, monkeypatch, reviewer_person
):
    from django.db import IntegrityError

    import articles.wordpress

    create_articles = articles.wordpress.create_articles

    def refuse_many(*, articles, **options):
        if len(articles) > 1:
            raise IntegrityError("refused")  # As a constraint would.
        return create_articles(articles=articles, **options)

    monkeypatch.setattr(articles.wordpress, "create_articles", refuse_many)
    items = chain_of_posts(posts=4)
    # A category no channel declared: made in the refused batch, rolled
    # back with it, and made again.
    items[3] = items[3].replace('nicename="spine"', 'nicename="knees"')
    path = tmp_path / "export.xml"
    path.write_text(wxr(items), encoding="utf-8")
    out = run(path, reviewed_by="dr-reyes")
    assert "posts: 4 created" in out
    assert Comment.objects.count() == 4 * COMMENTS
    assert Article.objects.get(wordpress_id=103).category.slug == "knees"


def test_a_post_id_twice_in_the_file_is_reported_and_the_first_kept(tmp_path):
    items = chain_of_posts(posts=3, comments_each=0)
    items.append(item(101, "Impostor", "impostor", "draft", "<p>Other.</p>"))
    path = tmp_path / "export.xml"
    path.write_text(wxr(items), encoding="utf-8")
    out = run(path)
    assert "posts: 3 created, 1 failed" in out
    assert "failed: “Impostor”: a second post with the ID 101" in out
    assert Article.objects.get(wordpress_id=101).title == "Post 1"


def test_primary_category_mode_takes_the_category_seo_plugins_mark(
    tmp_path, reviewer_person
):
    meta = (
        "<wp:postmeta><wp:meta_key>_yoast_wpseo_primary_category</wp:meta_key>"
        "<wp:meta_value>7</wp:meta_value></wp:postmeta>"
    )
    text = wxr(
        [
            item(
                300,
                "Hips",
                "hips",
                "draft",
                "<p>x</p>",
                cats=("spine", "hip"),
                extra=meta,
            )
        ]
    ).replace(
        "<wp:category><wp:category_nicename>hip",
        "<wp:category><wp:term_id>7</wp:term_id><wp:category_nicename>hip",
    )
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    run(path, category_mode="primary")
    article = Article.objects.get(wordpress_id=300)
    assert article.category.slug == "hip"
    assert [tag.name for tag in article.tags.all()] == ["Spine"]


def test_first_category_mode_is_the_default(tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(
        wxr([item(301, "Hips", "hips", "draft", "<p>x</p>", cats=("spine", "hip"))])
    )
    run(path)
    article = Article.objects.get(wordpress_id=301)
    assert article.category.slug == "spine"
    assert [tag.name for tag in article.tags.all()] == ["Hip"]


def test_replies_deeper_than_the_site_allows_hang_from_the_deepest_allowed(
    tmp_path,
):
    thread = "".join(
        comment(n, f"Reader {n}", "1", f"Reply {n}.", parent=n - 1 if n > 1 else 0)
        for n in range(1, 9)
    )
    path = tmp_path / "export.xml"
    path.write_text(wxr([item(310, "Deep", "deep", "draft", "<p>x</p>", extra=thread)]))
    run(path)
    depths = dict(Comment.objects.values_list("wordpress_id", "depth"))
    assert depths == {n: min(n, Comment.MAX_DEPTH) for n in range(1, 9)}
    root = Comment.objects.get(wordpress_id=1)
    assert set(Comment.objects.exclude(pk=root.pk).values_list("root", flat=True)) == {
        root.pk
    }


def test_the_progress_bar_counts_posts_on_a_terminal(export_file):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown = Terminal()
    call_command(
        "import_wordpress", str(export_file), stdout=io.StringIO(), stderr=shown
    )
    assert f"{POSTS}/{POSTS}" in shown.getvalue()
    quiet = Terminal()
    call_command(
        "import_wordpress",
        str(export_file),
        "--no-progress",
        stdout=io.StringIO(),
        stderr=quiet,
    )
    assert quiet.getvalue() == ""


def test_block_editor_paragraphs_reach_readers_one_for_one(
    tmp_path, client, reviewer_person
):
    paragraphs = [f"Step {n} of the recovery plan." for n in range(30)]
    blocks = "\n\n".join(
        f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->"
        for text in paragraphs
    )
    path = tmp_path / "export.xml"
    path.write_text(wxr([item(320, "Plan", "plan", "publish", blocks)]))
    run(path, reviewed_by="dr-reyes")
    page = client.get("/articles/plan/")
    body = BeautifulSoup(page.content, "html.parser").select_one(".article__body")
    assert [p.get_text() for p in body.find_all("p", recursive=False)] == paragraphs


def test_overwrite_brings_back_the_text_of_a_post_unchanged_in_wordpress(
    export_file, reviewer_person, editor
):
    from articles.services import save_version

    run(export_file, reviewed_by="dr-reyes")
    article = Article.objects.get(wordpress_id=103)
    save_version(article=article, content={"body": "<p>Ours.</p>"}, user=editor)
    assert f"posts: {POSTS} unchanged" in run(export_file, reviewed_by="dr-reyes")
    assert Article.objects.get(pk=article.pk).working_version().body == "<p>Ours.</p>"
    run(export_file, reviewed_by="dr-reyes", overwrite=True)
    body = Article.objects.get(pk=article.pk).working_version().body
    assert "Post 3 begins here." in body


def test_an_interruption_inside_a_batch_reports_only_what_was_kept(
    monkeypatch, export_file, reviewer_person
):
    monkeypatch.setattr(Importer, "BATCH", 5)
    add_comments = Importer.add_comments
    calls = []

    def interrupted_in_second_batch(self, pairs):
        calls.append(pairs)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return add_comments(self, pairs)

    monkeypatch.setattr(Importer, "add_comments", interrupted_in_second_batch)
    out = io.StringIO()
    with pytest.raises(CommandError, match="Interrupted"):
        run(export_file, stdout=out, reviewed_by="dr-reyes")
    assert "posts: 5 created" in out.getvalue()
    assert Article.objects.count() == 5


def test_an_article_published_here_after_the_import_gets_its_old_addresses(
    client, export_file, reviewer_person
):
    from articles.services import record_publication, record_sign_off

    run(export_file)  # No reviewer: the posts wait for a sign-off.
    assert client.get("/2024/02/post-2/").status_code == 404
    article = Article.objects.get(wordpress_id=102)
    record_sign_off(article=article, reviewer=reviewer_person)
    record_publication(article=article)
    assert f"posts: {POSTS} unchanged" in run(export_file)
    response = client.get("/2024/02/post-2/")
    assert (response.status_code, response["Location"]) == (301, "/articles/post-2/")


def test_a_link_to_a_post_missing_from_the_file_is_completed_by_a_later_run(
    tmp_path,
):
    items = chain_of_posts(posts=3, comments_each=0)
    first = tmp_path / "posts-only-some.xml"
    first.write_text(wxr(items[:2]), encoding="utf-8")
    run(first)
    assert f'href="{OLD}/2024/02/post-2/"' in Article.objects.get(wordpress_id=101).body
    whole = tmp_path / "whole.xml"
    whole.write_text(wxr(items), encoding="utf-8")
    out = run(whole)
    assert "posts: 1 created, 1 updated, 1 unchanged" in out
    assert 'href="/articles/post-2/"' in Article.objects.get(wordpress_id=101).body


def test_a_link_too_long_for_any_page_is_left_out_of_the_graph(tmp_path):
    long_href = "https://example.org/" + "a" * 2100
    path = tmp_path / "export.xml"
    path.write_text(
        wxr([item(330, "Long", "long", "draft", f'<p><a href="{long_href}">x</a></p>')])
    )
    assert "posts: 1 created" in run(path)
    article = Article.objects.get(wordpress_id=330)
    assert long_href in article.body
    assert not Link.objects.filter(source=article).exists()
