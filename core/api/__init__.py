"""Plumbing shared by every read-only API viewset, split the way DRF splits its own modules:
``pagination``, ``filters``, ``renderers`` (CSV), ``throttling``, ``schema`` (OpenAPI pieces),
``conditional`` (ETag, Last-Modified, 304), ``relations`` (record URLs) and ``viewsets``
(the base viewset that puts them together)."""
