"""Platform code with no models, used by every app: domain errors, client addresses, rate
limits, database helpers, exports and API plumbing. It imports only Django and DRF."""
