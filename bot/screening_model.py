"""A small linear model that gives the crisis screener a second opinion.

The rules in ``bot.screening`` catch what they were written for and miss paraphrases ("I'm
so close to ending everything"). This model reads the same text the rules read (normalised
by ``bot.screening.normalise``, known idioms blanked out) and scores it with a logistic
regression over word unigrams and bigrams, bigrams of word stems (first letters), pairs of
words one word apart, and character 3-5-grams inside words. It is
shipped as data (``bot/data/screening/model.json``, written by ``scripts/train-screener``)
and runs in pure Python: nothing is downloaded and no numerical library is needed.

The screener uses it only to *raise* a grade, never to lower one, and only past thresholds
chosen by cross-validation (see the trainer): to concern past ``concern``, so that false
alerts stay rare; and, when the rules found nothing at all, to check past the lower
``check``, so that the gentle direct question reaches paraphrases the rules miss while
few benign messages (and fewer everyday questions) get it.

Explainable: a word's contribution is its own weight plus those of the character n-grams
inside it, a word pair's is its bigram's plus its stems' bigram's, and a pair one word apart
is shown as "a … b"; ``top_features`` lists the words and word pairs that pushed the score
up most, and the screener's "model" finding names them.

Fast: the per-word sum is cached (most messages reuse everyday words), so scoring a short
message costs a split, one dictionary look-up per word and three per word pair (the
bigram, its stems, and the pair one word apart).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

MODEL_FILE = Path(__file__).resolve().parent / "data" / "screening" / "model.json"
FORMAT = 1

# Words, "?" (a question is a strong signal), and runs of "_" (an idiom the rules blanked).
_TOKEN = re.compile(r"[a-z0-9_]+|\?")
_BLANK = re.compile(r"_+")
_IDIOM = "_idiom_"
_START, _END = "<s>", "</s>"
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_CACHE_LIMIT = 50_000


def tokens(text: str) -> list[str]:
    """The words of a normalised text; a blanked idiom becomes one ``_idiom_`` word."""
    return [_IDIOM if _BLANK.fullmatch(t) else t for t in _TOKEN.findall(text)]


def word_features(word: str, low: int = 3, high: int = 5) -> list[str]:
    """A word's own features: the word, and its character n-grams with boundary marks."""
    out = ["w:" + word]
    if word == "?" or word == _IDIOM or word.startswith("emj_"):
        return out
    marked = f"<{word}>"
    for n in range(low, high + 1):
        out += ["c:" + marked[i : i + n] for i in range(len(marked) - n + 1)]
    return out


def pair_features(words: list[str], stem: int = 0, skip: bool = False) -> list[str]:
    """Word bigrams, with the start and the end of the message as words.

    With ``stem``, also bigrams of the words' first ``stem`` letters ("sp:", so "want die"
    and "wanted dying" share "sp:want dyin" when ``stem`` is 4); with ``skip``, also the
    pairs of words one word apart ("s:", so "want to die" and "want just die" share
    "s:want die" ... as do "wanna to die" and "want to die").
    """
    padded = [_START, *words, _END]
    out = ["b:" + a + " " + b for a, b in pairwise(padded)]
    if stem:
        stems = [w[:stem] for w in padded]
        out += ["sp:" + a + " " + b for a, b in pairwise(stems)]
    if skip:
        out += ["s:" + a + " " + b for a, b in zip(padded, padded[2:], strict=False)]
    return out


def features(
    text: str, low: int = 3, high: int = 5, stem: int = 0, skip: bool = False, scale_beyond: int = 0
) -> Counter[str]:
    """Every feature of a normalised text, with its value (what the trainer sees).

    A value is the feature's count, times ``length_scale`` of the message's length.
    """
    words = tokens(text)
    found: Counter[str] = Counter()
    for word in words:
        found.update(word_features(word, low, high))
    found.update(pair_features(words, stem, skip))
    scale = length_scale(len(words), scale_beyond)
    if scale != 1.0:
        return Counter({name: count * scale for name, count in found.items()})
    return found


def length_scale(words: int, beyond: int) -> float:
    """What a message's features are multiplied by: sqrt(beyond / words) past ``beyond`` words.

    A score is a sum over words, so without this a long message's score runs far from the
    bias: a long account of distress without risk summed its many weakly positive words
    ("now", "would", "because") to past the threshold of a short crisis. Scaling by the
    square root keeps a long message's spread like a short one's (as for a sum of
    ``words`` independent terms); ``beyond`` is 0 to turn it off.
    """
    if beyond and words > beyond:
        return math.sqrt(beyond / words)
    return 1.0


def windows(text: str, size: int) -> list[str]:
    """The stretches of a normalised text of at most ``size`` words the model also reads alone.

    One starts at each sentence and takes the sentences after it while they fit; a sentence
    longer than ``size`` (a message typed with no full stops) is read in stretches of
    ``size`` words, a third of ``size`` apart, the last ending with it. Each is its words
    joined by spaces, which ``tokens`` reads back as the same words.
    """
    sentences = [tokens(s) for s in _SENTENCE_END.split(text)]
    sentences = [s for s in sentences if s]
    step = max(1, size // 3)
    out: list[str] = []
    for i, sentence in enumerate(sentences):
        words = list(sentence)
        for following in sentences[i + 1 :]:
            if len(words) + len(following) > size:
                break
            words += following
        if len(words) > size:
            last = len(words) - size
            starts = [*range(0, last, step), last]
            out += [" ".join(words[k : k + size]) for k in starts]
        else:
            out.append(" ".join(words))
    return out


def _logit(probability: float) -> float:
    probability = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log(probability / (1 - probability))


def _window_limit(thresholds: dict[str, Any]) -> float | None:
    """The window threshold as a logit, or None for a model trained without one."""
    window = thresholds.get("window")
    return _logit(float(window["concern"])) if window else None


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class Limits:
    """Thresholds as logits: check, concern, and concern when the rules lowered a cue."""

    check: float
    concern: float
    guarded: float

    @classmethod
    def from_thresholds(cls, data: dict[str, Any]) -> Limits:
        concern = float(data["concern"])
        return cls(
            check=_logit(min(float(data.get("check", concern)), concern)),
            concern=_logit(concern),
            guarded=_logit(float(data["guarded"])),
        )


@dataclass
class Model:
    """A logistic regression over hashed-by-name features, with the screener's thresholds."""

    weights: dict[str, float]
    bias: float
    concern: float
    guarded: float
    check: float = 1.0
    low: int = 3
    high: int = 5
    stem: int = 0
    skip: bool = False
    scale_beyond: int = 0
    long_words: int = 0
    long: Limits | None = None
    window_words: int = 0
    window: float | None = None
    meta: dict[str, object] = field(default_factory=dict)
    _words: dict[str, float] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Thresholds as logits, so deciding needs no exponential.
        self.short = Limits.from_thresholds(
            {"check": self.check, "concern": self.concern, "guarded": self.guarded}
        )

    def limits(self, words: int) -> Limits:
        """The thresholds that apply to a message of ``words`` words.

        Messages of more than ``long_words`` words have thresholds of their own, chosen on
        long messages alone: a long account of distress is more likely than a short one to
        carry some word of a crisis, so the same score means less.
        """
        if self.long is not None and words > self.long_words:
            return self.long
        return self.short

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Model:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}")
        config = data["features"]
        thresholds = data["thresholds"]
        assert isinstance(config, dict) and isinstance(thresholds, dict)
        weights = data["weights"]
        assert isinstance(weights, dict)
        return cls(
            weights={str(k): float(v) for k, v in weights.items()},
            bias=float(data["bias"]),  # type: ignore[arg-type]
            concern=float(thresholds["concern"]),
            guarded=float(thresholds["guarded"]),
            check=float(thresholds.get("check", thresholds["concern"])),
            low=int(config["char_min"]),
            high=int(config["char_max"]),
            stem=int(config.get("stem_pairs", 0)),
            skip=bool(config.get("skip_pairs", False)),
            scale_beyond=int(config.get("scale_beyond", 0)),
            long_words=int(thresholds.get("long", {}).get("words", 0)),
            long=Limits.from_thresholds(thresholds["long"]) if "long" in thresholds else None,
            window_words=int(thresholds.get("window", {}).get("words", 0)),
            window=_window_limit(thresholds),
            meta={k: v for k, v in data.items() if k != "weights"},
        )

    def strongest_window(self, text: str) -> tuple[float, str] | None:
        """The best-scoring stretch of a long message (see ``windows``) and its score.

        A long message's score is scaled down as a whole, so one sentence of crisis amid a
        page of appointments and paperwork can fall below the long thresholds; read alone,
        the sentence scores as a short message would. None for a message of at most
        ``long_words`` words, or with no window threshold.
        """
        if self.window is None or len(tokens(text)) <= self.long_words:
            return None
        return max((self.logit(w), w) for w in windows(text, self.window_words))

    def _word(self, word: str) -> float:
        """The summed weight of one word's features, cached."""
        score = self._words.get(word)
        if score is None:
            get = self.weights.get
            score = sum(get(f, 0.0) for f in word_features(word, self.low, self.high))
            if len(self._words) >= _CACHE_LIMIT:
                self._words.clear()
            self._words[word] = score
        return score

    def logit(self, text: str) -> float:
        """The model's score of a normalised text, before the sigmoid."""
        return self._score(tokens(text))

    def assess(self, text: str) -> tuple[float, Limits]:
        """The score of a normalised text and the thresholds that apply to its length."""
        words = tokens(text)
        return self._score(words), self.limits(len(words))

    def _score(self, words: list[str]) -> float:
        get = self.weights.get
        word = self._words.get
        total = 0.0
        previous = _START
        stem, skip = self.stem, self.skip
        before = None  # the word before ``previous``, for the pairs one word apart
        for w in words:
            cached = word(w)
            total += cached if cached is not None else self._word(w)
            total += get("b:" + previous + " " + w, 0.0)
            if stem:
                total += get("sp:" + previous[:stem] + " " + w[:stem], 0.0)
            if skip and before is not None:
                total += get("s:" + before + " " + w, 0.0)
            before, previous = previous, w
        total += get("b:" + previous + " " + _END, 0.0)
        if stem:
            total += get("sp:" + previous[:stem] + " " + _END[:stem], 0.0)
        if skip and before is not None:
            total += get("s:" + before + " " + _END, 0.0)
        return self.bias + total * length_scale(len(words), self.scale_beyond)

    def probability(self, text: str) -> float:
        """The probability, as the model sees it, that a normalised text is a crisis."""
        return _sigmoid(self.logit(text))

    def contributions(self, text: str) -> list[tuple[str, float]]:
        """Each word (with its character n-grams) and word pair, with what it added."""
        words = tokens(text)
        found: Counter[str] = Counter()
        for w in words:
            found[w] += self._word(w)
        padded = [_START, *words, _END]
        get = self.weights.get
        for a, b in pairwise(padded):
            weight = get("b:" + a + " " + b, 0.0)
            if self.stem:  # a pair of stems is shown as the words it was read from
                weight += get("sp:" + a[: self.stem] + " " + b[: self.stem], 0.0)
            if weight:
                name = " ".join(t for t in (a, b) if t not in (_START, _END))
                found[name] += weight
        if self.skip:  # words one apart, shown with the skipped word as "…"
            for a, b in zip(padded, padded[2:], strict=False):
                weight = get("s:" + a + " " + b, 0.0)
                if weight:
                    name = " … ".join(t for t in (a, b) if t not in (_START, _END))
                    found[name] += weight
        scale = length_scale(len(words), self.scale_beyond)
        if scale != 1.0:
            found = Counter({name: weight * scale for name, weight in found.items()})
        return sorted(found.items(), key=lambda item: (-item[1], item[0]))

    def pushed(self, text: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` words or pairs that pushed the score up most, function words aside.

        Function words ("i", "to", "je", "que") carry weight, since crisis messages speak of
        oneself, but tell a reader nothing, so a name made only of them is left out.
        """
        plain = _function_words()
        return [
            (name, weight)
            for name, weight in self.contributions(text)
            if weight > 0 and not all(w in plain or len(w) < 2 for w in name.split())
        ][:k]

    def explain(self, text: str, k: int = 5) -> str:
        """The probability and the ``k`` words or pairs that pushed it up most."""
        names = ", ".join(name for name, _ in self.pushed(text, k))
        return f"p={self.probability(text):.2f}: {names}"


@cache
def _function_words() -> frozenset[str]:
    """Each language's first-person and language-detection words, and "?"."""
    from bot import screening

    words = {"?", _IDIOM}
    for code in screening.LANGUAGES:
        data = screening.load_raw(code)
        words.update(w for w in [*data["detect"], *data["first_person"]] if w.isalpha())
    return frozenset(words)


def load(path: Path = MODEL_FILE) -> Model:
    """The model stored at ``path``."""
    return Model.from_json(json.loads(path.read_text(encoding="utf-8")))


@cache
def model() -> Model:
    """The shipped model, loaded once."""
    return load()


def model_text(text: str) -> str:
    """The text the model reads: the screener's normalisation with known idioms blanked."""
    from bot import screening

    lex = screening._lexicon()
    normal = screening.normalise(text)
    masked, _ = screening._mask_idioms(normal, lex, lex.gate.present(normal))
    return masked


def probability(text: str, language: str | None = None) -> float:
    """The model's crisis probability for a raw message (all languages are read alike)."""
    del language  # the features cover all three languages; people mix them
    return model().probability(model_text(text))


def top_features(text: str, language: str | None = None, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` words or word pairs of ``text`` that pushed the model's score up most."""
    del language
    return [(name, round(weight, 3)) for name, weight in model().pushed(model_text(text), k)]
