"""The door for reads of notifications' data: preferences with their defaults, notices, failures."""

from django.core.exceptions import ObjectDoesNotExist

from notifications.models import ReminderPreferences, TherapistPreferences

MORNING_BRIEF_DEFAULT = "07:30"


def reminder_preferences_of(client):
    """The client's preferences, or the defaults (unsaved) when they never changed any. Reads the
    cache of select_related("reminder_preferences") when the caller loaded it."""
    try:
        return client.reminder_preferences
    except ObjectDoesNotExist:
        return ReminderPreferences(client=client)


def therapist_preferences_of(user):
    found = TherapistPreferences.objects.filter(user=user).first()
    return found or TherapistPreferences(user=user)
