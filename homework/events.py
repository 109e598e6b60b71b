"""What homework announces, for apps above it to act on (notifications tells the client).

Sent inside the write's transaction, so whatever a receiver writes (an outbox row) commits or
rolls back with the change itself. Homework never imports the apps that listen.
"""

from django.dispatch import Signal

# assignment: the new Assignment, ready for the client.
assignment_created = Signal()
