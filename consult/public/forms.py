"""Forms of the public pages other than the comment form (which is ``consult.intake.form``)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from consult.models import Comment, DraftOccupation


class CommentSearchForm(forms.Form):
    """Search in one consultation's published comments (GET, every field optional). A bad value
    in one filter is reported on that field and the filter left out, as in the catalogue."""

    q = forms.CharField(label=_("Words in the comment or reply"), required=False, max_length=200)
    occupation = forms.ChoiceField(label=_("Occupation"), required=False)
    disposition = forms.ChoiceField(
        label=_("Response"),
        required=False,
        choices=[("", _("All responses")), *Comment.Disposition.choices],
    )

    def __init__(self, *args, drafts: Sequence[DraftOccupation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occupation"].choices = [
            ("", _("All occupations and the whole list")),
            ("list", _("The draft list as a whole")),
        ] + [(str(d.pk), f"{d.position}. {d.name}") for d in drafts]

    def filter(self, comments):
        """Apply every valid filter to ``comments``; ``is_valid()`` must have been called."""
        data = {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name not in self.errors
        }
        if data.get("q"):
            words = data["q"].split()
            for word in words[:10]:
                comments = comments.filter(
                    models.Q(body__icontains=word)
                    | models.Q(proposed_text__icontains=word)
                    | models.Q(reply__icontains=word)
                    | models.Q(author_name__icontains=word)
                    | models.Q(organisation__icontains=word)
                )
        if data.get("occupation") == "list":
            comments = comments.filter(occupation__isnull=True)
        elif data.get("occupation"):
            comments = comments.filter(occupation_id=int(data["occupation"]))
        if data.get("disposition"):
            comments = comments.filter(disposition=data["disposition"])
        return comments

    @property
    def filtered(self) -> bool:
        return any(getattr(self, "cleaned_data", {}).get(name) for name in self.fields)
