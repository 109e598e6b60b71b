"""What practices announces, for apps above it to act on (notifications sends the emails).

Sent inside the write's transaction, so whatever a receiver writes (an outbox row) commits or
rolls back with the change itself. Practices never imports the apps that listen.
"""

from django.dispatch import Signal

# client: the new Client, just invited to sign in (practices.clients.client_create: demo and tools).
client_added = Signal()
# invitation: a CareInvitation just sent from "Add a client", to an account new or old.
care_invited = Signal()
# membership: the new therapist's Membership, just invited to sign in.
therapist_invited = Signal()
# client: the Client whose time zone just changed (reminders follow the new clock).
client_timezone_changed = Signal()
