"""Engagement patterns: pure rules over one client's history, each with the plain sentence that
says when it fires and the entries behind it (no black box: the brief shows both).

A history is plain facts the pages load in a fixed number of queries (`insights.history`), so
every rule here is a function of data, tested on constructed histories.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

# Thresholds, named and shown on the brief next to the rule that uses them.
SAME_SKIP_REASON_TIMES = 3
AVOIDANCE_TIMES = 2
IN_A_ROW = 2
LOW_HELPFULNESS = 1  # 0 "not at all" or 1 "a little"
LOW_HELPFULNESS_TIMES = 3
QUIET_DAYS = 4
TREND_ENTRIES = 5
TREND_SLOPE = -0.3  # helpfulness points per practice
KIND_MIN_ENTRIES = 3
KIND_SKIPPED_SHARE = 2 / 3
OTHERS_SKIPPED_SHARE = 1 / 3
BACKFILL_DAYS = 1
BACKFILL_SHARE = 0.3
BACKFILL_MIN_ENTRIES = 4
LOW_CONFIDENCE = 7
LOW_ADHERENCE = 0.5

SKIPPED = "skipped"


@dataclass(frozen=True)
class EntryFact:
    code: str
    assignment: str  # the assignment's code
    kind: str  # the exercise kind
    occurred_on: date  # the day the practice describes
    logged_on: date  # the client's local day it was first logged
    outcome: str
    skip_reason: str = ""
    helpfulness: int | None = None
    difficulty: str = ""
    logged_at: datetime | None = None  # when it was first logged (aware), for timeliness


@dataclass(frozen=True)
class AssignmentFact:
    code: str
    title: str
    kind: str
    confidence: int
    adherence: float | None  # 0..1 of what was planned so far, None when nothing was planned


@dataclass(frozen=True)
class Finding:
    rule: str  # a stable id
    title: str
    when: str  # the rule in plain words
    suggestion: str
    assignment: str = ""  # the assignment's code, when the finding is about one
    entries: tuple = field(default_factory=tuple)  # entry codes behind it


def _by_assignment(entries):
    grouped = defaultdict(list)
    for entry in sorted(entries, key=lambda e: (e.occurred_on, e.logged_on)):
        grouped[entry.assignment].append(entry)
    return grouped


def same_skip_reason(entries):
    found = []
    for assignment, its in _by_assignment(entries).items():
        reasons = Counter(e.skip_reason for e in its if e.outcome == SKIPPED and e.skip_reason)
        for reason, times in reasons.items():
            if times >= SAME_SKIP_REASON_TIMES:
                found.append(
                    Finding(
                        "same_skip_reason",
                        "The same reason to skip, again and again",
                        f"Skipped for the same reason {SAME_SKIP_REASON_TIMES} times or more.",
                        "Work on that obstacle together: it names what gets in the way.",
                        assignment,
                        tuple(e.code for e in its if e.outcome == SKIPPED and e.skip_reason == reason),
                    )
                )
    return found


def avoidance(entries):
    found = []
    for assignment, its in _by_assignment(entries).items():
        avoided = [e for e in its if e.outcome == SKIPPED and e.skip_reason == "too_uncomfortable"]
        if len(avoided) >= AVOIDANCE_TIMES:
            found.append(
                Finding(
                    "avoidance",
                    "Possible avoidance",
                    f"Skipped “because it felt too uncomfortable” {AVOIDANCE_TIMES} times or more.",
                    "Worth discussing: avoidance keeps fear going; consider a smaller step.",
                    assignment,
                    tuple(e.code for e in avoided),
                )
            )
    return found


def _in_a_row(entries, difficulty, rule, title, suggestion):
    found = []
    for assignment, its in _by_assignment(entries).items():
        rated = [e for e in its if e.difficulty]
        last = rated[-IN_A_ROW:]
        if len(last) == IN_A_ROW and all(e.difficulty == difficulty for e in last):
            label = difficulty.replace("_", " ")
            found.append(
                Finding(
                    rule,
                    title,
                    f"Felt “{label}” the last {IN_A_ROW} times in a row.",
                    suggestion,
                    assignment,
                    tuple(e.code for e in last),
                )  # fmt: skip
            )
    return found


def too_hard(entries):
    return _in_a_row(entries, "too_hard", "too_hard", "Too hard", "Suggest a smaller step.")


def too_easy(entries):
    return _in_a_row(entries, "too_easy", "too_easy", "Too easy", "Suggest a bigger step.")


def low_helpfulness(entries):
    found = []
    for assignment, its in _by_assignment(entries).items():
        low = [e for e in its if e.helpfulness is not None and e.helpfulness <= LOW_HELPFULNESS]
        if len(low) >= LOW_HELPFULNESS_TIMES:
            found.append(
                Finding(
                    "low_helpfulness",
                    "Not felt to help",
                    f"Rated “not at all” or “a little” helpful {LOW_HELPFULNESS_TIMES} times or more.",
                    "Revisit the rationale together: why would this help, in the client's words?",
                    assignment,
                    tuple(e.code for e in low),
                )
            )
    return found


def no_activity(entries, today, *, days=QUIET_DAYS):
    """Nothing logged for `days` days (client-wide)."""
    latest = max((e.logged_on for e in entries), default=None)
    if latest is not None and (today - latest).days < days:
        return []
    since = "ever" if latest is None else f"since {latest:%-d %B}"
    return [
        Finding(
            "no_activity",
            "No activity",
            f"Nothing logged for {days} days or more ({since}).",
            "A short check-in can help; ask what got in the way rather than why not.",
        )
    ]


def _slope(values):
    n = len(values)
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    spread = sum((x - mean_x) ** 2 for x in range(n))
    return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread


def helpfulness_falling(entries):
    found = []
    for assignment, its in _by_assignment(entries).items():
        rated = [e for e in its if e.helpfulness is not None][-TREND_ENTRIES:]
        if len(rated) == TREND_ENTRIES and _slope([e.helpfulness for e in rated]) <= TREND_SLOPE:
            found.append(
                Finding(
                    "helpfulness_falling",
                    "Ratings going down",
                    f"Helpfulness fell over the last {TREND_ENTRIES} ratings (by about a third of a point "
                    "or more per practice).",
                    "Ask what changed; the exercise may need adjusting.",
                    assignment,
                    tuple(e.code for e in rated),
                )
            )
    return found


def kind_skipped(entries):
    """A kind of exercise mostly skipped while the others are mostly done: possible resistance."""
    by_kind = defaultdict(list)
    for entry in entries:
        by_kind[entry.kind].append(entry)
    found = []
    for kind, its in by_kind.items():
        others = [e for e in entries if e.kind != kind]
        if len(its) < KIND_MIN_ENTRIES or len(others) < KIND_MIN_ENTRIES:
            continue
        skipped = [e for e in its if e.outcome == SKIPPED]
        others_skipped = sum(1 for e in others if e.outcome == SKIPPED)
        if len(skipped) / len(its) >= KIND_SKIPPED_SHARE and others_skipped / len(others) <= OTHERS_SKIPPED_SHARE:
            label = kind.replace("_", " ")
            found.append(
                Finding(
                    "kind_skipped",
                    f"One kind skipped: {label}",
                    f"Two thirds or more of the {label} practices skipped while at most a third of the others were.",
                    "Possible resistance to this kind of work: explore what it asks of the client.",
                    entries=tuple(e.code for e in skipped),
                )
            )
    return found


def backfill_share(entries):
    """Share of entries logged more than a day after the day they describe."""
    if not entries:
        return None
    late = [e for e in entries if (e.logged_on - e.occurred_on).days > BACKFILL_DAYS]
    return len(late) / len(entries), tuple(e.code for e in late)


def backfilled(entries):
    share = backfill_share(entries)
    if share is None or len(entries) < BACKFILL_MIN_ENTRIES or share[0] < BACKFILL_SHARE:
        return []
    return [
        Finding(
            "backfilled",
            "Filled in afterwards",
            f"{round(share[0] * 100)}% of entries were logged more than {BACKFILL_DAYS} day after the day they "
            f"describe ({round(BACKFILL_SHARE * 100)}% or more fires this).",
            "Memory blurs after a day: ask about logging closer to the practice.",
            entries=share[1],
        )
    ]


def low_confidence_low_adherence(assignments):
    return [
        Finding(
            "low_confidence",
            "Low confidence, little practice",
            f"Confidence below {LOW_CONFIDENCE} when assigned, and under {round(LOW_ADHERENCE * 100)}% of the "
            "planned practice done.",
            "Make it smaller or easier until confidence is 7 or more.",
            a.code,
        )
        for a in assignments
        if a.confidence < LOW_CONFIDENCE and a.adherence is not None and a.adherence < LOW_ADHERENCE
    ]


def find_patterns(entries, assignments, today, *, quiet_days=QUIET_DAYS):
    """Every finding for one client, in the order the brief shows them."""
    entries = list(entries)
    return [
        *avoidance(entries),
        *same_skip_reason(entries),
        *too_hard(entries),
        *too_easy(entries),
        *low_helpfulness(entries),
        *helpfulness_falling(entries),
        *kind_skipped(entries),
        *no_activity(entries, today, days=quiet_days),
        *backfilled(entries),
        *low_confidence_low_adherence(assignments),
    ]
