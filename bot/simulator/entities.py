"""Telegram's text formatting, reimplemented to give the same results and the same errors.

The three parsers follow the algorithms of tdlib (``td/telegram/MessageEntity.cpp``), which
the Bot API server uses: they work on the UTF-8 bytes (error messages quote *byte* offsets)
while entity offsets and lengths are counted in UTF-16 code units. After parsing, the text
is cleaned and trimmed as tdlib does (control characters become spaces, ``\\r`` is dropped,
leading and trailing spaces and newlines go) and the entities Telegram detects by itself
(bot commands, mentions, hashtags, cashtags, URLs, e-mail addresses) are added.

Behaviour worth knowing when writing a bot:

* HTML: only ``b strong i em u ins s strike del span class="tg-spoiler" tg-spoiler a
  tg-emoji code pre blockquote`` are accepted; ``&lt; &gt; &amp; &quot;`` and numeric
  references decode, any other ``&`` stays literal, an unknown tag is an error.
* MarkdownV2: every one of ``_*[]()~`>#+-=|{}.!`` outside an entity must be escaped.
* Markdown (legacy): ``_ * ` [`` open entities; an unclosed one is an error.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from bot.simulator.errors import ApiError, bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

_SPLITTABLE = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})
_BLOCKQUOTES = frozenset({"blockquote", "expandable_blockquote"})
_AUTO_TYPES = frozenset(
    {"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number"}
)
_EXPLICIT_TYPES = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "blockquote",
        "expandable_blockquote",
        "date_time",
        "bank_card_number",
    }
    | _AUTO_TYPES
)
_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "cashtag": 50,
    "phone_number": 50,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "bank_card_number": 50,
    "spoiler": 94,
    "custom_emoji": 99,
    "date_time": 50,
}
_TDLIB_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_MDV2_RESERVED = frozenset(b"_*[]()~`>#+-=|{}.!\n")
_SPACE_BYTES = frozenset(b" \t\r\n\0\v\f")


@dataclass(frozen=True)
class Entity:
    """One entity in the simulator's internal form (Bot API type names, UTF-16 units)."""

    type: str
    offset: int
    length: int
    url: str = ""
    language: str = ""
    custom_emoji_id: str = ""
    user_id: int = 0
    unix_time: int = 0
    date_time_format: str = ""

    @property
    def end(self) -> int:
        return self.offset + self.length

    def priority(self) -> int:
        if self.type == "pre":
            return 10 if self.language else 11
        return _PRIORITY.get(self.type, 50)


@dataclass(frozen=True)
class FormattedText:
    """A text as Telegram stores it: the final string and its Bot API entity dicts."""

    text: str
    entities: tuple[dict[str, Any], ...]


class ParseError(Exception):
    """A parse-mode error; the server answers ``Bad Request: can't parse entities: ...``."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram offset and length limit."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _at(data: bytes | bytearray, index: int) -> int:
    """The byte at ``index``, or 0 past the end (the C string terminator tdlib relies on)."""
    return data[index] if index < len(data) else 0


def _is_space(byte: int) -> bool:
    return byte in _SPACE_BYTES


def _utf16_units_of_lead_byte(byte: int) -> int:
    """UTF-16 units for a UTF-8 lead byte: 0 for continuation bytes, 2 for 4-byte sequences."""
    if byte & 0xC0 == 0x80:
        return 0
    return 2 if byte >= 0xF0 else 1


def _sort(entities: Iterable[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e.offset, -e.length, e.priority()))


# --------------------------------------------------------------------------- links


def link_user_id(url: str) -> int:
    """The user id of a ``tg://user?id=123`` link, or 0."""
    match = re.fullmatch(r"(?i)tg:(?://)?user\?id=(\d{1,19})", url.strip())
    return int(match.group(1)) if match else 0


_HOST_LABEL = re.compile(r"^[\w](?:[\w-]*[\w])?$")


def check_link(url: str, *, https_only: bool = False) -> tuple[str, str]:
    """Validate a link the way Telegram does; returns ``(normalised_url, error)``.

    Exactly one of the two is non-empty. Links without a scheme get ``http://``; an HTTP(S)
    link without a path gets ``/`` (Telegram returns ``https://example.com/``).
    """
    candidate = url.strip()
    lowered = candidate.lower()
    for scheme in ("tg:", "ton:"):
        if lowered.startswith(scheme):
            if https_only:
                return "", "Only HTTPS links are allowed"
            rest = candidate[len(scheme) :].lstrip("/")
            if not re.match(r"^[A-Za-z0-9_-]+", rest):
                return "", f"Wrong {scheme[:-1]} URL"
            return f"{scheme[:-1]}://{rest}", ""
    scheme_match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", candidate)
    if scheme_match:
        scheme = scheme_match.group(1).lower()
        rest = candidate[scheme_match.end() :]
        if scheme not in ("http", "https"):
            return "", "Unsupported URL protocol"
    else:
        scheme = "http"
        rest = candidate
    if https_only and scheme != "https":
        return "", "Only HTTPS links are allowed"
    split = re.search(r"[/?#]", rest)
    authority = rest[: split.start()] if split else rest
    path = rest[split.start() :] if split else ""
    host = authority.rsplit("@", 1)[-1]
    port_match = re.search(r":(\d{1,5})$", host)
    if port_match:
        host = host[: port_match.start()]
    if not host:
        return "", "URL host is empty"
    if not _valid_host(host):
        return "", "Wrong HTTP URL"
    if not path.startswith("/"):
        path = "/" + path
    return f"{scheme}://{authority}{path}", ""


def _valid_host(host: str) -> bool:
    if re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", host):
        return all(int(part) <= 255 for part in host.split("."))
    labels = host.rstrip(".").split(".")
    if len(labels) < 2:
        return False
    if not all(_HOST_LABEL.match(label) and "_" not in label for label in labels):
        return False
    tld = labels[-1]
    return tld.lower().startswith("xn--") or (len(tld) >= 2 and all(ch.isalpha() for ch in tld))


def checked_link(url: str) -> str:
    """The normalised link, or ``""`` when Telegram would drop the link entity."""
    normalised, _ = check_link(url)
    return normalised


def custom_emoji_id_from_link(url: str) -> str:
    """The custom emoji id of a ``tg://emoji?id=...`` link (MarkdownV2 ``![x](...)``)."""
    match = re.match(r"^([A-Za-z]+):(?://)?([^?]*)(?:\?(.*))?$", url)
    if not match or match.group(1).lower() != "tg":
        raise ParseError("Custom emoji URL must have scheme tg")
    if match.group(2).lower() != "emoji":
        raise ParseError('Custom emoji URL must have host "emoji"')
    query = match.group(3) or ""
    found = re.search(r"(?:^|&)id=([^&]*)", query)
    if not found or not found.group(1):
        raise ParseError("Custom emoji URL must have an emoji identifier")
    if not re.fullmatch(r"-?\d{1,19}", found.group(1)) or int(found.group(1)) == 0:
        raise ParseError("Invalid custom emoji identifier specified")
    return str(int(found.group(1)))


def _link_entity(offset: int, length: int, url: str) -> Entity | None:
    """A text_mention or text_link for a link, or None when Telegram drops it."""
    user_id = link_user_id(url)
    if user_id:
        return Entity("text_mention", offset, length, user_id=user_id)
    normalised = checked_link(url)
    if normalised:
        return Entity("text_link", offset, length, url=normalised)
    return None


# --------------------------------------------------------------------------- HTML


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """Decode ``&...`` at ``pos``: ``(code point, next position)`` or ``(0, pos)``."""
    end = pos + 1
    code = 0
    if _at(data, pos + 1) == ord("#"):
        end += 1
        if _at(data, pos + 2) == ord("x"):
            end += 1
            while chr(_at(data, end)) in "0123456789abcdefABCDEF" and _at(data, end):
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while ord("0") <= _at(data, end) <= ord("9"):
                code = code * 10 + data[end] - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while chr(_at(data, end)).isascii() and chr(_at(data, end)).isalpha():
            end += 1
        code = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(
            bytes(data[pos + 1 : end]), 0
        )
        if code == 0:
            return 0, pos
    if _at(data, end) == ord(";"):
        end += 1
    return code, end


def _encode_code_point(code: int) -> bytes:
    return chr(code).encode("utf-8", "surrogatepass")


@dataclass
class _OpenTag:
    tag: str
    argument: str
    utf16_offset: int
    out_pos: int


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML; raises ParseError with tdlib's wording and byte offsets."""
    data = text.encode("utf-8", "surrogatepass")
    size = len(data)
    out = bytearray()
    entities: list[Entity] = []
    stack: list[_OpenTag] = []
    utf16 = 0
    saw_surrogate = False
    i = 0
    while i < size:
        byte = data[i]
        if byte == ord("&"):
            code, following = _decode_html_entity(data, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                saw_surrogate = saw_surrogate or 0xD800 <= code <= 0xDFFF
                out += _encode_code_point(code)
                i = following
                continue
        if byte != ord("<"):
            utf16 += _utf16_units_of_lead_byte(byte)
            out.append(byte)
            i += 1
            continue
        begin = i
        i += 1
        if _at(data, i) != ord("/"):
            i = _parse_html_start_tag(data, begin, i, utf16, len(out), stack)
        else:
            if not stack:
                raise ParseError(f"Unexpected end tag at byte offset {begin}")
            while not _is_space(_at(data, i)) and _at(data, i) != ord(">"):
                i += 1
            end_tag = data[begin + 2 : i].lower().decode("utf-8", "replace")
            while _is_space(_at(data, i)) and _at(data, i) != 0:
                i += 1
            if _at(data, i) != ord(">"):
                raise ParseError(f"Unclosed end tag at byte offset {begin}")
            top = stack[-1]
            if end_tag and end_tag != top.tag:
                raise ParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{top.tag}>", '
                    f'found "</{end_tag}>"'
                )
            if utf16 > top.utf16_offset:
                _close_html_tag(top, utf16, out, entities)
            stack.pop()
        i += 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    if saw_surrogate:
        raise ParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    cleaned = [replace(e, language="") if e.type == "code" else e for e in entities]
    return out.decode("utf-8"), _sort(cleaned)


def _parse_html_start_tag(
    data: bytes, begin: int, i: int, utf16: int, out_pos: int, stack: list[_OpenTag]
) -> int:
    """Parse ``<tag attr="...">`` from ``i``; returns the index of its closing ``>``."""
    while not _is_space(_at(data, i)) and _at(data, i) != ord(">"):
        i += 1
    if _at(data, i) == 0:
        raise ParseError(f"Unclosed start tag at byte offset {begin}")
    tag = data[begin + 1 : i].lower().decode("utf-8", "replace")
    if tag not in _HTML_TAGS:
        raise ParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
    argument = ""
    while _at(data, i) != ord(">"):
        while _at(data, i) != 0 and _is_space(_at(data, i)):
            i += 1
        if _at(data, i) == ord(">"):
            break
        name_begin = i
        while not _is_space(_at(data, i)) and _at(data, i) not in b"=>/\"'":
            i += 1
        attribute = data[name_begin:i]
        if not attribute:
            raise ParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while _at(data, i) != 0 and _is_space(_at(data, i)):
            i += 1
        if _at(data, i) != ord("="):
            if _at(data, i) == 0:
                raise ParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            if tag == "blockquote" and attribute == b"expandable":
                argument = "1"
            continue
        i += 1
        while _at(data, i) != 0 and _is_space(_at(data, i)):
            i += 1
        if _at(data, i) == 0:
            raise ParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        value = bytearray()
        if _at(data, i) not in b"'\"":
            token_begin = i
            while chr(_at(data, i)).isascii() and (
                chr(_at(data, i)).isalnum() or _at(data, i) in b".-"
            ):
                i += 1
            value += data[token_begin:i].lower()
            if not _is_space(_at(data, i)) and _at(data, i) != ord(">"):
                raise ParseError(f"Unexpected end of name token at byte offset {token_begin}")
        else:
            quote = data[i]
            i += 1
            while _at(data, i) != quote and _at(data, i) != 0:
                if data[i] == ord("&"):
                    code, following = _decode_html_entity(data, i)
                    if code:
                        value += _encode_code_point(code)
                        i = following
                        continue
                value.append(data[i])
                i += 1
            if _at(data, i) == quote:
                i += 1
        if _at(data, i) == 0:
            raise ParseError(f"Unclosed start tag at byte offset {begin}")
        text_value = value.decode("utf-8", "replace")
        if tag == "a" and attribute == b"href":
            argument = text_value
        elif tag == "code" and attribute == b"class" and text_value.startswith("language-"):
            argument = text_value[len("language-") :]
        elif tag == "span" and attribute == b"class" and text_value.startswith("tg-"):
            argument = text_value[len("tg-") :]
        elif tag == "tg-emoji" and attribute == b"emoji-id":
            argument = text_value
        elif tag == "blockquote" and attribute == b"expandable":
            argument = "1"
    if tag == "span" and argument != "spoiler":
        raise ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    stack.append(_OpenTag(tag, argument, utf16, out_pos))
    return i


def _close_html_tag(top: _OpenTag, utf16: int, out: bytearray, entities: list[Entity]) -> None:
    offset = top.utf16_offset
    length = utf16 - offset
    tag = top.tag
    simple = {
        "i": "italic",
        "em": "italic",
        "b": "bold",
        "strong": "bold",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "u": "underline",
        "ins": "underline",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
    if tag in simple:
        entities.append(Entity(simple[tag], offset, length))
    elif tag == "tg-emoji":
        if not re.fullmatch(r"-?\d{1,19}", top.argument) or int(top.argument) == 0:
            raise ParseError("Invalid custom emoji identifier specified")
        entities.append(Entity("custom_emoji", offset, length, custom_emoji_id=top.argument))
    elif tag == "a":
        url = top.argument or out[top.out_pos :].decode("utf-8", "replace")
        link = _link_entity(offset, length, url)
        if link is not None:
            entities.append(link)
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last.type == "code"
            and (last.offset, last.length) == (offset, length)
            and last.language
        ):
            entities[-1] = Entity("pre", offset, length, language=last.language)
        else:
            entities.append(Entity("pre", offset, length))
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last.type == "pre"
            and (last.offset, last.length) == (offset, length)
            and top.argument
        ):
            entities[-1] = Entity("pre", offset, length, language=top.argument)
        else:
            entities.append(Entity("code", offset, length, language=top.argument))
    elif tag == "blockquote":
        kind = "expandable_blockquote" if top.argument else "blockquote"
        entities.append(Entity(kind, offset, length))


# --------------------------------------------------------------------------- MarkdownV2


@dataclass
class _OpenMarkdown:
    type: str
    argument: str
    utf16_offset: int
    byte_offset: int
    out_pos: int

    def tdlib_name(self) -> str:
        if self.type == "pre":
            return "PreCode" if self.argument else "Pre"
        return _TDLIB_NAMES[self.type]


def _reserved(byte: int) -> ParseError:
    return ParseError(
        f"Character '{chr(byte)}' is reserved and must be escaped with the preceding '\\'"
    )


def _no_end(entity: _OpenMarkdown) -> ParseError:
    return ParseError(
        f"Can't find end of {entity.tdlib_name()} entity at byte offset {entity.byte_offset}"
    )


def _skip_pre_language(data: bytes, i: int) -> tuple[int, str]:
    """After an opening triple backtick: ``(index of the content, language)``."""
    size = len(data)
    language = ""
    language_end = i
    while not _is_space(_at(data, language_end)) and _at(data, language_end) != ord("`"):
        language_end += 1
    if i != language_end and language_end < size and _at(data, language_end) != ord("`"):
        language = data[i:language_end].decode("utf-8", "replace")
        i = language_end
    if _at(data, i) in b"\r\n":
        following = _at(data, i + 1)
        i += 2 if following in b"\r\n" and following != 0 and following != data[i] else 1
    return i, language


def _closes(entity_type: str, data: bytes, i: int) -> bool:
    byte = data[i]
    following = _at(data, i + 1)
    if entity_type == "bold":
        return byte == ord("*")
    if entity_type == "italic":
        return byte == ord("_") and following != ord("_")
    if entity_type == "code":
        return byte == ord("`")
    if entity_type == "pre":
        return byte == ord("`") and following == ord("`") and _at(data, i + 2) == ord("`")
    if entity_type in ("text_link", "custom_emoji"):
        return byte == ord("]")
    if entity_type == "underline":
        return byte == ord("_") and following == ord("_")
    if entity_type == "strikethrough":
        return byte == ord("~")
    if entity_type == "spoiler":
        return byte == ord("|") and following == ord("|")
    return False


def _read_markdown_url(data: bytes, i: int) -> tuple[bytes, int, int]:
    """Read ``(url)`` starting at ``i`` (just after ``(``): ``(url, index of ')', start)``."""
    size = len(data)
    start = i
    url = bytearray()
    while i < size and data[i] != ord(")"):
        if data[i] == ord("\\") and 0 < _at(data, i + 1) <= 126:
            url.append(data[i + 1])
            i += 2
            continue
        url.append(data[i])
        i += 1
    return bytes(url), i, start


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2; raises ParseError with tdlib's wording and byte offsets."""
    data = text.encode("utf-8", "surrogatepass")
    size = len(data)
    out = bytearray()
    entities: list[Entity] = []
    stack: list[_OpenMarkdown] = []
    utf16 = 0
    have_blockquote = False
    can_start_blockquote = True
    i = 0
    while i < size:
        byte = data[i]
        if byte == ord("\\") and 0 < _at(data, i + 1) <= 126:
            i += 1
            utf16 += 1
            out.append(data[i])
            if data[i] != ord("\r"):
                can_start_blockquote = data[i] == ord("\n")
            i += 1
            continue
        in_code = bool(stack) and stack[-1].type in ("code", "pre")
        reserved = (byte == ord("`")) if in_code else (byte in _MDV2_RESERVED)
        if not reserved:
            units = _utf16_units_of_lead_byte(byte)
            if units:
                utf16 += units
                if byte != ord("\r"):
                    can_start_blockquote = False
            out.append(byte)
            i += 1
            continue
        is_end = False
        if stack:
            if have_blockquote and byte == ord("\n") and (i + 1 == size or data[i + 1] != ord(">")):
                is_end = True
            else:
                is_end = _closes(stack[-1].type, data, i)
        if not is_end:
            entity_byte_offset = i
            entity_type = ""
            argument = ""
            if byte == ord("_"):
                if _at(data, i + 1) == ord("_"):
                    entity_type = "underline"
                    i += 1
                else:
                    entity_type = "italic"
            elif byte == ord("*"):
                entity_type = "bold"
            elif byte == ord("~"):
                entity_type = "strikethrough"
            elif byte == ord("|"):
                if _at(data, i + 1) != ord("|"):
                    raise _reserved(byte)
                i += 1
                entity_type = "spoiler"
            elif byte == ord("["):
                entity_type = "text_link"
            elif byte == ord("`"):
                if _at(data, i + 1) == ord("`") and _at(data, i + 2) == ord("`"):
                    entity_type = "pre"
                    i, argument = _skip_pre_language(data, i + 3)
                    i -= 1
                else:
                    entity_type = "code"
            elif byte == ord("!"):
                if _at(data, i + 1) != ord("["):
                    raise _reserved(byte)
                i += 1
                entity_type = "custom_emoji"
            elif byte == ord("\n"):
                utf16 += 1
                out.append(byte)
                can_start_blockquote = True
            elif byte == ord(">"):
                if not can_start_blockquote:
                    raise _reserved(byte)
                if not have_blockquote:
                    entity_type = "blockquote"
                    have_blockquote = True
            else:
                raise _reserved(byte)
            if entity_type:
                stack.append(
                    _OpenMarkdown(entity_type, argument, utf16, entity_byte_offset, len(out))
                )
            i += 1
            continue
        top = stack[-1]
        entity_type = top.type
        if byte == ord("\n") and entity_type != "blockquote":
            just_opened = top.byte_offset == i - 2 or (
                top.byte_offset == i - 3 and out and out[-1] == ord("\r")
            )
            if entity_type != "spoiler" or not just_opened:
                raise _no_end(top)
            stack.pop()
            top = stack[-1]
            if top.type != "blockquote":
                raise _no_end(top)
            entity_type = "expandable_blockquote"
        entity: Entity | None = None
        skip = utf16 == top.utf16_offset
        if entity_type in ("underline", "spoiler"):
            i += 1
        elif entity_type == "pre":
            i += 2
        elif entity_type == "text_link":
            if _at(data, i + 1) != ord("("):
                url = bytes(out[top.out_pos :])
            else:
                url, i, start = _read_markdown_url(data, i + 2)
                if _at(data, i) != ord(")"):
                    raise ParseError(f"Can't find end of a URL at byte offset {start}")
            entity = _link_entity(top.utf16_offset, utf16 - top.utf16_offset, url.decode())
            skip = skip or entity is None
        elif entity_type == "custom_emoji":
            if _at(data, i + 1) != ord("("):
                raise ParseError("Custom emoji entity must contain a tg://emoji URL")
            url, i, start = _read_markdown_url(data, i + 2)
            if _at(data, i) != ord(")"):
                raise ParseError(f"Can't find end of a custom emoji URL at byte offset {start}")
            emoji_id = custom_emoji_id_from_link(url.decode("utf-8", "replace"))
            entity = Entity("custom_emoji", top.utf16_offset, 0, custom_emoji_id=emoji_id)
        elif entity_type in _BLOCKQUOTES:
            have_blockquote = False
            out.append(byte)
            can_start_blockquote = True
            utf16 += 1
            skip = False
        if not skip:
            length = utf16 - top.utf16_offset
            if entity is None:
                language = top.argument if entity_type == "pre" else ""
                entity = Entity(entity_type, top.utf16_offset, length, language=language)
            else:
                entity = replace(entity, length=length)
            entities.append(entity)
        stack.pop()
        i += 1
    if have_blockquote:
        kind = "blockquote"
        if stack[-1].type == "spoiler" and stack[-1].byte_offset == size - 2:
            stack.pop()
            kind = "expandable_blockquote"
        if stack[-1].type == "blockquote":
            length = utf16 - stack[-1].utf16_offset
            if length:
                entities.append(Entity(kind, stack[-1].utf16_offset, length))
            stack.pop()
    if stack:
        raise _no_end(stack[-1])
    return out.decode("utf-8"), _sort(entities)


# --------------------------------------------------------------------------- Markdown


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Parse legacy Markdown; raises ParseError with tdlib's wording and byte offsets."""
    data = text.encode("utf-8", "surrogatepass")
    size = len(data)
    out = bytearray()
    entities: list[Entity] = []
    utf16 = 0
    i = 0
    while i < size:
        byte = data[i]
        if byte == ord("\\") and _at(data, i + 1) in b"_*`[" and _at(data, i + 1):
            i += 1
            out.append(data[i])
            utf16 += 1
            i += 1
            continue
        if byte not in b"_*`[":
            utf16 += _utf16_units_of_lead_byte(byte)
            out.append(byte)
            i += 1
            continue
        begin = i
        end_byte = ord("]") if byte == ord("[") else byte
        is_pre = False
        language = ""
        i += 1
        if byte == ord("`") and _at(data, i) == ord("`") and _at(data, i + 1) == ord("`"):
            is_pre = True
            i, language = _skip_pre_language(data, i + 2)
        entity_offset = utf16
        while i < size and (
            data[i] != end_byte
            or (is_pre and not (_at(data, i + 1) == ord("`") and _at(data, i + 2) == ord("`")))
        ):
            utf16 += _utf16_units_of_lead_byte(data[i])
            out.append(data[i])
            i += 1
        if i == size:
            raise ParseError(f"Can't find end of the entity starting at byte offset {begin}")
        length = utf16 - entity_offset
        if length:
            if byte == ord("_"):
                entities.append(Entity("italic", entity_offset, length))
            elif byte == ord("*"):
                entities.append(Entity("bold", entity_offset, length))
            elif byte == ord("["):
                if _at(data, i + 1) != ord("("):
                    url = data[begin + 1 : i]
                else:
                    i += 2
                    url_start = i
                    while i < size and data[i] != ord(")"):
                        i += 1
                    url = data[url_start:i]
                link = _link_entity(entity_offset, length, url.decode("utf-8", "replace"))
                if link is not None:
                    entities.append(link)
            elif is_pre:
                entities.append(Entity("pre", entity_offset, length, language=language))
            else:
                entities.append(Entity("code", entity_offset, length))
        if is_pre:
            i += 2
        i += 1
    return out.decode("utf-8"), _sort(entities)


# --------------------------------------------------------------------------- explicit entities


def _entity_field_error(message: str) -> ApiError:
    return bad_request(f"can't parse MessageEntity: {message}")


def entities_from_json(
    raw: list[dict[str, Any]], *, user_exists: Callable[[int], bool]
) -> list[Entity]:
    """Validate the ``entities`` a bot passed explicitly (already type-checked by the spec)."""
    result: list[Entity] = []
    for item in raw:
        entity_type = item.get("type")
        if entity_type not in _EXPLICIT_TYPES:
            raise _entity_field_error("Unsupported type specified")
        offset = int(item["offset"])
        length = int(item["length"])
        if not 0 <= offset <= 1_000_000:
            raise bad_request(f"receive an entity with incorrect offset {offset}")
        if not 0 <= length <= 1_000_000:
            raise bad_request(f"receive an entity with incorrect length {length}")
        if entity_type == "text_link":
            if "url" not in item:
                raise _entity_field_error('Can\'t find field "url"')
            url = str(item["url"])
            user_id = link_user_id(url)
            if user_id:
                result.append(Entity("text_mention", offset, length, user_id=user_id))
                continue
            normalised, error = check_link(url)
            if error:
                raise bad_request(f"entity URL '{url}' is invalid: {error}")
            result.append(Entity("text_link", offset, length, url=normalised))
        elif entity_type == "text_mention":
            user = item.get("user")
            if user is None:
                raise _entity_field_error('Can\'t find field "user"')
            user_id = int(user["id"])
            if not user_exists(user_id):
                raise bad_request("user not found")
            result.append(Entity("text_mention", offset, length, user_id=user_id))
        elif entity_type == "custom_emoji":
            if "custom_emoji_id" not in item:
                raise _entity_field_error('Can\'t find field "custom_emoji_id"')
            emoji_id = str(item["custom_emoji_id"])
            if not re.fullmatch(r"-?\d{1,19}", emoji_id) or not -(2**63) <= int(emoji_id) < 2**63:
                raise _entity_field_error('Field "custom_emoji_id" must be a valid Number')
            result.append(Entity("custom_emoji", offset, length, custom_emoji_id=emoji_id))
        elif entity_type == "pre":
            result.append(Entity("pre", offset, length, language=str(item.get("language", ""))))
        elif entity_type == "date_time":
            if "unix_time" not in item:
                raise _entity_field_error('Can\'t find field "unix_time"')
            result.append(
                Entity(
                    "date_time",
                    offset,
                    length,
                    unix_time=int(item["unix_time"]),
                    date_time_format=str(item.get("date_time_format", "")),
                )
            )
        elif entity_type in _AUTO_TYPES or entity_type == "bank_card_number":
            continue
        else:
            result.append(Entity(entity_type, offset, length))
    return result


def _check_entity_bounds(text: str, entities: list[Entity]) -> None:
    """Telegram's checks of explicit entities against the text (UTF-16 offsets)."""
    total = utf16_len(text)
    surrogate_seconds: set[int] = set()
    position = 0
    for ch in text:
        position += 1
        if ord(ch) > 0xFFFF:
            surrogate_seconds.add(position)
            position += 1
    byte_offsets = _utf16_to_byte_offsets(text)
    for entity in sorted(entities, key=lambda e: (e.offset, -e.length)):
        if entity.length == 0:
            continue
        if entity.offset > total:
            raise bad_request(
                f"entity begins after the end of the text at UTF-16 offset {entity.offset}"
            )
        if entity.offset in surrogate_seconds:
            raise bad_request(
                "entity begins in a middle of a UTF-16 symbol at byte offset "
                f"{byte_offsets[entity.offset - 1] + 4}"
            )
        if entity.end > total:
            raise bad_request(
                f"entity beginning at UTF-16 offset {entity.offset} ends after the end of the "
                f"text at UTF-16 offset {entity.end}"
            )
        if entity.end in surrogate_seconds:
            raise bad_request(
                f"entity beginning at UTF-16 offset {entity.offset} ends in a middle of a UTF-16 "
                f"symbol at byte offset {byte_offsets[entity.end - 1] + 4}"
            )


def _utf16_to_byte_offsets(text: str) -> dict[int, int]:
    offsets: dict[int, int] = {}
    utf16 = 0
    byte = 0
    for ch in text:
        offsets[utf16] = byte
        utf16 += 2 if ord(ch) > 0xFFFF else 1
        byte += len(ch.encode("utf-8", "surrogatepass"))
    offsets[utf16] = byte
    return offsets


# --------------------------------------------------------------------------- cleaning


def _removed_by_cleaning(ch: str) -> bool:
    code = ord(ch)
    return ch == "\r" or 0x2028 <= code <= 0x202E or code in (0x0333, 0x033F, 0x030A)


def clean_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """tdlib's clean-up: control characters become spaces, some characters are removed."""
    pieces: list[str] = []
    removed_positions: list[int] = []
    utf16 = 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if _removed_by_cleaning(ch):
            removed_positions.extend(range(utf16, utf16 + width))
        elif ord(ch) < 32 and ch != "\n":
            pieces.append(" ")
        else:
            pieces.append(ch)
        utf16 += width
    if not removed_positions:
        return "".join(pieces), entities

    def moved(position: int) -> int:
        return position - bisect_left(removed_positions, position)

    adjusted = []
    for entity in entities:
        start = moved(entity.offset)
        adjusted.append(replace(entity, offset=start, length=moved(entity.end) - start))
    return "".join(pieces), adjusted


def trim_text(text: str, entities: list[Entity], *, allow_empty: bool) -> tuple[str, list[Entity]]:
    """Drop trailing and leading spaces/newlines like Telegram (not inside a leading entity)."""
    entities = _sort(e for e in entities if e.length > 0)
    last_end = 0
    utf16 = 0
    for ch in text:
        utf16 += 2 if ord(ch) > 0xFFFF else 1
        if ch not in " \n":
            last_end = utf16
    if last_end == 0:
        if allow_empty:
            return "", []
        raise bad_request("text must be non-empty")
    text = _utf16_prefix(text, last_end)
    trimmed = []
    for entity in entities:
        if entity.offset >= last_end:
            continue
        if entity.end > last_end:
            entity = replace(entity, length=last_end - entity.offset)
        trimmed.append(entity)
    first_entity = trimmed[0].offset if trimmed else len(text)
    leading = 0
    while leading < first_entity and leading < len(text) and text[leading] in " \n":
        leading += 1
    if leading:
        text = text[leading:]
        trimmed = [replace(e, offset=e.offset - leading) for e in trimmed]
    return text, _sort(trimmed)


def _utf16_prefix(text: str, units: int) -> str:
    count = 0
    for index, ch in enumerate(text):
        if count >= units:
            return text[:index]
        count += 2 if ord(ch) > 0xFFFF else 1
    return text


# --------------------------------------------------------------------------- auto detection


def _is_word_char(ch: str) -> bool:
    if ch == "_":
        return True
    category = unicodedata.category(ch)
    return category[0] == "L" or category in ("Nd", "Nl", "No")


def _is_hashtag_letter(ch: str) -> bool:
    code = ord(ch)
    if ch == "_" or code in (0x200C, 0xB7) or 0xD80 <= code <= 0xDFF:
        return True
    category = unicodedata.category(ch)
    return category[0] == "L" or category == "Nd"


_SHORT_USERNAMES = frozenset(
    {"gif", "wiki", "vid", "bing", "pic", "bold", "imdb", "coub", "like", "vote"}
)
_ALNUM_UNDERSCORE = re.compile(r"[A-Za-z0-9_]*")


def _find_mentions(text: str) -> Iterable[tuple[int, int]]:
    for match in re.finditer("@", text):
        start = match.start()
        if start and _is_word_char(text[start - 1]):
            continue
        run = _ALNUM_UNDERSCORE.match(text, start + 1)
        end = run.end() if run else start + 1
        name = text[start + 1 : end]
        if not 2 <= len(name) <= 32:
            continue
        if end < len(text) and _is_word_char(text[end]):
            continue
        if len(name) < 5 and name.lower() not in _SHORT_USERNAMES:
            continue
        yield start, end


def _find_bot_commands(text: str) -> Iterable[tuple[int, int]]:
    for match in re.finditer("/", text):
        start = match.start()
        if start and (_is_word_char(text[start - 1]) or text[start - 1] in "/<>"):
            continue
        run = _ALNUM_UNDERSCORE.match(text, start + 1)
        end = run.end() if run else start + 1
        if not 1 <= end - start - 1 <= 64:
            continue
        if end < len(text) and text[end] == "@":
            mention = _ALNUM_UNDERSCORE.match(text, end + 1)
            mention_end = mention.end() if mention else end + 1
            if not 3 <= mention_end - end - 1 <= 32:
                continue
            end = mention_end
        if end < len(text) and (_is_word_char(text[end]) or text[end] in "/<>"):
            continue
        yield start, end


def _find_hashtags(text: str) -> Iterable[tuple[int, int]]:
    for match in re.finditer("#", text):
        start = match.start()
        if start and _is_hashtag_letter(text[start - 1]):
            continue
        end = start + 1
        has_letter = False
        while end < len(text) and _is_hashtag_letter(text[end]):
            has_letter = has_letter or unicodedata.category(text[end])[0] == "L"
            end += 1
        if end == start + 1 or not has_letter:
            continue
        if end < len(text) and text[end] == "#":
            continue
        yield start, min(end, start + 1 + 256)


def _find_cashtags(text: str) -> Iterable[tuple[int, int]]:
    for match in re.finditer(r"\$", text):
        start = match.start()
        if start and (_is_hashtag_letter(text[start - 1]) or text[start - 1] == "$"):
            continue
        if text.startswith("1INCH", start + 1):
            end = start + 6
        else:
            end = start + 1
            while end < len(text) and "A" <= text[end] <= "Z":
                end += 1
        if not 1 <= end - start - 1 <= 8:
            continue
        if end < len(text) and (_is_hashtag_letter(text[end]) or text[end] == "$"):
            continue
        yield start, end


_COMMON_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|ai|app|dev|me|co|tv|ru|ua|by|kz|uz|de|fr|uk|us|ca|"
    "au|nl|be|ch|at|it|es|pt|pl|cz|se|no|fi|dk|ie|jp|cn|kr|in|br|mx|ar|eu|xyz|online|site|tech|"
    "store|blog|news|pro|name|mobi|asia|club|top|live|shop|one|link|page|cloud|ly|gg|so|to|sh|"
    "im|fm|am|cc|ws|su|tr|il|gr|ro|hu|bg|rs|hr|sk|si|lt|lv|ee|nz|za|ng|ke|eg|sa|ae|ir|pk|id|"
    "my|sg|th|vn|ph|tw|hk|cl|pe|ve|health|care|help|support|email|space|website|world|media"
)
_URL_PATTERN = re.compile(
    r"(?i)(?<![\w@.\-/])(?:"
    r"(?:https?|ftp|tg|ton)://[^\s<>\"']+"
    r"|(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:" + _COMMON_TLDS + r")(?![\w-])"
    r"(?::\d{1,5})?(?:[/?#][^\s<>\"']*)?"
    r")"
)
_EMAIL_PATTERN = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,}(?![\w-])"
)


def _trim_url(url: str) -> str:
    while url and url[-1] in ".,:;!?'\"":
        url = url[:-1]
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def _find_urls_and_emails(text: str) -> Iterable[tuple[str, int, int]]:
    for match in _EMAIL_PATTERN.finditer(text):
        yield "email", match.start(), match.end()
    for match in _URL_PATTERN.finditer(text):
        url = _trim_url(match.group(0))
        if url:
            yield "url", match.start(), match.start() + len(url)


def find_auto_entities(text: str, *, bot_commands: bool = True) -> list[Entity]:
    """The entities Telegram detects in any text: mentions, commands, hashtags, links..."""
    prefix = [0]
    for ch in text:
        prefix.append(prefix[-1] + (2 if ord(ch) > 0xFFFF else 1))
    spans: list[tuple[str, int, int]] = []
    spans += [("mention", s, e) for s, e in _find_mentions(text)]
    if bot_commands:
        spans += [("bot_command", s, e) for s, e in _find_bot_commands(text)]
    spans += [("hashtag", s, e) for s, e in _find_hashtags(text)]
    spans += [("cashtag", s, e) for s, e in _find_cashtags(text)]
    spans += list(_find_urls_and_emails(text))
    found = _sort(
        Entity(kind, prefix[start], prefix[end] - prefix[start]) for kind, start, end in spans
    )
    kept: list[Entity] = []
    last_end = 0
    for entity in found:
        if entity.offset >= last_end:
            kept.append(entity)
            last_end = entity.end
    return kept


def merge_auto_entities(entities: list[Entity], found: list[Entity]) -> list[Entity]:
    """Add detected entities that do not touch a continuous entity (code, link, ...)."""
    blocking = [e for e in entities if e.type not in _SPLITTABLE | _BLOCKQUOTES]
    merged = list(entities)
    for candidate in found:
        if any(candidate.offset < e.end and e.offset < candidate.end for e in blocking):
            continue
        merged.append(candidate)
    return _sort(merged)


# --------------------------------------------------------------------------- public API


def entity_to_api(
    entity: Entity, user_lookup: Callable[[int], dict[str, Any] | None]
) -> dict[str, Any] | None:
    """The Bot API ``MessageEntity`` dict, or None for a mention of an unknown user."""
    data: dict[str, Any] = {"offset": entity.offset, "length": entity.length, "type": entity.type}
    if entity.type == "text_link":
        data["url"] = entity.url
    elif entity.type == "pre" and entity.language:
        data["language"] = entity.language
    elif entity.type == "custom_emoji":
        data["custom_emoji_id"] = entity.custom_emoji_id
    elif entity.type == "date_time":
        data["unix_time"] = entity.unix_time
        if entity.date_time_format:
            data["date_time_format"] = entity.date_time_format
    elif entity.type == "text_mention":
        user = user_lookup(entity.user_id)
        if user is None:
            return None
        data["user"] = user
    return data


def parse_entities_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Apply a ``parse_mode``; raises ApiError for an unknown mode or unparsable text."""
    mode = (parse_mode or "").lower()
    parsers: dict[str, Callable[[str], tuple[str, list[Entity]]]] = {
        "html": parse_html,
        "markdownv2": parse_markdown_v2,
        "markdown": parse_markdown,
    }
    if not mode:
        return text, []
    parser = parsers.get(mode)
    if parser is None:
        raise bad_request("unsupported parse_mode")
    try:
        return parser(text)
    except ParseError as error:
        raise bad_request(f"can't parse entities: {error}") from None


def format_text(
    text: str,
    *,
    parse_mode: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    user_lookup: Callable[[int], dict[str, Any] | None],
    allow_empty: bool = False,
    detect_entities: bool = True,
) -> FormattedText:
    """Turn a request's text + parse_mode/entities into what Telegram stores and returns.

    With a parse_mode the explicit ``entities`` are ignored, as by the Bot API server.
    Raises ApiError with Telegram's descriptions (an empty result raises
    ``text must be non-empty`` unless ``allow_empty``).
    """
    if parse_mode:
        plain, parsed = parse_entities_text(text, parse_mode)
        parsed = [e for e in parsed if e.type != "text_mention" or user_lookup(e.user_id)]
    else:
        plain = text
        parsed = entities_from_json(
            entities or [], user_exists=lambda user_id: user_lookup(user_id) is not None
        )
        _check_entity_bounds(plain, parsed)
    cleaned, parsed = clean_text(plain, [e for e in parsed if e.length > 0])
    final_text, final_entities = trim_text(cleaned, parsed, allow_empty=allow_empty)
    if detect_entities and final_text:
        final_entities = merge_auto_entities(final_entities, find_auto_entities(final_text))
    api_entities = []
    for entity in final_entities:
        converted = entity_to_api(entity, user_lookup)
        if converted is not None:
            api_entities.append(converted)
    return FormattedText(final_text, tuple(api_entities))


__all__ = [
    "MAX_CAPTION_LENGTH",
    "MAX_TEXT_LENGTH",
    "Entity",
    "FormattedText",
    "ParseError",
    "check_link",
    "find_auto_entities",
    "format_text",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]
