"""Structure and text checks for the IME explainer in ``bot.guide``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

from bot import guide
from bot.guide import ROOT, SCREENS, GuideScreen, parent_of

GUIDE_SOURCE = Path(guide.__file__)

KEY_RE = re.compile(r"^[a-z0-9_]{1,16}$")
TAG_RE = re.compile(r"<(/?)([^<>]*)>")
ALLOWED_TAGS = {"b", "i"}
MAX_LABEL = 30
MAX_BODY = 900
MAX_BODY_TRANSLATED = 1000


def tag_problems(text: str) -> list[str]:
    """Describe what is wrong with the Telegram HTML in ``text`` (empty if nothing)."""
    problems: list[str] = []
    stack: list[str] = []
    for match in TAG_RE.finditer(text):
        closing, name = match.group(1) == "/", match.group(2)
        if name not in ALLOWED_TAGS:
            problems.append(f"tag not allowed: {match.group(0)!r}")
        elif not closing:
            if name in stack:
                problems.append(f"<{name}> nested inside itself")
            stack.append(name)
        elif not stack or stack[-1] != name:
            problems.append(f"unexpected {match.group(0)!r}")
        else:
            stack.pop()
    if stack:
        problems.append(f"unclosed: {stack}")
    leftover = TAG_RE.sub("", text)
    for char in "<>&":
        if char in leftover:
            problems.append(f"stray {char!r} outside a tag")
    return problems


def tag_sequence(text: str) -> list[str]:
    return [match.group(0) for match in TAG_RE.finditer(text)]


def test_tag_checker_catches_mistakes() -> None:
    assert tag_problems("<b>ok</b> and <i>fine</i>") == []
    assert tag_problems("<b>open")
    assert tag_problems("<b><i>crossed</b></i>")
    assert tag_problems("<u>underline</u>")
    assert tag_problems("a & b")
    assert tag_problems("1 < 2")
    assert tag_problems("</b>")


def test_root_exists_and_has_no_parent() -> None:
    assert ROOT in SCREENS
    assert SCREENS[ROOT].children
    assert parent_of(ROOT) is None


def test_entries_are_screens_filed_under_their_own_key() -> None:
    for key, screen in SCREENS.items():
        assert isinstance(screen, GuideScreen)
        assert screen.key == key


def test_no_duplicate_keys_in_source() -> None:
    """The dict comprehension would silently drop a screen whose key is used twice."""
    tree = ast.parse(GUIDE_SOURCE.read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "GuideScreen"
    ]
    assert len(calls) == len(SCREENS)


@pytest.mark.parametrize("key", sorted(SCREENS))
def test_key_format_and_callback_size(key: str) -> None:
    assert KEY_RE.match(key), key
    assert len(f"guide:{key}".encode()) <= 64


@pytest.mark.parametrize("key", sorted(SCREENS))
def test_children_exist_and_are_not_repeated(key: str) -> None:
    children = SCREENS[key].children
    assert len(children) == len(set(children)), f"{key} lists a child twice"
    for child in children:
        assert child in SCREENS, f"{key} -> unknown screen {child!r}"
        assert child != ROOT, f"{key} leads back to the root"


def test_every_screen_has_exactly_one_parent_except_root() -> None:
    parents: dict[str, list[str]] = {key: [] for key in SCREENS}
    for screen in SCREENS.values():
        for child in screen.children:
            parents[child].append(screen.key)
    for key, found in parents.items():
        if key == ROOT:
            assert found == [], f"root is a child of {found}"
        else:
            assert len(found) == 1, f"{key} has parents {found}"
            assert parent_of(key) == found[0]


def test_parent_of_unknown_key_is_none() -> None:
    assert parent_of("no_such_screen") is None


def test_every_screen_reachable_from_root_without_cycles() -> None:
    seen: set[str] = set()

    def walk(key: str, path: tuple[str, ...]) -> None:
        assert key not in path, f"cycle: {' -> '.join((*path, key))}"
        seen.add(key)
        for child in SCREENS[key].children:
            walk(child, (*path, key))

    walk(ROOT, ())
    assert seen == set(SCREENS), f"unreachable: {sorted(set(SCREENS) - seen)}"


def test_walking_up_from_any_screen_ends_at_root() -> None:
    for key in SCREENS:
        steps, current = 0, key
        while current != ROOT:
            parent = parent_of(current)
            assert parent is not None, f"{current} has no parent"
            current = parent
            steps += 1
            assert steps <= len(SCREENS), f"{key} never reaches the root"


def test_faq_has_six_to_eight_questions() -> None:
    assert "faq" in SCREENS[ROOT].children
    faq = SCREENS["faq"]
    assert 6 <= len(faq.children) <= 8
    for child in faq.children:
        assert not SCREENS[child].children, f"{child} should be a single answer"


@pytest.mark.parametrize("key", sorted(SCREENS))
def test_label(key: str) -> None:
    label = SCREENS[key].label
    assert label.strip() == label and label
    assert len(label) <= MAX_LABEL, f"{key}: {len(label)} characters"
    assert "\n" not in label
    assert not set(label) & set("<>&"), f"{key}: labels are plain text"


def test_labels_are_unique() -> None:
    labels = [screen.label for screen in SCREENS.values()]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("key", sorted(SCREENS))
def test_body(key: str) -> None:
    body = SCREENS[key].body
    assert body.strip() == body and body
    assert len(body) < MAX_BODY, f"{key}: {len(body)} characters"
    assert tag_problems(body) == [], key
    assert "\n\n\n" not in body
    assert "  " not in body, f"{key}: double space (a missing word or a joined literal?)"


def test_all_texts_are_extractable_by_gettext() -> None:
    """Each label and body must be a literal inside N_() so pybabel extracts it."""
    assert "N_" in DEFAULT_KEYWORDS
    extracted = {
        message
        for _line, message, _comments, _context in extract_from_file(
            "python", str(GUIDE_SOURCE), keywords=DEFAULT_KEYWORDS
        )
        if isinstance(message, str)
    }
    for screen in SCREENS.values():
        assert screen.label in extracted, screen.key
        assert screen.body in extracted, screen.key


def _english_texts() -> set[str]:
    return {text for screen in SCREENS.values() for text in (screen.label, screen.body)}
