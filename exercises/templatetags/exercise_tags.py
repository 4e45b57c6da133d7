import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from exercises.models import HIGHLIGHT_START, HIGHLIGHT_STOP

register = template.Library()

# The same escapes as Django's json_script: nothing in the data can close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def ld_json(data: dict) -> SafeString:
    """A JSON-LD block: data, not script, so the strict CSP allows it."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload.translate(_JSON_SCRIPT_ESCAPES)),  # noqa: S308 - escaped above
    )


@register.filter
def highlight(text: str) -> SafeString:
    """Escape a search headline, then turn the match markers into <mark> elements."""
    escaped = str(conditional_escape(text or ""))
    escaped = escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
    return mark_safe(escaped.replace("\n", " … "))  # noqa: S308 - escaped above
