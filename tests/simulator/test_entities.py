"""Text formatting: Telegram's HTML, MarkdownV2 and Markdown parsers and text clean-up."""

from __future__ import annotations

from typing import Any

import pytest

from bot.simulator.entities import (
    ParseError,
    check_link,
    find_auto_entities,
    format_text,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    utf16_len,
)
from bot.simulator.errors import ApiError

KNOWN_USERS = {5: {"id": 5, "is_bot": False, "first_name": "Eve"}}


def fmt(text: str, **kwargs: Any) -> tuple[str, list[dict[str, Any]]]:
    result = format_text(text, user_lookup=KNOWN_USERS.get, **kwargs)
    return result.text, list(result.entities)


def types(entities: list[Any]) -> list[tuple[str, int, int]]:
    return [
        (e["type"], e["offset"], e["length"])
        if isinstance(e, dict)
        else (e.type, e.offset, e.length)
        for e in entities
    ]


# ------------------------------------------------------------------ HTML


def test_html_decodes_the_four_named_entities_and_numeric_references() -> None:
    text, entities = parse_html("<b>a</b> &lt;b&gt; &amp; &quot;q&quot; &#65;&#x42; &#128512;")
    assert text == 'a <b> & "q" AB 😀'
    assert types(entities) == [("bold", 0, 1)]


def test_html_keeps_a_lone_ampersand_and_unknown_named_entities_literally() -> None:
    text, _ = parse_html("Tom & Jerry &nbsp; &copy; &amp")
    assert text == "Tom & Jerry &nbsp; &copy; &"


def test_html_offsets_are_utf16_code_units() -> None:
    text, entities = parse_html("😀 <i>é</i>")
    assert text == "😀 é"
    assert types(entities) == [("italic", 3, 1)]


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        (
            "<b><i>test</b></i>",
            'Unmatched end tag at byte offset 10, expected "</i>", found "</b>"',
        ),
        ("<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("é <br>", 'Unsupported start tag "br" at byte offset 3'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("text</b>", "Unexpected end tag at byte offset 4"),
        ("<span>s</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<a href="x"', "Unclosed start tag at byte offset 0"),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
        ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
    ],
)
def test_html_errors_use_tdlib_wording_and_byte_offsets(html: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_html(html)
    assert str(caught.value) == message


def test_html_supported_tags_become_entities() -> None:
    html = (
        "<strong>b</strong><em>i</em><ins>u</ins><del>s</del><tg-spoiler>p</tg-spoiler>"
        '<span class="tg-spoiler">q</span><a href="https://example.com">l</a>'
        '<a href="tg://user?id=5">m</a><code>c</code>'
        '<pre><code class="language-python">x</code></pre><blockquote expandable>z</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    text, entities = parse_html(html)
    assert text == "biuspqlmcxz👍"
    by_type = {e.type: e for e in entities}
    assert set(by_type) == {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "text_link",
        "text_mention",
        "code",
        "pre",
        "expandable_blockquote",
        "custom_emoji",
    }
    assert by_type["text_link"].url == "https://example.com/"
    assert by_type["text_mention"].user_id == 5
    assert by_type["pre"].language == "python"
    assert by_type["custom_emoji"].custom_emoji_id == "5368324170671202286"


def test_html_link_with_an_invalid_url_keeps_only_the_text() -> None:
    text, entities = parse_html('<a href="not a url">x</a>')
    assert (text, entities) == ("x", [])


def test_html_unsupported_attribute_values_are_ignored_and_tags_are_case_insensitive() -> None:
    text, entities = parse_html('<B class="x">a</B>')
    assert text == "a"
    assert types(entities) == [("bold", 0, 1)]


# ------------------------------------------------------------------ MarkdownV2


@pytest.mark.parametrize("char", list(".!-=+#{}()|>]"))
def test_markdown_v2_reserved_characters_must_be_escaped(char: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_markdown_v2(f"a{char}b")
    assert str(caught.value) == (
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("*unclosed", "Can't find end of Bold entity at byte offset 0"),
        ("*bold _italic\\_*", "Can't find end of Bold entity at byte offset 15"),
        ("é _x", "Can't find end of Italic entity at byte offset 3"),
        ("~x", "Can't find end of Strikethrough entity at byte offset 0"),
        ("`x", "Can't find end of Code entity at byte offset 0"),
        ("[x](http://e.com", "Can't find end of a URL at byte offset 4"),
        ("![x]", "Custom emoji entity must contain a tg://emoji URL"),
        ("```python\nx", "Can't find end of PreCode entity at byte offset 0"),
    ],
)
def test_markdown_v2_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_markdown_v2(text)
    assert str(caught.value) == message


def test_markdown_v2_entities_and_escapes() -> None:
    text, entities = parse_markdown_v2(
        "*b* _i_ __u__ ~s~ ||p|| `c\\`` [l](https://e.com/a\\)b) 1\\.5\\! \\\\"
    )
    assert text == "b i u s p c` l 1.5! \\"
    assert types(entities) == [
        ("bold", 0, 1),
        ("italic", 2, 1),
        ("underline", 4, 1),
        ("strikethrough", 6, 1),
        ("spoiler", 8, 1),
        ("code", 10, 2),
        ("text_link", 13, 1),
    ]
    assert entities[-1].url == "https://e.com/a)b"


def test_markdown_v2_code_blocks_only_reserve_backticks() -> None:
    text, entities = parse_markdown_v2("```python\nif a.b > 1: pass\n```")
    assert text == "if a.b > 1: pass\n"
    assert entities[0].type == "pre" and entities[0].language == "python"


def test_markdown_v2_blockquotes() -> None:
    text, entities = parse_markdown_v2(">quote\n>more\nafter")
    assert text == "quote\nmore\nafter"
    assert types(entities) == [("blockquote", 0, 11)]
    text, entities = parse_markdown_v2("**>hidden\n>lines||")
    assert text == "hidden\nlines"
    assert types(entities) == [("expandable_blockquote", 0, 12)]


# ------------------------------------------------------------------ Markdown (legacy)


def test_legacy_markdown_entities_and_escapes() -> None:
    text, entities = parse_markdown("*b* _i_ `c` [l](http://e.com) \\_x\\* a.b!")
    assert text == "b i c l _x* a.b!"
    assert types(entities) == [
        ("bold", 0, 1),
        ("italic", 2, 1),
        ("code", 4, 1),
        ("text_link", 6, 1),
    ]


@pytest.mark.parametrize(
    ("text", "offset"), [("*unclosed", 0), ("snake_case", 5), ("é `x", 3), ("```py\nx", 0)]
)
def test_legacy_markdown_unclosed_entity(text: str, offset: int) -> None:
    with pytest.raises(ParseError) as caught:
        parse_markdown(text)
    assert str(caught.value) == f"Can't find end of the entity starting at byte offset {offset}"


# ------------------------------------------------------------------ format_text


def test_parse_errors_get_the_bot_api_prefix() -> None:
    with pytest.raises(ApiError) as caught:
        fmt("<b>x", parse_mode="HTML")
    assert caught.value.description == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )


def test_unknown_parse_mode() -> None:
    with pytest.raises(ApiError) as caught:
        fmt("x", parse_mode="Textile")
    assert caught.value.description == "Bad Request: unsupported parse_mode"


def test_parse_mode_is_case_insensitive() -> None:
    assert fmt("<b>x</b>", parse_mode="html") == ("x", [{"offset": 0, "length": 1, "type": "bold"}])


def test_text_is_trimmed_and_cleaned_like_telegram() -> None:
    text, entities = fmt(" \n hello\tworld\r\n \n", parse_mode=None)
    assert text == "hello world"
    assert entities == []
    text, entities = fmt("<b>  bold</b>  ", parse_mode="HTML")
    assert text == "  bold"
    assert types(entities) == [("bold", 0, 6)]


@pytest.mark.parametrize("text", ["   ", "\n\n", "<b> </b>", "<i></i>"])
def test_text_empty_after_parsing(text: str) -> None:
    with pytest.raises(ApiError) as caught:
        fmt(text, parse_mode="HTML")
    assert caught.value.description == "Bad Request: text must be non-empty"


def test_empty_allowed_for_captions() -> None:
    assert fmt("<b> </b>", parse_mode="HTML", allow_empty=True) == ("", [])


def test_detected_entities_are_added_outside_code() -> None:
    text, entities = fmt(
        "/start@ime_guide_bot hi @alice_b #tag $USD mail a@b.com https://x.org <code>/no</code>",
        parse_mode="HTML",
    )
    assert types(entities) == [
        ("bot_command", 0, 20),
        ("mention", 24, 8),
        ("hashtag", 33, 4),
        ("cashtag", 38, 4),
        ("email", 48, 7),
        ("url", 56, 13),
        ("code", 70, 3),
    ]
    assert text.endswith("/no")


def test_detection_rules_for_commands_and_mentions() -> None:
    assert types(find_auto_entities("a/b /ok /x@ab")) == [("bot_command", 4, 3)]
    assert types(find_auto_entities("@abc @abcdef x@abcdef")) == [("mention", 5, 7)]
    assert types(find_auto_entities("#123 #a1 c#d")) == [("hashtag", 5, 3)]


def test_explicit_entities_are_validated() -> None:
    assert fmt("hello", entities=[{"type": "bold", "offset": 0, "length": 5}]) == (
        "hello",
        [{"offset": 0, "length": 5, "type": "bold"}],
    )
    cases = [
        (
            {"type": "bold", "offset": 100, "length": 1},
            "entity begins after the end of the text at UTF-16 offset 100",
        ),
        (
            {"type": "bold", "offset": 0, "length": 100},
            "entity beginning at UTF-16 offset 0 ends after the end of the text "
            "at UTF-16 offset 100",
        ),
        ({"type": "bold", "offset": -1, "length": 1}, "receive an entity with incorrect offset -1"),
        (
            {"type": "blink", "offset": 0, "length": 1},
            "can't parse MessageEntity: Unsupported type specified",
        ),
        (
            {"type": "text_link", "offset": 0, "length": 1},
            "can't parse MessageEntity: Can't find field \"url\"",
        ),
        (
            {"type": "text_link", "offset": 0, "length": 1, "url": "not-a-url"},
            "entity URL 'not-a-url' is invalid: Wrong HTTP URL",
        ),
        (
            {"type": "text_link", "offset": 0, "length": 1, "url": ""},
            "entity URL '' is invalid: URL host is empty",
        ),
        (
            {
                "type": "text_mention",
                "offset": 0,
                "length": 1,
                "user": {"id": 99, "is_bot": False, "first_name": "X"},
            },
            "user not found",
        ),
        (
            {"type": "custom_emoji", "offset": 0, "length": 1, "custom_emoji_id": "abc"},
            'can\'t parse MessageEntity: Field "custom_emoji_id" must be a valid Number',
        ),
    ]
    for entity, message in cases:
        with pytest.raises(ApiError) as caught:
            fmt("hello", entities=[entity])
        assert caught.value.description == f"Bad Request: {message}", entity


def test_text_mention_of_a_known_user_carries_the_user() -> None:
    _, entities = fmt(
        "Eve",
        entities=[
            {
                "type": "text_mention",
                "offset": 0,
                "length": 3,
                "user": {"id": 5, "is_bot": False, "first_name": "E"},
            }
        ],
    )
    assert entities == [{"offset": 0, "length": 3, "type": "text_mention", "user": KNOWN_USERS[5]}]


def test_utf16_length() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀é") == 3


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com", ("https://example.com/", "")),
        ("example.com/path?q=1", ("http://example.com/path?q=1", "")),
        ("tg://resolve?domain=x", ("tg://resolve?domain=x", "")),
        ("ftp://example.com", ("", "Unsupported URL protocol")),
        ("not-a-url", ("", "Wrong HTTP URL")),
        ("", ("", "URL host is empty")),
    ],
)
def test_check_link(url: str, expected: tuple[str, str]) -> None:
    assert check_link(url) == expected
    assert check_link("http://example.com", https_only=True) == ("", "Only HTTPS links are allowed")
