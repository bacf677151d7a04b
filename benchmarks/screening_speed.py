"""Speed and accuracy of the crisis screener on the labelled set.

Screens every message of ``tests/data/screening_set.jsonl`` for a number of rounds and
prints the median and 99th percentile wall time per message (target: median under 1 ms),
then recall on crisis messages (labelled concern or high, caught at concern or above) and
the false-alert rate on benign ones (labelled none or check, raised to concern or above),
per language, so the README can quote them. Loading the lexicons happens once, before
timing, as it does in the bot. The bot then compiles the rules' regexes as messages need
them and in a background warm-up (``screening.warm_up``); the first round (each message
seen cold, as just after start-up) is reported apart, then the warm-up is finished and
the rounds are timed warm.

It also times short everyday messages ("ok thanks", "What time is my appointment
tomorrow?"), which are most of the traffic and take the fast path, and the model's second
opinion alone on them (``bot.screening_model``; target: under 15 µs added per message).

    .venv/bin/python benchmarks/screening_speed.py [--rounds 20] [--set PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import screening
from bot.screening import LANGUAGES, RiskLevel, normalise, screen_message

EVERYDAY = (
    "ok thanks",
    "What time is my appointment tomorrow?",
    "Can I bring my husband?",
    "merci beaucoup",
    "¿A qué hora es mi cita mañana?",
    "Je suis en retard, désolé",
    "hello there 12",
)
DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "screening_set.jsonl"
LEVELS = {level.name.lower(): level for level in RiskLevel}


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def timings(rows: list[dict[str, Any]], rounds: int) -> list[float]:
    """Seconds per call, every message of every round."""
    samples = []
    for _ in range(rounds):
        for row in rows:
            start = time.perf_counter()
            screen_message(row["text"], row["language"])
            samples.append(time.perf_counter() - start)
    return sorted(samples)


def median_us(call: Callable[[str], object], texts: Iterable[str], rounds: int) -> float:
    """Median microseconds per call over ``rounds`` passes of ``texts``."""
    texts = list(texts)
    samples = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            call(text)
            samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def everyday(rounds: int) -> None:
    """The screener and the model alone on short everyday messages."""
    try:
        from bot import screening_model
    except ImportError:  # before the model existed
        screening_model = None
    whole = median_us(screen_message, EVERYDAY, rounds * 200)
    print(f"everyday messages ({len(EVERYDAY)}): screen_message median {whole:.1f} µs")
    for text in EVERYDAY[:2]:
        print(f"  {text!r}: {median_us(screen_message, [text], rounds * 200):.1f} µs")
    if screening_model is not None:
        model = screening_model.model()
        normals = [normalise(text) for text in EVERYDAY]
        alone = median_us(model.logit, normals, rounds * 200)
        print(f"  of which the model's second opinion alone: median {alone:.1f} µs")


def accuracy(rows: list[dict[str, Any]]) -> tuple[dict[str, list[int]], int]:
    """Per language and overall: [crisis, caught, benign, alerted]; and exact-level matches."""
    table = {key: [0, 0, 0, 0] for key in (*LANGUAGES, "all")}
    exact = 0
    for row in rows:
        level = screen_message(row["text"], row["language"]).level
        label = LEVELS[row["label"]]
        exact += level == label
        for key in (row["language"], "all"):
            if label >= RiskLevel.CONCERN:
                table[key][0] += 1
                table[key][1] += level >= RiskLevel.CONCERN
            else:
                table[key][2] += 1
                table[key][3] += level >= RiskLevel.CONCERN
    return table, exact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    args = parser.parse_args()

    rows = load(args.set)
    start = time.perf_counter()
    screen_message("warm-up: load and compile the lexicons")
    load_ms = (time.perf_counter() - start) * 1000
    cold = timings(rows, 1)
    start = time.perf_counter()
    for _left in screening.warm_up():
        pass
    warm_ms = (time.perf_counter() - start) * 1000

    samples = timings(rows, args.rounds)
    median = statistics.median(samples) * 1e6
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1e6
    print(f"messages: {len(rows)} x {args.rounds} rounds; lexicons loaded in {load_ms:.0f} ms")
    cold_p99 = cold[min(len(cold) - 1, int(len(cold) * 0.99))] * 1e6
    print(
        f"first round, cold: median {statistics.median(cold) * 1e6:.0f} µs, p99 {cold_p99:.0f}"
        f" µs, max {cold[-1] * 1e6:.0f} µs; the warm-up compiled the rest in {warm_ms:.0f} ms"
    )
    worst = samples[-1] * 1e6
    print(f"time per message: median {median:.0f} µs, p99 {p99:.0f} µs, max {worst:.0f} µs")

    everyday(args.rounds)

    table, exact = accuracy(rows)
    recall_head, alerts_head = "recall (crisis -> concern+)", "false alerts (benign -> concern+)"
    print(f"{'language':<9}{recall_head:>30}{alerts_head:>36}")
    for key, (crisis, caught, benign, alerted) in table.items():
        recall = f"{caught}/{crisis} = {caught / crisis:.3f}" if crisis else "-"
        alerts = f"{alerted}/{benign} = {alerted / benign:.3f}" if benign else "-"
        print(f"{key:<9}{recall:>30}{alerts:>36}")
    labels = Counter(row["label"] for row in rows)
    share = exact / len(rows)
    print(f"exact level agreement: {exact}/{len(rows)} = {share:.3f} (labels: {dict(labels)})")


if __name__ == "__main__":
    main()
