import random

import pytest

from articles.richtext import add_heading_ids, sanitize_html, text_summary

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<img src="javascript:alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object>',
    '<embed src="evil.swf">',
    '<svg onload="alert(1)"><circle r="5"/></svg>',
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body{background:red}</style>",
    '<p onclick="alert(1)">click</p>',
    '<body onload="alert(1)">',
    '<form action="https://evil.example"><input name="q"></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    "<!--<script>alert(1)</script>-->",
    "<div><scr<script>ipt>alert(1)</script></div>",
    '<a href="https://ok.example" onmouseover="alert(1)">x</a>',
    '<img src="https://ok.example/a.png" srcset="javascript:alert(1) 1x">',
    '<p id="__proto__" class="evil">clobber</p>',
    '<details open ontoggle="alert(1)">x</details>',
    '<video><source onerror="alert(1)"></video>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<a href="https://ok.example" target="_top">x</a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
]

FORBIDDEN = [
    "<script",
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "ontoggle",
    "javascript:",
    "vbscript:",
    "data:text",
    "image/svg",
    "<iframe",
    "<object",
    "<embed",
    "<svg",
    "<math",
    "style=",
    "<style",
    "<form",
    "<input",
    "<meta",
    "<link",
    "<base",
    "srcset",
    "id=",
    'class="evil"',
    "_top",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_markup_is_neutralised(payload):
    cleaned = sanitize_html(payload).lower()
    for marker in FORBIDDEN:
        assert marker not in cleaned, (payload, cleaned)


def test_there_are_at_least_thirty_hostile_cases():
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize(
    "html",
    [
        "<h2>Recovery</h2>",
        "<h3>First week</h3>",
        "<h4>Driving</h4>",
        "<p>A <strong>strong</strong> and <em>gentle</em> word.</p>",
        "<ul><li>one</li></ul>",
        "<ol><li>two</li></ol>",
        "<blockquote><p>quoted</p></blockquote>",
        '<figure class="table"><table><thead><tr><th>A</th></tr></thead>'
        "<tbody><tr><td>1</td></tr></tbody></table></figure>",
        '<figure class="image"><img src="/media/images/a.jpg" alt="A spine model"'
        ' width="800" height="600"><figcaption>Model</figcaption></figure>',
        '<p><a href="/articles/other/">an internal link</a></p>',
        '<p><a href="mailto:info@clinic.example">mail us</a></p>',
    ],
)
def test_article_markup_survives_unchanged(html):
    assert sanitize_html(html) == html


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("<p>Two\n  lines</p>", "<p>Two lines</p>"),
        ("<p>Intro.</p>\n\n<h2>Next</h2>\n", "<p>Intro.</p><h2>Next</h2>"),
        (
            "<ul>\n  <li> one </li>\n  <li>two\n</li>\n</ul>",
            "<ul><li>one</li><li>two</li></ul>",
        ),
        ("<p>Line<br>\n next</p>", "<p>Line<br>next</p>"),
        ("<p>A <strong>bold</strong> word</p>", "<p>A <strong>bold</strong> word</p>"),
        ("<pre>  kept\n  as is</pre>", "<pre>  kept\n  as is</pre>"),
        (
            "Loose <em>words</em>\n<h2>Then</h2>tail",
            "<p>Loose <em>words</em></p><h2>Then</h2><p>tail</p>",
        ),
        (
            '<ul><li data-list-item-id="e1f">one</li></ul>',
            "<ul><li>one</li></ul>",
        ),
        ("<p>Take 10&nbsp;mg</p>", "<p>Take 10\xa0mg</p>"),
        ("<p>&nbsp;</p>", "<p>\xa0</p>"),
        (
            "<p> </p><table><tr><th></th></tr></table>",
            "<p>\xa0</p><table><tbody><tr><th>\xa0</th></tr></tbody></table>",
        ),
        (
            "<blockquote><strong>Note:</strong> <em>see a doctor</em></blockquote>",
            # The editor's quotations hold paragraphs.
            "<blockquote><p><strong>Note:</strong> <em>see a doctor</em></p>"
            "</blockquote>",
        ),
        (
            '<a href="/x"><h2>Title</h2></a>\n<p>Text</p>',
            '<a href="/x"><h2>Title</h2></a><p>Text</p>',
        ),
    ],
)
def test_white_space_is_stored_as_the_editor_sends_it_back(typed, stored):
    assert sanitize_html(typed) == stored
    assert sanitize_html(stored) == stored


@pytest.mark.parametrize(
    "payload",
    [
        *HOSTILE,
        '<p><a href="https://a.example/" target="_blank">x</a> '
        '<img src="/m/a.png" alt="A" width="4" height="3"><br>&amp; &lt;</p>',
    ],
)
def test_sanitizing_twice_changes_nothing(payload):
    once = sanitize_html(payload)
    assert sanitize_html(once) == once


def test_links_and_images_keep_html5_form():
    html = '<p><a href="/a/">x</a><img src="/m/a.png" alt="A" width="4" height="3"></p>'
    assert sanitize_html(html) == html


def test_external_links_get_noopener():
    cleaned = sanitize_html('<p><a href="https://journal.example/x">study</a></p>')
    assert cleaned == (
        '<p><a href="https://journal.example/x" rel="noopener">study</a></p>'
    )


def test_links_opening_a_new_tab_get_noreferrer_too():
    cleaned = sanitize_html(
        '<a href="https://journal.example/x" target="_blank" rel="nofollow">s</a>'
    )
    assert 'rel="nofollow noopener noreferrer"' in cleaned
    assert 'target="_blank"' in cleaned


def test_unknown_rel_values_are_dropped():
    cleaned = sanitize_html('<p><a href="/a/" rel="me stylesheet nofollow">x</a></p>')
    assert cleaned == '<p><a href="/a/" rel="nofollow">x</a></p>'


def test_data_image_urls_survive_only_in_images():
    png = "data:image/png;base64,iVBORw0KGgo="
    assert f'src="{png}"' in sanitize_html(f'<img src="{png}" alt="">')
    assert "data:" not in sanitize_html(f'<a href="{png}">x</a>')


def test_text_summary_cuts_at_a_word():
    html = "<p>" + "vertebra " * 60 + "</p>"
    summary = text_summary(html, limit=50)
    assert summary.endswith("…")
    assert len(summary) <= 51
    assert "verteb…" not in summary


def test_headings_get_stable_ids_and_a_nested_table_of_contents():
    html, toc = add_heading_ids(
        "<h2>Risks</h2><h3>Cement leaks</h3><p>x</p><h2>Risks</h2><h4>Small</h4>"
    )
    assert html == (
        '<h2 id="risks">Risks</h2><h3 id="cement-leaks">Cement leaks</h3><p>x</p>'
        '<h2 id="risks-2">Risks</h2><h4>Small</h4>'
    )
    assert toc == [
        {
            "id": "risks",
            "text": "Risks",
            "children": [
                {"id": "cement-leaks", "text": "Cement leaks", "children": []}
            ],
        },
        {"id": "risks-2", "text": "Risks", "children": []},
    ]


def test_user_ids_are_dropped_before_ours_are_added():
    body = sanitize_html('<h2 id="main">Title</h2>')
    assert body == "<h2>Title</h2>"
    assert add_heading_ids(body)[0] == '<h2 id="title">Title</h2>'


def test_sanitizing_twice_changes_nothing_even_for_broken_markup():
    rng = random.Random(20261128)
    pieces = [
        *(f"<{tag}>" for tag in ("p", "h2", "strong", "ul", "li", "blockquote")),
        *(f"</{tag}>" for tag in ("p", "h2", "strong", "ul", "li", "blockquote")),
        '<a href="/x">',
        "</a>",
        "<br>",
        "<pre>",
        "<figure>",
        "<td>",
        "<div>",
        "word",
        " ",
        "\n",
        "&nbsp;",
        " a\n b ",
    ]
    for _ in range(2000):
        html = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        once = sanitize_html(html)
        assert sanitize_html(once) == once, html
