"""The API's fixtures (a published registry, consultations in every state), for the tests of
odd requests across the site and the API."""

from tests.api.conftest import consultations, registry, standards_editor  # noqa: F401
