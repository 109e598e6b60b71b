"""What homework announces, for apps above it to act on (notifications tells the client).

Sent inside the write's transaction, so whatever a receiver writes (an outbox row) commits or
rolls back with the change itself. Homework never imports the apps that listen.
"""

from django.dispatch import Signal

# assignment: the new Assignment, ready for the client.
assignment_created = Signal()
# assignment: an Assignment whose schedule, reminders or status changed (plans are redone).
assignment_changed = Signal()
# entry: the Entry just logged or changed; risk_raised, discuss_raised, commented: what is new in
# it that the therapist should hear of (a risk answer, "I want to discuss this", a comment).
entry_recorded = Signal()
# comment: a new Comment under an entry, from the client or the therapist.
comment_added = Signal()
