"""The one way to write the audit trail; called by access helpers (reads) and write functions."""

from audit.models import AuditAction, AuditEvent


def record(*, actor, action, obj=None, client=None, request=None, object_type="", object_code=""):
    """Store who did what to which record. Pass the object, or its type and code when there is
    no object (a refused lookup)."""
    client_code = client.code if client is not None else ""
    AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        client_code=client_code,
        action=action,
        object_type=type(obj).__name__ if obj is not None else object_type,
        object_code=getattr(obj, "code", "") if obj is not None else object_code,
        ip=request.META.get("REMOTE_ADDR") if request is not None else None,
    )


__all__ = ["record", "AuditAction"]
