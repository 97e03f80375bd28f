"""Escaping of text for the place it is written into: HTML text, an HTML attribute, a JavaScript string, a JavaScript
template literal, Markdown. Every user string the project puts into a page or a script goes through one of these."""

from __future__ import annotations

import html
import json

__all__ = ["html_attr", "html_text", "js_string", "js_template", "markdown_text"]

# json.dumps escapes quotes, backslashes and all non-ASCII (so also U+2028 and U+2029, line ends in older engines);
# "<", ">" and "&" as JSON escapes too, so no "</script>" or "<!--" inside the string can close the <script> block.
_JS_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
# In a template literal a backslash escapes, a backtick ends it and "${" runs code: written as HTML entities, which
# the literal keeps as they are and the browser shows as the characters once the literal's value becomes HTML.
_TEMPLATE_ENTITIES = str.maketrans({"\\": "&#92;", "`": "&#96;", "$": "&#36;"})
# CommonMark lets a backslash escape any ASCII punctuation; escaping all of it also covers "$" (math in Streamlit),
# "<" (HTML) and "&" (entities).
_MARKDOWN_SPECIAL = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def html_text(value: object) -> str:
    """Text shown as itself inside an HTML (or SVG) element: ``&``, ``<``, ``>`` and both quotes escaped."""
    return html.escape(str(value), quote=True)


def html_attr(value: object) -> str:
    """Text for a quoted HTML attribute value: as `html_text`, and the backtick too (an attribute delimiter in
    some old browsers)."""
    return html_text(value).replace("`", "&#96;")


def js_string(value: object) -> str:
    """A JavaScript string literal, quotes included, that holds `value` as text and is safe inside a ``<script>``
    block (no ``</script>``, ``<!--`` or line separator can come out of it)."""
    return json.dumps(str(value)).translate(_JS_ESCAPES)


def js_template(value: object) -> str:
    """Text for inside a JavaScript template literal whose value becomes HTML (as folium writes tooltips): escaped
    for HTML, and a backslash, backtick or ``$`` written as an entity, so the text can neither end the literal nor
    run as ``${...}``."""
    return html_text(value).translate(_TEMPLATE_ENTITIES)


def markdown_text(value: object) -> str:
    """Text shown as itself in Markdown (Streamlit's ``st.markdown`` without HTML): every ASCII punctuation mark
    backslash-escaped and line breaks made spaces, so a name cannot become a tag, a link, emphasis, a list, a
    heading or math."""
    text = " ".join(str(value).splitlines())
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)
