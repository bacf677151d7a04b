"""Crisis screener: grades every message none / check / concern / high, and says why.

The triage policy is ``shared/SAFETY-POLICY.md``; the grades follow the structure of the
C-SSRS screener (wish to be dead and thoughts of suicide are a positive screen; a method, a
plan, intent, preparations or a recent attempt are acute). It is deterministic and
explainable on purpose: a coordinator must be able to see which rule fired, and a reviewer
must be able to change a phrase without touching code. Every lexicon lives in
``bot/data/screening/{en,fr,es}.json`` plus ``emoji.json``; all three languages are checked
on every message, because people mix them and a missed crisis is the worst defect this
project can have. Nothing is downloaded at run time.

How a message is read:

1. Normalised: emoji become ``emj_*`` tokens, accents and case go, leetspeak and stretched
   letters are undone, contractions are expanded, and slang and misspellings are mapped to
   plain words (``kms`` after "want to" becomes "kill myself").
2. Idioms ("this exam is killing me", "me muero de ganas") are blanked out, so their words
   cannot trigger a rule; they still count as hyperbole next to distress.
3. Rules (first-person crisis statements, each with a C-SSRS category and a level) are
   matched. A rule may name term lists of its language file (``<wish> to <death>``), so a
   family of phrasings is written once; a rule whose literals are absent from the message
   is skipped without running its regex, which keeps a message well under a millisecond.
   A rule is lowered to *check* when its own clause negates it ("I would never"),
   frames it as a question about the topic ("will they ask if..."), reports someone else
   ("my brother says he..."), or turns it into a trivial hyperbole ("if I have to fill in
   one more form..."; for threats that opt in, banter or a petty grievance: "I'm going to
   kill him if he's late again lol"). A rule bound to a context ("I don't want to be here")
   keeps its level only next to distress or hopelessness, and is a check alone. A negation
   lowers only its own clause, so "I would never hurt myself, but I have the pills ready"
   stays high. A retraction ("just kidding") lowers one step and never below check.
4. A concern with a time ("tonight", "right now") in its clause, or a means in the message,
   becomes high; an attempt with a recent date ("three weeks ago") becomes high; "I mean
   it" raises a statement about oneself one step and rules out the hyperbole reading.
5. Topic words (suicide, self-harm, overdose) outside any rule give *check*; weaker words
   (die, dead, disappear, goodbye) give *check* when negated, asked about, said of someone
   else, next to distress, or in a sentence with "I"/"je"/"yo": ambiguous first-person
   death or ending talk gets the gentle question, never silence. Hopelessness alone gives
   *check*.

6. A second opinion (``bot.screening_model``): a small logistic regression over the same text
   (normalised, idioms blanked) catches paraphrases the rules miss ("I'm so close to ending
   everything"). It can only raise a grade (below concern to concern, or none to check),
   with a "model" finding naming the words that pushed it; when the rules lowered a cue
   (negated, a question about the topic, someone else's words, an idiom, a retraction) it
   needs a much higher probability. When the rules found nothing, a lower "check"
   probability raises the message to check, so the bot asks the direct question (errs
   towards a human at low cost). Its thresholds were chosen by cross-validation to keep
   false alerts rare and the question rare on everyday messages
   (``scripts/train-screener``).

Most messages are everyday talk; ``screen_message`` first tries a fast path that proves
the rules would find nothing (``_FastPath``), and ``_screen_full`` always runs everything.
Both then ask the model, on the same text. ``tests/test_screening_fastpath.py`` checks
that both agree.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from functools import cache, lru_cache
from itertools import product
from pathlib import Path
from re import _constants as sre_constants
from re import _parser as sre_parser
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data" / "screening"
LANGUAGES = ("en", "fr", "es")
SECTIONS = (
    "detect",
    "terms",
    "contractions",
    "slang",
    "slang_patterns",
    "misspellings",
    "idioms",
    "negators",
    "pseudo_negations",
    "clause_breaks",
    "scope_breaks",
    "question_markers",
    "reported_speech",
    "first_person",
    "other_person",
    "retractions",
    "affirmations",
    "seriousness",
    "hyperbole",
    "distress",
    "hopelessness",
    "time_now",
    "time_recent",
    "means",
    "rules",
    "topics",
)

# Rule categories whose concern becomes high when a time or a means sits in the message.
_ESCALATES = frozenset({"wish_dead", "passive_ideation", "ideation", "self_harm", "relapse"})
# Statements about oneself can be trivial hyperbole ("...one more form I'll kill myself");
# another rule opts in with ``"hyperbole": true`` and is read only with the hyperbole
# entries that name its category ("I'm going to kill him if he's late again, lol").
_HYPERBOLE = frozenset({"wish_dead", "passive_ideation", "ideation", "intent"})
# A rule with ``"context": "distress"`` keeps its level only next to distress or
# hopelessness ("I can't go on, I don't want to be here"); with ``"hopelessness"`` only
# next to hopelessness ("no point anymore, I just want to go"). Alone it is a check.
_CONTEXTS = frozenset({"distress", "hopelessness"})
# Finding categories that mean the rules read a cue and lowered it on purpose: the model's
# second opinion then needs its higher, "guarded" threshold to raise the message.
_GUARDED = frozenset({"negated", "question", "third_person", "idiom", "retracted"})
_NEGATION_WINDOW = 5
_SNIPPET = 70


class RiskLevel(IntEnum):
    """The policy's four levels, ordered so the highest finding wins."""

    NONE = 0
    CHECK = 1
    CONCERN = 2
    HIGH = 3


@dataclass(frozen=True)
class Finding:
    """One reason behind a grade: the rule that fired, what it means, and the text it saw."""

    rule: str
    category: str
    matched: str


@dataclass(frozen=True)
class Screening:
    """The grade of one message, with the findings that explain it (most serious first)."""

    level: RiskLevel
    findings: tuple[Finding, ...]
    language: str

    def explain(self) -> str:
        """One line a coordinator can read at a glance: the level, then the main reasons."""
        head = self.level.name.lower()
        if not self.findings:
            return f"{head}: nothing found"
        # Two rules can read the same words; the coordinator needs each reason once.
        shown = list(dict.fromkeys(f"{f.category} ('{f.matched}')" for f in self.findings))
        reasons = "; ".join(shown[:4])
        more = len(shown) - 4
        return f"{head}: {reasons}" + (f" (+{more} more)" if more > 0 else "")

    @property
    def lowered_a_cue(self) -> bool:
        """Whether the rules read a cue and lowered it on purpose (see ``_GUARDED``)."""
        return any(f.category in _GUARDED for f in self.findings)


_Cost = Callable[[frozenset[str]], tuple[int, int]]


def _literal_cover(pattern: str, cost: _Cost | None = None) -> frozenset[str] | None:
    """Literal strings one of which every match of ``pattern`` must contain, if known.

    This lets the screener skip a rule whose words are absent from the message, which is
    most rules for most messages (the standard regex prefilter idea). ``None`` means the
    rule always runs; that is the safe answer whenever the pattern is not understood.
    """
    try:
        return _cover_sequence(sre_parser.parse(pattern).data, cost or _selectivity)
    except (AttributeError, TypeError, ValueError, re.error):
        return None


def _literal_options(pattern: str, cost: _Cost) -> list[list[frozenset[str]]] | None:
    """For each way ``pattern`` can match, the literal sets a match must hit, if known.

    The pattern's top-level alternatives are taken apart (``a|b`` can match as ``a`` or as
    ``b``); a match of one alternative contains a literal of each of its sets, so a text
    lacking every literal of one set cannot match that way. Nested choices follow ``cost``.
    None when some alternative needs no literal, so it can never be ruled out.
    """
    try:
        ways = _alternatives(list(sre_parser.parse(pattern).data))
    except (re.error, ValueError):
        return None
    found = [_sequence_options(way, cost) for way in ways]
    return None if not found or not all(found) else found


def _alternatives(items: list[tuple[Any, Any]], limit: int = 64) -> list[list[tuple[Any, Any]]]:
    """The ways a parsed sequence can match, splitting its groups' alternations (bounded)."""
    for position, (op, arg) in enumerate(items):
        body = arg[-1].data if op is sre_constants.SUBPATTERN else None
        if body is not None and len(body) == 1 and body[0][0] is sre_constants.BRANCH:
            branches = body[0][1][1]
            if len(branches) > limit:
                return [items]
            head, tail = items[:position], items[position + 1 :]
            ways = [head + list(branch.data) + tail for branch in branches]
            out: list[list[tuple[Any, Any]]] = []
            for way in ways:
                out += _alternatives(way, limit // len(branches) or 1)
            return out
        if op is sre_constants.BRANCH:
            head, tail = items[:position], items[position + 1 :]
            return [w for b in arg[1] for w in _alternatives(head + list(b.data) + tail, 1)]
    return [items]


def _sequence_options(
    items: list[tuple[Any, Any]], cost: _Cost, *, open_groups: bool = True
) -> list[frozenset[str]]:
    """Every literal run and every node's cover in a sequence; with ``open_groups`` a
    group's own sequence counts as part of this one, else the group is one node."""
    options: list[frozenset[str]] = []
    run = ""
    for op, arg in items:
        if op is sre_constants.LITERAL:
            run += chr(arg)
            continue
        if len(run) >= 2:
            options.append(frozenset({run}))
        run = ""
        if open_groups and op is sre_constants.SUBPATTERN:
            options += _sequence_options(arg[-1].data, cost)
        else:
            found = _cover_node(op, arg, cost)
            if found:
                options.append(found)
    if len(run) >= 2:
        options.append(frozenset({run}))
    return options


def _selectivity(option: frozenset[str]) -> tuple[int, int]:
    return sum(50 for word in option if len(word) < 4) + len(option), -min(map(len, option))


def _cover_sequence(items: list[tuple[Any, Any]], cost: _Cost) -> frozenset[str] | None:
    options = _sequence_options(items, cost, open_groups=False)
    return min(options, key=cost) if options else None


def _cover_node(op: Any, arg: Any, cost: _Cost) -> frozenset[str] | None:
    if op is sre_constants.SUBPATTERN:
        return _cover_sequence(arg[-1].data, cost)
    if op is sre_constants.BRANCH:
        union: set[str] = set()
        for branch in arg[1]:
            found = _cover_sequence(branch.data, cost)
            if not found:
                return None
            union |= found
        return frozenset(union)
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and arg[0] >= 1:
        return _cover_sequence(arg[2].data, cost)
    return None


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex for many literals, shaped as a trie so each position costs one walk.

    A terminal node's children are optional and greedy, so the longest literal that
    starts at a position is the one reported.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
        return body

    return render(trie)


@dataclass(frozen=True)
class _Index:
    """Which items (rules, topics, idioms) may match, given the literals found in a text."""

    by_literal: dict[str, tuple[int, ...]]
    always: tuple[int, ...]

    @classmethod
    def build(cls, covers: list[frozenset[str] | None]) -> _Index:
        by_literal: dict[str, list[int]] = {}
        for index, cover in enumerate(covers):
            for word in cover or ():
                by_literal.setdefault(word, []).append(index)
        always = tuple(i for i, cover in enumerate(covers) if cover is None)
        return cls({w: tuple(ids) for w, ids in by_literal.items()}, always)

    def candidates(self, present: Iterable[str]) -> list[int]:
        found = set(self.always)
        for word in present:
            found.update(self.by_literal.get(word, ()))
        return sorted(found)


@dataclass(frozen=True)
class _Gate:
    """Finds which cover literals occur in a text, with one scan."""

    regex: re.Pattern[str]
    prefixes: dict[str, frozenset[str]]

    @classmethod
    def build(cls, literals: Iterable[str]) -> _Gate:
        known = set(literals)
        words = sorted(known, key=len, reverse=True)
        # At one position only one literal can be the longest match; the others that also
        # match there are its prefixes, so they are added back from this table.
        prefixes = {
            word: frozenset(word[:n] for n in range(1, len(word) + 1) if word[:n] in known)
            for word in words
        }
        body = _trie_pattern(words) if words else "(?!)"
        return cls(re.compile(f"(?=({body}))"), prefixes)

    def present(self, text: str) -> set[str]:
        found: set[str] = set()
        for match in self.regex.finditer(text):
            found |= self.prefixes[match.group(1)]
        return found


@dataclass(frozen=True)
class _Rule:
    id: str
    language: str
    category: str
    level: RiskLevel
    regex: _LazyRegex
    any_person: bool
    recency: bool
    cover: frozenset[str] | None
    hyperbole: bool = False
    context: str | None = None


@dataclass(frozen=True)
class _Topic:
    id: str
    language: str
    strong: bool
    other_person: bool
    regex: _LazyRegex
    cover: frozenset[str] | None


@dataclass(frozen=True)
class _Named:
    id: str
    regex: _LazyRegex
    cover: frozenset[str] | None = None
    # For hyperbole entries: the rule categories they can lower (None: the self-statements).
    categories: frozenset[str] | None = None


@dataclass(frozen=True)
class _Step:
    """One substitution of the normalisation, skipped when its literals are absent."""

    regex: re.Pattern[str]
    replacement: str
    needs: re.Pattern[str] | None

    @classmethod
    def build(cls, pattern: str, replacement: str) -> _Step:
        cover = _cover_of(pattern)
        needs = re.compile(_trie_pattern(cover)) if cover else None
        return cls(re.compile(pattern), replacement, needs)

    def apply(self, text: str) -> str:
        if self.needs is not None and self.needs.search(text) is None:
            return text
        return self.regex.sub(self.replacement, text)


@dataclass(frozen=True)
class _Markers:
    """What can lower a cue, read in the cue's own language ("he" is not Spanish "he")."""

    negators: re.Pattern[str]
    pseudo_negations: re.Pattern[str]
    question_markers: re.Pattern[str]
    reported_speech: re.Pattern[str]
    persons: re.Pattern[str]
    hyperbole: tuple[_Named, ...]


@dataclass(frozen=True)
class _Lexicon:
    """Every language's data merged and compiled once: the screener checks all of them."""

    emoji: dict[str, str]
    emoji_regex: re.Pattern[str]
    vocabulary: frozenset[str]
    contractions: tuple[_Step, ...]
    word_map: dict[str, str]
    word_map_regex: re.Pattern[str]
    slang_patterns: tuple[_Step, ...]
    idioms: tuple[_Named, ...]
    markers: dict[str, _Markers]
    clause_breaks: re.Pattern[str]
    scope_breaks: re.Pattern[str]
    retractions: re.Pattern[str]
    affirmations: re.Pattern[str]
    seriousness: re.Pattern[str]
    distress: tuple[_Named, ...]
    hopelessness: tuple[_Named, ...]
    time_now: re.Pattern[str]
    time_recent: re.Pattern[str]
    means: tuple[_Named, ...]
    rules: tuple[_Rule, ...]
    topics: tuple[_Topic, ...]
    detect: dict[str, frozenset[str]]
    gate: _Gate
    rule_index: _Index
    topic_index: _Index
    idiom_index: _Index


def _bounded(pattern: str) -> str:
    return rf"\b(?:{pattern})\b"


class _LazyRegex:
    """A lexicon entry's regex, compiled the first time a message may match it.

    The gates skip most entries for most messages, and compiling all of them was a third
    of the screener's start-up, so the bot starts without them and ``warm_up`` compiles
    the rest in the background; ``tests/test_screening.py`` compiles every pattern. Once
    compiled, ``search``, ``finditer`` and ``sub`` are the compiled pattern's own methods,
    so the rules pay nothing for the laziness.
    """

    __slots__ = ("compiled", "finditer", "pattern", "search", "sub")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.compiled: re.Pattern[str] | None = None
        self.search: Callable[..., re.Match[str] | None] = lambda *a: self.compile().search(*a)
        self.finditer: Callable[..., Iterator[re.Match[str]]] = lambda *a: self.compile().finditer(
            *a
        )
        self.sub: Callable[..., str] = lambda *a: self.compile().sub(*a)

    def compile(self) -> re.Pattern[str]:
        if self.compiled is None:
            compiled = re.compile(self.pattern)
            self.search, self.finditer, self.sub = compiled.search, compiled.finditer, compiled.sub
            self.compiled = compiled
        return self.compiled


def _compile(pattern: str) -> _LazyRegex:
    return _LazyRegex(_bounded(pattern))


def _alternation(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(_bounded(p) for p in patterns))


def _level(name: str) -> RiskLevel:
    return RiskLevel[name.upper()]


def _context(entry: dict[str, Any]) -> str | None:
    context = entry.get("context")
    if context is not None and context not in _CONTEXTS:
        raise ValueError(f"{entry['id']}: unknown context {context!r}")
    return context


def load_raw(name: str) -> dict[str, Any]:
    """The data file ``name`` (a language code or ``emoji``) as stored, for tests and tools."""
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _vocabulary(files: Iterable[dict[str, Any]]) -> frozenset[str]:
    """Words the lexicons know, so a stretched "diiiie" can be read back as "die"."""
    words: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            words.update(re.findall(r"[a-z]{2,}", re.sub(r"\\[a-zA-Z]", " ", value)))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for data in files:
        walk({k: v for k, v in data.items() if k not in ("about", "language")})
    return frozenset(words)


_TERM = re.compile(r"<([a-z_]+)>")


def expand(pattern: str, terms: dict[str, list[str]]) -> str:
    """Replace each ``<name>`` in a pattern by the alternation of the term list ``name``.

    Term lists let a rule say "a wish verb, then a self-directed ending" once, instead of
    listing every pairing; a term may itself use other terms.
    """
    for _ in range(4):
        expanded = _TERM.sub(lambda m: "(?:" + "|".join(terms[m.group(1)]) + ")", pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise ValueError(f"terms nest too deeply in {pattern[:60]!r}")


def _with_terms(data: dict[str, Any]) -> dict[str, Any]:
    """A language file with every pattern's ``<term>`` placeholders expanded."""
    terms = data["terms"]
    out = dict(data)
    for section in ("idioms", "hyperbole", "distress", "hopelessness", "means", "rules", "topics"):
        out[section] = [dict(e, pattern=expand(e["pattern"], terms)) for e in data[section]]
    for section in (
        "negators",
        "pseudo_negations",
        "question_markers",
        "reported_speech",
        "other_person",
        "retractions",
        "affirmations",
        "seriousness",
        "time_now",
        "time_recent",
    ):
        out[section] = [expand(p, terms) for p in data[section]]
    return out


def _markers(files: list[dict[str, Any]]) -> _Markers:
    def strings(section: str) -> list[str]:
        return [p for data in files for p in data[section]]

    # Other people first, so "my brother" wins over the "my" inside it.
    others = "|".join(_bounded(p) for p in strings("other_person"))
    firsts = "|".join(_bounded(p) for p in strings("first_person"))
    return _Markers(
        negators=_alternation(strings("negators")),
        pseudo_negations=_alternation(strings("pseudo_negations")),
        question_markers=_alternation(strings("question_markers")),
        reported_speech=_alternation(strings("reported_speech")),
        persons=re.compile(f"(?P<other>{others})|(?P<first>{firsts})"),
        hyperbole=tuple(
            _Named(
                e["id"],
                _compile(e["pattern"]),
                categories=frozenset(e["categories"]) if "categories" in e else None,
            )
            for data in files
            for e in data["hyperbole"]
        ),
    )


@cache
def _lexicon() -> _Lexicon:
    files = {code: _with_terms(load_raw(code)) for code in LANGUAGES}
    emoji_data = load_raw("emoji")
    merged = list(files.values())

    def strings(section: str) -> list[str]:
        return [p for data in merged for p in data[section]]

    def named(section: str, extra: Iterable[dict[str, str]] = ()) -> tuple[_Named, ...]:
        entries = [e for data in merged for e in data[section]] + list(extra)
        return tuple(
            _Named(e["id"], _compile(e["pattern"]), _cover_of(e["pattern"])) for e in entries
        )

    word_map: dict[str, str] = {}
    for data in merged:
        for section in ("slang", "misspellings"):
            for key, value in data[section].items():
                word_map.setdefault(key, value)
    keys = sorted(word_map, key=len, reverse=True)

    sources = [(code, entry) for code, data in files.items() for entry in data["rules"]]
    sources += [("emoji", entry) for entry in emoji_data["rules"]]
    rules = [
        _Rule(
            id=entry["id"],
            language=code,
            category=entry["category"],
            level=_level(entry["level"]),
            regex=_compile(entry["pattern"]),
            any_person=entry.get("person") == "any",
            recency=bool(entry.get("recency")),
            cover=_cover_of(entry["pattern"]),
            hyperbole=entry.get("hyperbole", entry["category"] in _HYPERBOLE),
            context=_context(entry),
        )
        for code, entry in sources
    ]
    topics = [
        _Topic(
            id=entry["id"],
            language=code,
            strong=entry["strength"] == "strong",
            other_person=entry.get("person") == "other",
            regex=_compile(entry["pattern"]),
            cover=_cover_of(entry["pattern"]),
        )
        for code, data in files.items()
        for entry in data["topics"]
    ]
    markers = {code: _markers([data]) for code, data in files.items()}
    # Emoji speak every language: their cues are read with every language's markers.
    markers["emoji"] = _markers(merged)
    emoji = dict(emoji_data["emoji"])
    idioms = named("idioms")
    distress, hopelessness = named("distress"), named("hopelessness")
    means = named("means", emoji_data["means"])
    gated = [*rules, *topics, *idioms, *distress, *hopelessness, *means]
    covers = [x.cover for x in gated if x.cover is not None]
    lexicon = _Lexicon(
        emoji=emoji,
        emoji_regex=re.compile(
            "|".join(re.escape(e) for e in sorted(emoji, key=len, reverse=True))
        ),
        vocabulary=_vocabulary([*merged, emoji_data]),
        contractions=tuple(_Step.build(p, r) for p, r in strings("contractions")),
        word_map=word_map,
        word_map_regex=re.compile(r"\b(?:" + "|".join(re.escape(k) for k in keys) + r")\b"),
        slang_patterns=tuple(_Step.build(p, r) for p, r in strings("slang_patterns")),
        idioms=idioms,
        markers=markers,
        clause_breaks=_alternation(strings("clause_breaks")),
        scope_breaks=_alternation(strings("scope_breaks")),
        retractions=_alternation(strings("retractions")),
        affirmations=_alternation(strings("affirmations")),
        seriousness=_alternation(strings("seriousness")),
        distress=distress,
        hopelessness=hopelessness,
        time_now=_alternation(strings("time_now")),
        time_recent=_alternation(strings("time_recent")),
        means=means,
        rules=tuple(rules),
        topics=tuple(topics),
        detect={code: frozenset(data["detect"]) for code, data in files.items()},
        gate=_Gate.build(word for cover in covers for word in cover),
        rule_index=_Index.build([r.cover for r in rules]),
        topic_index=_Index.build([t.cover for t in topics]),
        idiom_index=_Index.build([i.cover for i in idioms]),
    )
    if not _saved_index().covers:
        # Lexicons edited since the index was saved: compile them all now, so that a bad
        # pattern stops start-up instead of failing on the message that first needs it.
        for regex in _lazy_regexes(lexicon):
            regex.compile()
    return lexicon


def _lazy_regexes(lex: _Lexicon) -> list[_LazyRegex]:
    """Every regex of the lexicons that is compiled on first use."""
    hyperbole = [entry for markers in lex.markers.values() for entry in markers.hyperbole]
    entries = [*lex.rules, *lex.topics, *lex.idioms, *lex.distress, *lex.hopelessness]
    return [entry.regex for entry in [*entries, *lex.means, *hyperbole]]


# --- normalisation -------------------------------------------------------------------------

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o"})
_COMBINING = re.compile(r"[\u0300-\u036f\ufe0f\u200d\U0001f3fb-\U0001f3ff]")
_APOSTROPHES = re.compile(r"[\u2019\u2018\u02bc\u00b4`]")
_LINE_BREAKS = re.compile(r"[\r\n]+")
_BANG_IN_WORD = re.compile(r"(?<=[a-z])!(?=[a-z])")
_LEET_TOKEN = re.compile(r"(?=[a-z0-9@$|]*[a-z])(?=[a-z0-9@$|]*[0-9@$|])[a-z0-9@$|]+")
_LEET_CHARS = re.compile(r"[0-9@$|]")
_MEASURE = re.compile(r"\d+[a-z]{0,5}\d*")
_LEET_MAP = str.maketrans(
    {"3": "e", "1": "i", "0": "o", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "|": "l"}
)
_OTHER = re.compile(r"[^a-z0-9_'.,!?;: ]+")
_STRETCHED = re.compile(r"\b\w*?([a-z])\1{2,}\w*")
_RUN = re.compile(r"([a-z])\1{2,}")
_PUNCT_RUN = re.compile(r"([.!?,;:])[.!?,;: ]*")
_SPACES = re.compile(r" {2,}")
_WORD = re.compile(r"[^ ,.;:!?]+")
_FIRST_SUBJECT = re.compile(r"\b(?:i|je|yo)\b")


def _deleet(match: re.Match[str]) -> str:
    token = match.group()
    if not _LEET_CHARS.search(token) or _MEASURE.fullmatch(token):
        return token
    return token.replace("11", "ll").translate(_LEET_MAP)


def _unstretch(vocabulary: frozenset[str]) -> Callable[[re.Match[str]], str]:
    def repair(match: re.Match[str]) -> str:
        token = match.group()
        pieces = _RUN.split(token)
        # split() alternates text and the repeated letter: text, letter, text, ...
        letters = pieces[1::2]
        fallback = "".join(piece if i % 2 == 0 else piece * 2 for i, piece in enumerate(pieces))
        if len(letters) > 3:
            return fallback
        for counts in product((1, 2), repeat=len(letters)):
            candidate = pieces[0]
            for letter, count, rest in zip(letters, counts, pieces[2::2], strict=True):
                candidate += letter * count + rest
            if candidate in vocabulary:
                return candidate
        return fallback

    return repair


@cache
def _unstretcher() -> Callable[[re.Match[str]], str]:
    return _unstretch(_lexicon().vocabulary)


@cache
def _steps_gate(steps: tuple[_Step, ...]) -> re.Pattern[str] | None:
    """One search telling whether any of ``steps`` could apply (None: one always runs)."""
    if not steps or any(step.needs is None for step in steps):
        return None
    return re.compile("|".join(f"(?:{step.needs.pattern})" for step in steps if step.needs))


def _apply_steps(steps: tuple[_Step, ...], text: str) -> str:
    """Apply the steps in order; when none could apply, one search instead of one each.

    Exact: if no step's literals are in the text, no step changes it, so none would apply.
    """
    gate = _steps_gate(steps)
    if gate is not None and gate.search(text) is None:
        return text
    for step in steps:
        text = step.apply(text)
    return text


def normalise(text: str) -> str:
    """Plain lower-case ASCII words with contractions, slang and misspellings resolved."""
    lex = _lexicon()
    text = lex.emoji_regex.sub(lambda m: f" emj_{lex.emoji[m.group()]} ", text)
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = _COMBINING.sub("", text).lower()
    text = _APOSTROPHES.sub("'", text)
    text = _LINE_BREAKS.sub(" . ", text)
    text = _BANG_IN_WORD.sub("i", text)
    text = _LEET_TOKEN.sub(_deleet, text)
    text = _OTHER.sub(" ", text)
    text = _STRETCHED.sub(_unstretcher(), text)
    text = _apply_steps(lex.contractions, text)
    text = text.replace("'", " ")
    text = _PUNCT_RUN.sub(r"\1 ", text)
    text = _SPACES.sub(" ", text)
    text = lex.word_map_regex.sub(lambda m: lex.word_map[m.group()], text)
    text = _apply_steps(lex.slang_patterns, text)
    return _SPACES.sub(" ", text).strip()


# --- screening -----------------------------------------------------------------------------


def _snippet(text: str, start: int, end: int) -> str:
    piece = text[max(start, end - _SNIPPET) : end].strip(" ,.;:!?")
    return piece


class _Message:
    """One normalised message with its sentence, clause and negation-scope boundaries."""

    def __init__(self, text: str, lex: _Lexicon) -> None:
        self.lex = lex
        self.text = text
        self.sentence_ends = [m.end() for m in re.finditer(r"[.!?;]", text)]
        clause = self.sentence_ends + [m.end() for m in lex.clause_breaks.finditer(text)]
        self.clause_starts = sorted(clause)
        scope = clause + [m.end() for m in re.finditer(r"[,:]", text)]
        scope += [m.end() for m in lex.scope_breaks.finditer(text)]
        self.scope_starts = sorted(scope)
        self._negation_texts: dict[str, str] = {}

    def negation_text(self, markers: _Markers) -> str:
        """The text with pseudo-negations ("no longer", "can't stop") blanked out."""
        key = markers.pseudo_negations.pattern
        if key not in self._negation_texts:
            self._negation_texts[key] = markers.pseudo_negations.sub(
                lambda m: "_" * len(m.group()), self.text
            )
        return self._negation_texts[key]

    @staticmethod
    def _last_before(starts: list[int], position: int) -> int:
        index = bisect_right(starts, position)
        return starts[index - 1] if index else 0

    def sentence(self, start: int) -> tuple[int, int]:
        begin = self._last_before(self.sentence_ends, start)
        index = bisect_left(self.sentence_ends, start + 1)
        end = self.sentence_ends[index] if index < len(self.sentence_ends) else len(self.text)
        return begin, end

    def clause_start(self, start: int) -> int:
        return self._last_before(self.clause_starts, start)

    def negator(self, start: int, markers: _Markers) -> re.Match[str] | None:
        """A negation governing the words at ``start``: close before them, in their scope.

        A negator followed by a new "I" belongs to an earlier clause ("I can't sleep I want
        to die"), so it does not count.
        """
        text = self.negation_text(markers)
        scope_start = self._last_before(self.scope_starts, start)
        words = [m.start() for m in _WORD.finditer(text, scope_start, start)]
        if not words:
            return None
        window_start = words[-_NEGATION_WINDOW:][0]
        found = None
        for match in markers.negators.finditer(text, window_start, start):
            if not _FIRST_SUBJECT.search(text, match.end(), start):
                found = match
        return found

    def speaks_of_self(self, start: int, markers: _Markers) -> bool:
        """Whether the sentence around ``start`` has a first-person word ("I", "je", "me").

        A death or ending word next to one is the ambiguous first-person talk the policy
        asks about gently (check) rather than ignoring; idioms are already blanked out.
        """
        begin, end = self.sentence(start)
        return any(m.lastgroup == "first" for m in markers.persons.finditer(self.text, begin, end))

    def other_subject(self, start: int, markers: _Markers) -> bool:
        """Whether the nearest subject before ``start`` in its sentence is someone else."""
        begin, _ = self.sentence(start)
        last = None
        for match in markers.persons.finditer(self.text, begin, start):
            last = match
        return last is not None and last.lastgroup == "other"


def _modifier(
    message: _Message, start: int, markers: _Markers, any_person: bool, other_person: bool
) -> tuple[str, int] | None:
    """Why a cue at ``start`` should be read as ambiguous, and where that reason begins."""
    text = message.text
    negator = message.negator(start, markers)
    if negator is not None:
        return "negated", negator.start()
    clause_start = message.clause_start(start)
    questions = list(markers.question_markers.finditer(text, clause_start, start))
    if questions:
        return "question", questions[-1].start()
    reported = markers.reported_speech.search(text, clause_start, start)
    if reported is not None:
        return "third_person", reported.start()
    if other_person or (any_person and message.other_subject(start, markers)):
        return "third_person", message.sentence(start)[0]
    return None


def _first(
    entries: Iterable[_Named], text: str, present: set[str]
) -> tuple[_Named, re.Match[str]] | None:
    for entry in entries:
        if entry.cover is not None and entry.cover.isdisjoint(present):
            continue
        match = entry.regex.search(text)
        if match is not None:
            return entry, match
    return None


def _detect(text: str, lex: _Lexicon) -> str:
    words = text.split()
    scores = {code: sum(w in markers for w in words) for code, markers in lex.detect.items()}
    best = max(LANGUAGES, key=lambda code: scores[code])
    return best if scores[best] else LANGUAGES[0]


def _mask_idioms(
    text: str, lex: _Lexicon, present: set[str]
) -> tuple[str, list[tuple[int, Finding]]]:
    """Blank out idioms so their words trigger nothing, and keep them as findings."""
    found: list[tuple[int, Finding]] = []
    for index in lex.idiom_index.candidates(present):
        entry = lex.idioms[index]
        matches = list(entry.regex.finditer(text))
        if matches:
            found += [(m.start(), Finding(entry.id, "idiom", m.group())) for m in matches]
            text = entry.regex.sub(lambda m: "_" * len(m.group()), text)
    return text, found


def _rule_matches(text: str, lex: _Lexicon, present: set[str]) -> list[tuple[int, int, _Rule]]:
    """Every rule match, minus those inside a longer match that is at least as serious."""
    raw = [
        (match.start(), match.end(), lex.rules[index])
        for index in lex.rule_index.candidates(present)
        for match in lex.rules[index].regex.finditer(text)
    ]

    def covered(start: int, end: int, rule: _Rule) -> bool:
        return any(
            s <= start
            and end <= e
            and other.level >= rule.level
            and ((s, e) != (start, end) or other.level > rule.level)
            for s, e, other in raw
        )

    return sorted((m for m in raw if not covered(*m)), key=lambda m: m[0])


class _Grader:
    """Grades one normalised message; each step adds findings with the level they imply."""

    def __init__(self, normal: str, lex: _Lexicon) -> None:
        self.lex = lex
        self.present = lex.gate.present(normal)
        self.text, self.idioms = _mask_idioms(normal, lex, self.present)
        self.message = _Message(self.text, lex)
        self.distress = _first(lex.distress, self.text, self.present)
        self.hopeless = _first(lex.hopelessness, self.text, self.present)
        self.retraction = lex.retractions.search(self.text)
        self.serious = lex.seriousness.search(self.text)
        self.scored: list[tuple[RiskLevel, int, Finding]] = []
        self.rule_spans: list[tuple[int, int]] = []

    def add(self, level: RiskLevel, position: int, rule: str, category: str, seen: str) -> None:
        self.scored.append((level, position, Finding(rule, category, seen)))

    def rules(self) -> list[tuple[int, int]]:
        """Grade each rule match; return the spans of the concerns a time or means can raise."""
        escalating = []
        matches = _rule_matches(self.text, self.lex, self.present)
        self.rule_spans = [(start, end) for start, end, _ in matches]
        for start, end, rule in matches:
            level = self.rule(start, end, rule)
            if level == RiskLevel.CONCERN and rule.category in _ESCALATES:
                escalating.append((start, end))
        return escalating if self.retraction is None else []

    def rule(self, start: int, end: int, rule: _Rule) -> RiskLevel | None:
        text, markers = self.text, self.lex.markers[rule.language]
        modifier = _modifier(self.message, start, markers, rule.any_person, other_person=False)
        # "my psychologist says I think of dying, and she's right": confirmed, not reported.
        if modifier and modifier[0] != "negated" and self._confirmed(modifier[1]):
            modifier = None
        if modifier is not None:
            category, since = modifier
            level = min(rule.level, RiskLevel.CHECK)
            self.add(level, start, rule.id, category, _snippet(text, since, end))
            return level
        if self.hyperbole(start, rule):
            self.add(RiskLevel.CHECK, start, rule.id, "idiom", text[start:end])
            return RiskLevel.CHECK
        if rule.context is not None and not self.in_context(rule.context):
            level = min(rule.level, RiskLevel.CHECK)
            self.add(level, start, rule.id, "ambiguous", text[start:end])
            return level
        level, seen = rule.level, text[start:end]
        if rule.recency and level < RiskLevel.HIGH:
            begin, stop = self.message.sentence(start)
            recent = self.lex.time_recent.search(text, begin, stop)
            if recent is not None:
                level = RiskLevel.HIGH
                seen = _snippet(text, min(start, recent.start()), max(end, recent.end()))
        if self.serious and rule.category in _HYPERBOLE and level < RiskLevel.HIGH:
            level = RiskLevel(level + 1)
            self.add(level, self.serious.start(), "seriousness", "intent", self.serious.group())
        if self.retraction and level > RiskLevel.CHECK:
            level = RiskLevel(max(RiskLevel.CHECK, level - 1))
            self.add(level, self.retraction.start(), rule.id, "retracted", self.retraction.group())
        self.add(level, start, rule.id, rule.category, seen)
        return level

    def _confirmed(self, since: int) -> bool:
        """An affirmation after the marker that lowered a cue ("...and she is right")."""
        return self.lex.affirmations.search(self.text, since) is not None

    def in_context(self, context: str) -> bool:
        """Whether the message shows what a context-bound rule needs to keep its level."""
        if context == "hopelessness":
            return self.hopeless is not None
        return self.hopeless is not None or self.distress is not None

    def hyperbole(self, start: int, rule: _Rule) -> bool:
        """A trivial conditional ("...one more form") or banter in the sentence of the cue."""
        if self.serious or not rule.hyperbole or rule.level <= RiskLevel.CHECK:
            return False
        begin, end = self.message.sentence(start)
        return any(
            entry.regex.search(self.text, begin, end)
            for entry in self.lex.markers[rule.language].hyperbole
            if rule.category in (entry.categories or _HYPERBOLE)
        )

    def escalate(self, spans: list[tuple[int, int]]) -> None:
        """A concern with a time ("tonight") in its clause, or a means in the message, is high."""
        text, message = self.text, self.message
        for now in self.lex.time_now.finditer(text):
            for start, end in spans:
                low, high = min(end, now.start()), max(start, now.end())
                same_sentence = message.sentence(start) == message.sentence(now.start())
                if same_sentence and not self.lex.clause_breaks.search(text, low, high):
                    self.add(RiskLevel.HIGH, now.start(), "time_now", "acute", now.group())
                    return
        for entry in self.lex.means:
            if entry.cover is not None and entry.cover.isdisjoint(self.present):
                continue
            for found in entry.regex.finditer(text):
                if not any(start <= found.start() < end for start, end in spans):
                    self.add(RiskLevel.HIGH, found.start(), entry.id, "means", found.group())
                    return

    def topics(self) -> None:
        """Topic words outside any rule: strong ones are a check, weak ones only in context."""
        upset = self.distress is not None or self.hopeless is not None
        for index in self.lex.topic_index.candidates(self.present):
            topic = self.lex.topics[index]
            markers = self.lex.markers[topic.language]
            for match in topic.regex.finditer(self.text):
                start, end = match.span()
                if any(s < end and start < e for s, e in self.rule_spans):
                    continue
                modifier = _modifier(
                    self.message, start, markers, topic.other_person, topic.other_person
                )
                if modifier is not None:
                    category, since = modifier
                    seen = _snippet(self.text, since, end)
                    self.add(RiskLevel.CHECK, start, topic.id, category, seen)
                    continue
                asked = "?" in self.text[start : self.message.sentence(start)[1] + 1]
                if topic.strong or upset or asked or self.message.speaks_of_self(start, markers):
                    self.add(RiskLevel.CHECK, start, topic.id, "topic", match.group())

    def context(self) -> None:
        """Idioms are none unless next to distress; hopelessness alone is a check."""
        upset = self.hopeless or self.distress
        for position, finding in self.idioms:
            level = RiskLevel.CHECK if upset else RiskLevel.NONE
            self.scored.append((level, position, finding))
        shown = self.hopeless or (self.distress if self.idioms else None)
        if shown is not None:
            entry, match = shown
            self.add(RiskLevel.CHECK, match.start(), entry.id, "distress", match.group())

    def result(self, language: str) -> Screening:
        ordered = sorted(self.scored, key=lambda item: (-item[0], item[1]))
        findings = tuple(dict.fromkeys(finding for _, _, finding in ordered))
        level = ordered[0][0] if ordered else RiskLevel.NONE
        return Screening(level=level, findings=findings, language=language)


# --- the fast path for ordinary messages ----------------------------------------------------

# Characters the fast path leaves to the full one, besides non-ASCII ones outside its
# table (emoji and the like): the backtick (an apostrophe to normalisation), leetspeak
# symbols and line breaks (sentence ends).
_FAST_REFUSED = re.compile(r"[`@$|\r\n]")
# Characters no longer in the text once the fast path has expanded the contractions.
_FAST_GONE = re.compile(r"['`@$|\r\n]")
# Normalisation changes a letter run three long, a letter next to a digit or inside "!".
_FAST_ALTERED = re.compile(r"([a-z])\1\1|[a-z][0-9]|[0-9][a-z]|[a-z]![a-z]")


@dataclass(frozen=True)
class _Triggers:
    """Patterns any of which sends a message to the full path.

    One alternation of them all tries every pattern at every position (50 µs on an
    ordinary sentence); each pattern here runs only when a literal it needs occurs.
    """

    gate: _Gate
    index: _Index
    regexes: tuple[re.Pattern[str], ...]

    @classmethod
    def build(cls, patterns: list[str], covers: list[frozenset[str] | None]) -> _Triggers:
        literals = (word for cover in covers for word in cover or ())
        return cls(_Gate.build(literals), _Index.build(covers), tuple(map(re.compile, patterns)))

    def search(self, text: str) -> bool:
        candidates = self.index.candidates(self.gate.present(text))
        return any(self.regexes[i].search(text) for i in candidates)


@dataclass(frozen=True)
class _FastPath:
    """Proves, for most everyday messages, that the full screening would find nothing.

    Normalising a message made only of ASCII and of characters in ``table`` (accented
    letters, odd punctuation: each mapped as normalisation maps it) lowers it, turns odd
    characters into spaces, expands contractions (the same steps, in the same order) and
    tidies punctuation, and nothing else, unless ``_FAST_ALTERED`` (a letter next to a
    digit or a "!", a letter three times in a row) occurs or, on the tidied text,
    ``word_map`` (a slang or misspelling key) or ``after`` (a slang pattern).
    Then every rule, topic, idiom and hopelessness entry needs one literal of each of its
    sets; ``anchors`` indexes each entry by its rarest set, so only entries whose rarest
    set is present (one scan of ``anchor_gate``) are checked further: ``options`` holds
    each entry's other sets, each looked for by substring search. When no entry has all
    its sets, none can match, and the full path would return none with no findings.
    Anything else goes to the full path.
    """

    table: dict[int, str]
    contractions: tuple[_Step, ...]
    word_map: re.Pattern[str]
    after: _Triggers
    anchor_gate: _Gate
    anchors: dict[str, tuple[int, ...]]
    options: tuple[tuple[frozenset[str], ...], ...]

    def normal(self, text: str) -> str | None:
        """The normalised text when the message provably grades none, else None."""
        if not text.isascii():
            text = text.translate(self.table)
            if not text.isascii():
                return None
        if _FAST_REFUSED.search(text):
            return None
        text = _OTHER.sub(" ", text.lower())
        if _FAST_ALTERED.search(text):
            return None
        text = _apply_steps(self.contractions, text).replace("'", " ")
        text = _SPACES.sub(" ", _PUNCT_RUN.sub(r"\1 ", text)).strip()
        if self.word_map.search(text) or self.after.search(text):
            return None
        if self.anchor_gate.regex.search(text) is None:
            return text
        for anchor in self.anchor_gate.present(text):
            for index in self.anchors[anchor]:
                if all(any(s in text for s in option) for option in self.options[index]):
                    return None
        return text


def _may_apply(pattern: str) -> bool:
    """False when every match of ``pattern`` needs a character gone from the tidied text."""
    ways = _literal_options(pattern, _selectivity)
    if ways is None:
        return True
    return not all(
        any(all(_FAST_GONE.search(literal) for literal in option) for option in way) for way in ways
    )


def _fast_table(lex: _Lexicon) -> dict[int, str]:
    """Non-ASCII characters mapped as ``normalise`` maps each of them, where that is exact.

    Accents, ligatures and case are handled one character at a time by normalisation, and
    any other character is a space, and typographic apostrophes are "'"; characters of
    emoji and anything whose mapping would not be plain ASCII stay out, so such messages
    take the full path.
    """
    refused = {char for key in lex.emoji for char in key}
    table: dict[int, str] = {}
    for code in range(0x80, 0x3000):
        char = chr(code)
        if char in refused or _LINE_BREAKS.match(char):
            continue
        mapped = unicodedata.normalize("NFKD", char.translate(_LIGATURES))
        mapped = _APOSTROPHES.sub("'", _COMBINING.sub("", mapped).lower())
        if not mapped.isascii():
            # Normalisation turns what is left into a space; "~" is one _OTHER character,
            # so a run of them still becomes a single space.
            mapped = "~" if not _COMBINING.search(char) and len(mapped) == 1 else None
        elif _FAST_REFUSED.search(mapped):
            mapped = None
        if mapped is not None:
            table[code] = mapped
    return table


LITERAL_INDEX = DATA_DIR / "literal_index.json"
_LITERAL_INDEX_FORMAT = 4
_INDEXED_FILES = (*(f"{code}.json" for code in LANGUAGES), "emoji.json")


def lexicon_digest() -> str:
    """The SHA-256 of the lexicon files, which the saved literal index must match."""
    digest = hashlib.sha256()
    for name in _INDEXED_FILES:
        digest.update(name.encode() + b"\0" + (DATA_DIR / name).read_bytes())
    return digest.hexdigest()


def _pattern_key(pattern: str) -> str:
    return hashlib.sha1(pattern.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class _SavedIndex:
    """The literal analysis ``scripts/train-screener`` saved for the current lexicons."""

    # The fast path's ways of matching, by pattern key (see ``_literal_options``).
    options: dict[str, list[list[frozenset[str]]] | None]
    # Each gated entry's cover, by the key of the pattern as written (see ``_literal_cover``).
    covers: dict[str, frozenset[str] | None]


@cache
def _saved_index() -> _SavedIndex:
    """The saved literal analysis (empty when missing or stale).

    Taking every rule apart costs about a second at start-up, so ``scripts/train-screener``
    saves the result (``write_literal_index``); a missing or stale file only costs time.
    """
    try:
        data = json.loads(LITERAL_INDEX.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _SavedIndex({}, {})
    if (
        data.get("format") != _LITERAL_INDEX_FORMAT
        or data.get("lexicons_sha256") != lexicon_digest()
    ):
        return _SavedIndex({}, {})
    literals = data["literals"]
    sets = [frozenset(literals[i] for i in found) for found in data["sets"]]
    return _SavedIndex(
        options={
            key: None if ways is None else [[sets[i] for i in way] for way in ways]
            for key, ways in data["options"].items()
        },
        covers={
            key: None if found is None else sets[found] for key, found in data["covers"].items()
        },
    )


def _options_of(pattern: str, rarity: _Cost) -> list[list[frozenset[str]]] | None:
    saved = _saved_index().options.get(_pattern_key(pattern), False)
    return _literal_options(pattern, rarity) if saved is False else saved


def _cover_of(pattern: str) -> frozenset[str] | None:
    saved = _saved_index().covers.get(_pattern_key(pattern), False)
    return _literal_cover(pattern) if saved is False else saved


def _covered_patterns() -> list[str]:
    """Every pattern, as written, whose cover ``_lexicon`` asks for."""
    files = [_with_terms(load_raw(code)) for code in LANGUAGES]
    emoji = load_raw("emoji")
    sections = ("rules", "topics", "idioms", "distress", "hopelessness", "means")
    entries = [e for data in files for section in sections for e in data[section]]
    entries += [*emoji["rules"], *emoji["means"]]
    steps = [p for data in files for s in ("contractions", "slang_patterns") for p, _ in data[s]]
    return [e["pattern"] for e in entries] + steps


def write_literal_index(path: Path = LITERAL_INDEX) -> int:
    """Save the literal analysis of the current lexicons; return its size.

    Every pattern is compiled first, so a bad one stops the trainer rather than the bot,
    and a fresh index means the lexicons compile (``_lexicon`` trusts that).
    """
    for regex in _lazy_regexes(_lexicon()):
        regex.compile()
    rarity = _rarity(_lexicon())
    literals: dict[str, int] = {}
    sets: dict[tuple[int, ...], int] = {}

    def set_id(found: frozenset[str]) -> int:
        # Sorted, so the file is the same on every run (set order varies with the hash seed).
        ids = tuple(sorted(literals.setdefault(s, len(literals)) for s in sorted(found)))
        return sets.setdefault(ids, len(sets))

    options: dict[str, Any] = {}
    for item in _indexed_items(_lexicon()):
        ways = _literal_options(item.regex.pattern, rarity)
        options[_pattern_key(item.regex.pattern)] = (
            None if ways is None else [[set_id(found) for found in way] for way in ways]
        )
    covers: dict[str, int | None] = {}
    for pattern in _covered_patterns():
        cover = _literal_cover(pattern)
        covers[_pattern_key(pattern)] = None if cover is None else set_id(cover)
    index = {
        "format": _LITERAL_INDEX_FORMAT,
        "lexicons_sha256": lexicon_digest(),
        "literals": list(literals),
    }
    index |= {"sets": [list(ids) for ids in sets], "options": options, "covers": covers}
    text = json.dumps(index, separators=(",", ":"), sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")
    return len(text)


def _indexed_items(lex: _Lexicon) -> list[Any]:
    return [*lex.rules, *lex.topics, *lex.idioms, *lex.hopelessness]


def _rarity(lex: _Lexicon) -> _Cost:
    """How well a literal set rules a way out: rare words first, then long literals."""
    files = [load_raw(code) for code in LANGUAGES]
    sections = ("detect", "first_person", "negators", "clause_breaks", "scope_breaks")
    common = frozenset(word for data in files for s in sections for word in data[s])

    @cache
    def weight(literal: str) -> int:
        words = [w for w in re.split(r"[^a-z_]+", literal) if w]
        return 1 if any(len(w) >= 4 and w not in common for w in words) else 1000

    def rarity(option: frozenset[str]) -> tuple[int, int]:
        return sum(map(weight, option)), -min(map(len, option))

    return rarity


@cache
def _fast_path() -> _FastPath | None:
    """Build the fast path from the same compiled lexicon the full path uses."""
    lex = _lexicon()
    if any(key.isascii() for key in lex.emoji):
        return None
    rarity = _rarity(lex)
    uncovered: list[str] = []
    options: list[tuple[frozenset[str], ...]] = []
    anchors: dict[str, list[int]] = {}
    for item in _indexed_items(lex):
        ways = _options_of(item.regex.pattern, rarity)
        if ways is None:
            uncovered.append(item.regex.pattern)
            continue
        for found in ways:
            anchor, *others = sorted(found, key=rarity)
            for literal in anchor:
                anchors.setdefault(literal, []).append(len(options))
            # The anchor's set holds when the entry is reached; the rarest of the others
            # is the likeliest to be missing, so it is looked for first.
            options.append(tuple(others))
    # Slang and keys that need a character gone from the tidied text can never apply on it.
    slang = [p for p in (s.regex.pattern for s in lex.slang_patterns) if _may_apply(p)]
    keys = [k for k in lex.word_map if not _FAST_GONE.search(k)]
    return _FastPath(
        table=_fast_table(lex),
        contractions=lex.contractions,
        word_map=re.compile(r"\b(?:" + _trie_pattern(keys) + r")\b"),
        # A rule no literal rules out always runs (the fast path then rarely says none).
        after=_Triggers.build(
            [*slang, *uncovered], [*map(_cover_of, slang), *(None for _ in uncovered)]
        ),
        anchor_gate=_Gate.build(anchors),
        anchors={literal: tuple(ids) for literal, ids in anchors.items()},
        options=tuple(options),
    )


def warm_up() -> Iterator[int]:
    """Compile, one at a time, every lexicon regex no message has needed yet.

    A generator, so the bot can yield to its event loop between two compilations (about
    a millisecond each) and answer messages while it warms; yields how many are left.
    """
    _fast_path()
    pending = [regex for regex in _lazy_regexes(_lexicon()) if regex.compiled is None]
    for done, regex in enumerate(pending, 1):
        regex.compile()
        yield len(pending) - done


# --- the model's second opinion ------------------------------------------------------------


@cache
def _model() -> Any:
    """The second-opinion model, loaded once (imported here: it reads this module's text)."""
    from bot.screening_model import model

    return model()


def _second_opinion(result: Screening, text: str) -> Screening:
    """Raise a grade below concern when the model is confident enough.

    ``text`` is what the rules read (normalised, idioms blanked). Past its concern
    threshold the model raises to concern (its guarded threshold when the rules lowered a
    cue); past its lower check threshold it raises a message the rules graded none, with
    no lowered cue (an idiom stays none), to check: the gentle direct question. A long
    message has thresholds of its own (``Model.limits``); one the model would at least ask
    about as a whole is also raised to concern when one stretch of it, read alone, passes
    the window threshold (``strongest_window``; not where the rules lowered a cue). It
    never lowers a grade and never grades high.
    """
    if result.level >= RiskLevel.CONCERN:
        return result
    model = _model()
    score, limits = model.assess(text)
    if score < limits.check:
        return result
    guarded = result.lowered_a_cue
    if score < limits.concern and not guarded:
        window = model.strongest_window(text)
        if window is not None and model.window is not None and window[0] >= model.window:
            finding = Finding("model", "model", model.explain(window[1]))
            return Screening(RiskLevel.CONCERN, (finding, *result.findings), result.language)
    if score >= limits.concern and (score >= limits.guarded or not guarded):
        level = RiskLevel.CONCERN
    elif result.level == RiskLevel.NONE and not guarded:
        level = RiskLevel.CHECK
    else:
        return result
    finding = Finding("model", "model", model.explain(text))
    return Screening(level, (finding, *result.findings), result.language)


def _screen_full(text: str, language: str | None = None) -> Screening:
    """The full screening, always: the fast path's reference, kept separate for its tests."""
    return _second_opinion(*_screen_rules(text, language))


def _screen_rules(text: str, language: str | None = None) -> tuple[Screening, str]:
    """The rules alone, and the text they read (normalised, idioms blanked)."""
    lex = _lexicon()
    normal = normalise(text)
    grader = _Grader(normal, lex)
    escalating = grader.rules()
    if escalating:
        grader.escalate(escalating)
    grader.topics()
    grader.context()
    return grader.result(language if language in LANGUAGES else _detect(normal, lex)), grader.text


@lru_cache(maxsize=64)
def _fast_normal(text: str) -> str | None:
    """The fast path's normal form of ``text``, or None where the full path must read it.

    Cached for the few messages in flight: the typed-answer reader and the screener both
    read each message, one after the other.
    """
    fast = _fast_path()
    return fast.normal(text) if fast is not None else None


def normal_form(text: str) -> str:
    """``normalise(text)``, by the fast path where it can prove the rules find nothing."""
    normal = _fast_normal(text)
    return normal if normal is not None else normalise(text)


def screen_message(text: str, language: str | None = None) -> Screening:
    """Grade ``text`` for the policy; ``language`` is the user's setting, all three are read.

    Most messages are everyday talk, so a fast path first tries to prove that the rules
    would find nothing (see ``_FastPath``). Such a message has no idiom to blank, so the
    model reads the same text either way; the result is the same ``Screening``.
    """
    normal = _fast_normal(text)
    if normal is None:
        return _screen_full(text, language)
    chosen = language if language in LANGUAGES else _detect(normal, _lexicon())
    return _second_opinion(Screening(level=RiskLevel.NONE, findings=(), language=chosen), normal)
