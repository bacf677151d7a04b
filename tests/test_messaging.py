from bot.messaging import escape, plain_text, split_text, utf16_length


def test_escape_neutralises_markup() -> None:
    assert escape("<b>Bob & Co</b>") == "&lt;b&gt;Bob &amp; Co&lt;/b&gt;"
    assert escape(None) == ""


def test_plain_text_matches_what_telegram_shows() -> None:
    assert plain_text("  <b>Hi</b> &lt;you&gt; &amp; me\n") == "Hi <you> & me"


def test_short_text_is_one_piece() -> None:
    assert split_text("hello") == ["hello"]


def test_long_text_splits_at_paragraphs_within_the_limit() -> None:
    paragraph = "word " * 150
    text = "\n\n".join([paragraph.strip()] * 12)
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(utf16_length(piece) <= 4096 for piece in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())


def test_text_without_spaces_is_cut_but_not_inside_an_entity() -> None:
    text = ("x" * 4093) + "&amp;" + ("y" * 100)
    pieces = split_text(text)
    assert all(utf16_length(piece) <= 4096 for piece in pieces)
    assert "".join(pieces) == text
    assert all(piece.count("&") == piece.count("&amp;") for piece in pieces)


def test_astral_characters_count_twice() -> None:
    text = "🙂" * 3000
    pieces = split_text(text)
    assert all(utf16_length(piece) <= 4096 for piece in pieces)
    assert "".join(pieces) == text
