"""Staff admin of the registry: its records (``registry``), its reference data
(``reference``) and its releases (``releases``)."""

from occupations.admin import reference, registry, releases  # noqa: F401  (registers the admins)
