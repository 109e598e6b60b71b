"""The trail is tamper-evident (docs/security.md T-LG-6): a hash chain that `manage.py verify_audit`
walks, consecutive seq numbers, appends serialised across concurrent requests, and on PostgreSQL a
trigger that refuses any change."""

import threading
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit import chain
from audit.models import AuditAction, AuditEvent
from audit.record import append, record

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
TABLE = AuditEvent._meta.db_table


def verify():
    """(exit code, what verify_audit printed)."""
    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


def some_rows(sign_in, therapist_a, client_a, entry_a):
    http = sign_in(therapist_a)
    http.get(reverse("homework:client_list"))
    http.get(reverse("homework:entry_detail", args=[entry_a.code]))
    http.get(reverse("homework:client_detail", args=[client_a.code]))
    for _ in range(3):
        record(actor=therapist_a, action=AuditAction.UPDATE, obj=entry_a, client=client_a)
    assert AuditEvent.objects.count() >= 6


def raw(sql, params=()):
    """Raw SQL as someone at a database console would run it; on PostgreSQL with the trigger
    switched off first (the table's owner can, inside this test's transaction only)."""
    with connection.cursor() as cursor:
        if ON_POSTGRES:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if ON_POSTGRES:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER audit_event_append_only")


@pytest.mark.django_db
def test_a_fresh_chain_is_intact(sign_in, therapist_a, client_a, entry_a):
    some_rows(sign_in, therapist_a, client_a, entry_a)
    total = AuditEvent.objects.count()
    code, out = verify()
    assert code == 0, out
    assert f"Audit trail intact: {total} rows" in out
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))


@pytest.mark.django_db
def test_an_empty_trail_is_intact(db):
    assert verify() == (0, "Audit trail intact: 0 rows\n")


@pytest.mark.django_db
def test_rows_are_linked_and_hash_their_content(sign_in, therapist_a, client_a, entry_a):
    some_rows(sign_in, therapist_a, client_a, entry_a)
    rows = list(AuditEvent.objects.order_by("seq"))
    assert rows[0].prev_hash == chain.GENESIS
    for before, row in zip(rows, rows[1:], strict=False):
        assert row.prev_hash == before.row_hash
    for row in rows:
        assert row.row_hash == chain.row_hash(chain.values_of(row))


@pytest.mark.django_db
def test_a_raw_sql_edit_is_found_and_named_by_its_seq(sign_in, therapist_a, client_a, entry_a):
    some_rows(sign_in, therapist_a, client_a, entry_a)
    raw(f"UPDATE {TABLE} SET actor_id = NULL WHERE seq = %s", [3])
    code, message = verify()
    assert code == 1
    assert "seq 3: content changed" in message


@pytest.mark.django_db
def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(sign_in, therapist_a, client_a, entry_a):
    some_rows(sign_in, therapist_a, client_a, entry_a)
    row = AuditEvent.objects.get(seq=3)
    row.object_code = "someoneelse"
    forged = chain.row_hash(chain.values_of(row))
    raw(f"UPDATE {TABLE} SET object_code = %s, row_hash = %s WHERE seq = %s", ["someoneelse", forged, 3])
    code, message = verify()
    assert code == 1
    assert "seq 4: link broken" in message


@pytest.mark.django_db
def test_a_raw_deleted_middle_row_is_found(sign_in, therapist_a, client_a, entry_a):
    some_rows(sign_in, therapist_a, client_a, entry_a)
    raw(f"DELETE FROM {TABLE} WHERE seq = %s", [4])
    code, message = verify()
    assert code == 1
    assert "seq 5: previous row missing (expected seq 4)" in message


@pytest.mark.django_db
def test_a_deleted_first_row_is_found(sign_in, therapist_a, client_a, entry_a):
    some_rows(sign_in, therapist_a, client_a, entry_a)
    raw(f"DELETE FROM {TABLE} WHERE seq = %s", [1])
    assert "seq 2: previous row missing" in verify()[1]


@pytest.mark.django_db
def test_verify_walks_in_bounded_batches(sign_in, therapist_a, client_a, entry_a):
    some_rows(sign_in, therapist_a, client_a, entry_a)
    total = AuditEvent.objects.count()
    assert chain.verify(AuditEvent.objects.all(), batch=2).rows == total
    raw(f"DELETE FROM {TABLE} WHERE seq = %s", [total - 1])
    verdict = chain.verify(AuditEvent.objects.all(), batch=2)
    assert (verdict.broken_seq, verdict.rows) == (total, total - 2)


@pytest.mark.django_db
def test_an_anchor_finds_rows_cut_off_the_end(sign_in, therapist_a, client_a, entry_a):
    some_rows(sign_in, therapist_a, client_a, entry_a)
    last = AuditEvent.objects.order_by("-seq").first()
    anchor = f"{last.seq}:{last.row_hash}"
    call_command("verify_audit", anchor=anchor, stdout=StringIO())
    raw(f"DELETE FROM {TABLE} WHERE seq = %s", [last.seq])
    with pytest.raises(CommandError, match="missing"):
        call_command("verify_audit", anchor=anchor, stdout=StringIO())


@pytest.mark.django_db
def test_deleting_a_user_keeps_their_rows_and_the_chain(sign_in, colleague_a, therapist_a, client_a, entry_a):
    some_rows(sign_in, therapist_a, client_a, entry_a)
    sign_in(colleague_a).get(reverse("homework:client_list"))
    pk = colleague_a.pk
    theirs = AuditEvent.objects.filter(actor_id=pk).count()
    assert theirs >= 2  # the sign-in and the list
    colleague_a.delete()
    rows = AuditEvent.objects.filter(actor_id=pk)
    assert rows.count() == theirs
    assert set(rows.values_list("actor_label", flat=True)) == {"Carol Colleague <carol@example.com>"}
    assert set(rows.values_list("actor_role", flat=True)) == {"therapist"}
    assert verify()[0] == 0


@pytest.mark.django_db
def test_times_are_set_in_python_with_microseconds_in_utc(therapist_a, entry_a, client_a):
    event = record(actor=therapist_a, action=AuditAction.READ, obj=entry_a, client=client_a)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at == event.at and stored.at.tzinfo is not None and stored.at.utcoffset().total_seconds() == 0
    assert chain.canonical_time(stored.at).endswith("Z") and len(chain.canonical_time(stored.at)) == 27


@pytest.mark.django_db
def test_rows_appended_with_their_own_times_chain_too(therapist_a):
    events = [
        AuditEvent(at=datetime(2030, 1, day, 12, tzinfo=UTC), actor=therapist_a, action="read", object_type="X")
        for day in (1, 2)
    ]
    append(events)
    assert [e.seq for e in events] == [1, 2] and events[1].prev_hash == events[0].row_hash
    assert verify()[0] == 0


# --- PostgreSQL refuses changes itself ---------------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="the trigger exists on PostgreSQL only (run with DATABASE_URL=postgres://...)"
)


@needs_postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [f"UPDATE {TABLE} SET object_code = 'x'", f"DELETE FROM {TABLE}", f"UPDATE {TABLE} SET row_hash = row_hash"],
)
def test_postgres_refuses_raw_updates_and_deletes(sql, therapist_a, entry_a, client_a):
    record(actor=therapist_a, action=AuditAction.READ, obj=entry_a, client=client_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.filter(object_code=entry_a.code).exists()


@needs_postgres
@pytest.mark.django_db
def test_postgres_refuses_the_orms_raw_delete(therapist_a, entry_a, client_a):
    record(actor=therapist_a, action=AuditAction.READ, obj=entry_a, client=client_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all()._raw_delete(connection.alias)
    assert AuditEvent.objects.count() == 1


# --- Concurrency: one chain, however many requests append at once -------------------------------------------

THREADS, EACH = 8, 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_the_chain_linear(therapist_a, client_a, entry_a):
    from django.db import connections

    start = threading.Barrier(THREADS)
    errors = []

    def work():
        try:
            start.wait()
            for _ in range(EACH):
                record(actor=therapist_a, action=AuditAction.UPDATE, obj=entry_a, client=client_a)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    before = AuditEvent.objects.exclude(action=AuditAction.UPDATE).count()  # fixtures' rows, if any
    total = before + THREADS * EACH
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    assert len(set(AuditEvent.objects.values_list("prev_hash", flat=True))) == total
    assert verify() == (0, f"Audit trail intact: {total} rows\n" + _last_line())


def _last_line():
    last = AuditEvent.objects.order_by("-seq").first()
    return f"Last row (keep it; check later with --anchor): {last.seq}:{last.row_hash}\n"


# --- The migration chains rows written before the chain ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_rows_from_before_the_chain_are_chained_by_the_migration(therapist_a):
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    old = executor.loader.project_state([("audit", "0001_initial")]).apps.get_model("audit", "AuditEvent")
    for n in range(5):
        old.objects.create(actor_id=therapist_a.pk, action="read", object_type="Entry", object_code=f"code{n}")
    old.objects.create(actor_id=None, action="denied", object_type="Entry", object_code="nope")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("audit"))

    rows = list(AuditEvent.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0].actor_label == "Alice Therapist <alice@example.com>"
    assert (rows[-1].actor_label, rows[-1].outcome) == ("", "denied")
    assert verify()[0] == 0
    # and the chain goes on from there
    record(actor=therapist_a, action=AuditAction.READ, object_type="Entry", object_code="after")
    assert AuditEvent.objects.get(object_code="after").seq == 7
    assert verify()[0] == 0
