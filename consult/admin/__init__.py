"""Staff admin of the consultation: draft lists, drafts, comments and their moderation.

Thin by design: every step (open, extend, begin review, publish, revise, accept, withdraw,
reinstate, moderate, set a disposition) is a row of ``consult.admin.steps.STEPS`` that calls its
function in ``consult.workflow.consultations`` and shows a refusal as an error message; one
confirmation page (``consult.admin.confirm``) serves every step that has one. Status fields are
never form fields. The FSM's transitions (their ``permission=``) and the table decide which buttons
and actions a user sees; the workflow functions check the same permissions again."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from consult.admin import (  # noqa: F401  (registers the admins)
    comments,
    consultations,
    drafts,
    exports,
    mail,
    third_parties,
)

admin.site.site_header = _("New occupations: staff")
admin.site.site_title = _("New occupations staff")
admin.site.index_title = _("Consultations and registry")
