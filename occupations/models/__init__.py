"""The registry's models: the registry itself (``registry``), the classification's editions
(``editions``), its numbered releases (``releases``) and the audit log of workflow steps
(``audit``)."""

from occupations.models.audit import Transition, TransitionQuerySet
from occupations.models.editions import ClassificationEdition, ReleasePeriod
from occupations.models.labels import Labelled, Language, preferred_language
from occupations.models.registry import (
    LEVELS_BY_KIND,
    OCCUPATION_CODE_PATTERN,
    OCCUPATION_CODE_RE,
    SEARCH_MAX_LENGTH,
    Authority,
    Batch,
    BatchQuerySet,
    ClassificationGroup,
    DatePrecision,
    LevelKey,
    LevelRequirement,
    LevelWeight,
    Occupation,
    OccupationQuerySet,
    OccupationText,
    SkillStandard,
    StandardLevel,
    TimeStamped,
    format_date,
    iso_date,
    normalise_search_text,
    precision_is_consistent,
    validate_occupation_code,
)
from occupations.models.releases import RecordType, Release, ReleaseRecord

__all__ = [
    "LEVELS_BY_KIND",
    "OCCUPATION_CODE_PATTERN",
    "OCCUPATION_CODE_RE",
    "SEARCH_MAX_LENGTH",
    "Authority",
    "Batch",
    "BatchQuerySet",
    "ClassificationEdition",
    "ClassificationGroup",
    "DatePrecision",
    "Labelled",
    "Language",
    "LevelKey",
    "LevelRequirement",
    "LevelWeight",
    "Occupation",
    "OccupationQuerySet",
    "OccupationText",
    "RecordType",
    "Release",
    "ReleasePeriod",
    "ReleaseRecord",
    "SkillStandard",
    "StandardLevel",
    "TimeStamped",
    "Transition",
    "TransitionQuerySet",
    "format_date",
    "iso_date",
    "normalise_search_text",
    "precision_is_consistent",
    "preferred_language",
    "validate_occupation_code",
]
