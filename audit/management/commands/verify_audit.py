"""manage.py verify_audit: is the audit trail's hash chain intact?"""

from django.core.management.base import BaseCommand, CommandError

from audit import chain
from audit.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Walk the audit trail's hash chain in seq order and report the first row that was changed, "
        "deleted or relinked (exit 1), or that the chain is intact (exit 0)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            metavar="SEQ:HASH",
            help="a row's seq and hash printed by an earlier run (and kept elsewhere): it must still be in "
            "the chain, so rows cut off the end since then are found too",
        )
        parser.add_argument("--batch", type=int, default=chain.BATCH, help="rows read per query")

    def handle(self, *args, anchor=None, batch=chain.BATCH, **options):
        verdict = chain.verify(AuditEvent.objects.all(), batch=batch)
        if not verdict.intact:
            raise CommandError(
                f"Audit trail broken at seq {verdict.broken_seq}: {verdict.reason} "
                f"({verdict.rows} rows before it are intact)",
                returncode=1,
            )
        if anchor:
            seq, _, expected = anchor.partition(":")
            if not seq.isdigit():
                raise CommandError("--anchor takes SEQ:HASH, as printed by an earlier run")
            found = AuditEvent.objects.filter(seq=int(seq)).values_list("row_hash", flat=True).first()
            if found != expected:
                raise CommandError(
                    f"Audit trail broken at seq {seq}: the anchored row is "
                    + ("missing (rows were cut off the end)" if found is None else "not the one anchored"),
                    returncode=1,
                )
        self.stdout.write(f"Audit trail intact: {verdict.rows} rows")
        if verdict.rows:
            self.stdout.write(f"Last row (keep it; check later with --anchor): {verdict.last_seq}:{verdict.last_hash}")
