"""What the registry announces, for the code above it to act on (the consultation app's
webhooks subscribe in its ``AppConfig.ready``)."""

from django.dispatch import Signal

# A release was issued: sent with ``release`` and ``now`` inside the transaction that writes it,
# so that what a receiver writes commits or rolls back with the release.
release_issued = Signal()
