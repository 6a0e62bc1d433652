import pytest

from topics.markup import cited_keys, render_markdown


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Hello <script>alert('x')</script> world").html
    assert "<script" not in html and "alert" not in html
    assert "Hello" in html and "world" in html


def test_event_handler_attributes_are_removed():
    html = render_markdown(
        '<img src="x.png" onerror="alert(1)"> <a href="/a" onclick="evil()">a</a>'
    ).html
    assert "onerror" not in html and "onclick" not in html and "alert" not in html


def test_javascript_urls_are_removed():
    html = render_markdown("[click](javascript:alert(1)) <a href='JAVASCRIPT:alert(2)'>b</a>").html
    assert "javascript" not in html.lower()


def test_data_urls_are_removed():
    html = render_markdown("[x](data:text/html;base64,PHNjcmlwdD4=)").html
    assert "data:" not in html


def test_styles_are_removed():
    html = render_markdown('<p style="position:fixed">x</p><style>body{}</style>').html
    assert "style" not in html and "position" not in html and "body{}" not in html


def test_headings_get_anchors_and_footnotes_render():
    rendered = render_markdown("## Origins of the drills\n\nText.[^1]\n\n[^1]: A note.")
    assert '<h2 id="origins-of-the-drills">' in rendered.html
    assert 'href="#origins-of-the-drills"' in rendered.html
    assert 'class="footnote"' in rendered.html and "A note." in rendered.html
    assert rendered.toc[0]["name"] == "Origins of the drills"


def test_citations_are_numbered_in_order_of_first_use():
    rendered = render_markdown("A [@b-key]. B [@a-key]. C [@b-key].", known_keys={"a-key", "b-key"})
    assert rendered.cited_keys == ("b-key", "a-key")
    assert rendered.html.count('href="#ref-1"') == 2
    assert rendered.html.count('href="#ref-2"') == 1


def test_unknown_citation_keys_are_flagged_not_linked():
    rendered = render_markdown("A [@missing].", known_keys=set())
    assert "[missing?]" in rendered.html and "#ref-" not in rendered.html


def test_cited_keys_lists_distinct_keys():
    assert cited_keys("[@a] [@b] [@a]") == ["a", "b"]


def test_a_text_is_rendered_once_per_process_and_shared_read_only(monkeypatch):
    from topics import markup

    calls = []
    original = markup.markdown_lib.Markdown

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(markup.markdown_lib, "Markdown", counting)
    text = "A text only this test renders [@k]."
    first = render_markdown(text, known_keys={"k"})
    again = render_markdown(text, known_keys=["k"])
    assert again is first and len(calls) == 1
    assert render_markdown(text, known_keys=set()).html != first.html  # other keys: rendered anew
    assert len(calls) == 2
    with pytest.raises(AttributeError):
        first.html = "changed"  # frozen: one request cannot alter another's rendering
