"""The hash chain over the audit trail.

Each row stores `prev_hash`, the `row_hash` of the row before it (GENESIS for the first), and its
own `row_hash`: SHA-256 over the canonical serialisation of every content field, `prev_hash`
included. Changing a row's content breaks its own hash; recomputing that hash breaks the next
row's link; deleting a row leaves a gap in `seq`. `manage.py verify_audit` walks the chain.

The serialisation is JSON with sorted keys and no spaces, times as UTC with microseconds, the IP
address as Django stores it. Migration 0002 carries a frozen copy of it: change it only together
with a new version of the chain.
"""

import dataclasses
import hashlib
import json
from datetime import UTC

GENESIS = "0" * 64

# Every stored field except the database id and the row's own hash.
CONTENT_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "actor_role",
    "client_code",
    "action",
    "object_type",
    "object_code",
    "detail",
    "outcome",
    "ip",
    "user_agent",
    "request_id",
    "prev_hash",
)


def canonical_time(at):
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(values):
    """SHA-256 (hex) of a row's content: `values` maps every name in CONTENT_FIELDS to its value
    (an object's attributes through `values_of`, or a .values() dict)."""
    content = {name: values[name] for name in CONTENT_FIELDS}
    content["at"] = canonical_time(content["at"])
    if content["ip"] is not None:
        content["ip"] = str(content["ip"])
    serialised = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(serialised.encode("ascii")).hexdigest()


def values_of(event):
    return {name: getattr(event, name) for name in CONTENT_FIELDS}


# --- Verifying ------------------------------------------------------------------------------------

BATCH = 2000
CONTENT_CHANGED = "content changed"
PREVIOUS_MISSING = "previous row missing"
LINK_BROKEN = "link broken"


@dataclasses.dataclass(frozen=True)
class Verdict:
    rows: int  # rows checked
    broken_seq: int | None = None  # the first row that does not fit, or None
    reason: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS

    @property
    def intact(self):
        return self.broken_seq is None


def verify(queryset, *, batch=BATCH):
    """Walk the rows of `queryset` (AuditEvent.objects) in `seq` order, `batch` rows at a time,
    and stop at the first that does not fit: its seq jumps past the one expected (a row before it
    was deleted), its content no longer gives its hash (it was changed), or its prev_hash is not
    the previous row's hash (the previous row was changed and rehashed, or rows were swapped)."""
    fields = (*CONTENT_FIELDS, "row_hash")
    rows, expected, prev = 0, 1, GENESIS
    while True:
        page = list(queryset.filter(seq__gte=expected).order_by("seq").values(*fields)[:batch])
        if not page:
            return Verdict(rows=rows, last_seq=expected - 1, last_hash=prev)
        for values in page:
            seq = values["seq"]
            if seq != expected:
                return Verdict(rows=rows, broken_seq=seq, reason=f"{PREVIOUS_MISSING} (expected seq {expected})")
            if row_hash(values) != values["row_hash"]:
                return Verdict(rows=rows, broken_seq=seq, reason=CONTENT_CHANGED)
            if values["prev_hash"] != prev:
                return Verdict(rows=rows, broken_seq=seq, reason=LINK_BROKEN)
            rows, expected, prev = rows + 1, seq + 1, values["row_hash"]
