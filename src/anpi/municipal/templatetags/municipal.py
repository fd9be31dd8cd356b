from __future__ import annotations

from django import template

from anpi.municipal.display import choice_label

register = template.Library()


@register.filter
def label(obj, field: str) -> str:
    """``{{ group|label:"kind" }}``: the choice label in the active language."""
    return choice_label(obj, field)
