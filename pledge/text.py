"""Data is text: names, districts, banks, file and sheet names shown in the app must read exactly as
stored, never as formatting, links, maths, icons or HTML.

Two escapers, one per renderer, applied where data meets it (the pages, the sidebar, the charts);
the CLI, the Word bulletin and the Excel files keep the raw text.

- `md` for everything Streamlit draws through its markdown: st.markdown, st.caption, titles, alerts,
  toasts, widget, metric, tab, expander and popover labels, help texts. Not st.badge: it escapes
  brackets itself, so md's would show (the app badges only its own words). Not select options,
  text inputs or tables: those show plain text, backslashes included.
- `plotly` for chart titles, tick, hover, legend and data labels, which accept a little HTML.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark, and each escaped one
# is taken literally: emphasis, links, code, headings, lists, tables, HTML, entities (&), maths ($),
# Streamlit's directives (:red[…], :small[…]). Escaping all of them leaves no case to forget.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Streamlit rewrites some text *after* parsing, where a backslash no longer helps: shortcodes
# (:smile:, :material_home:, :streamlit:) become emoji, icons and a logo, and a lone -> -- >= <=
# becomes an arrow or a dash. An invisible word joiner (U+2060) inside such a sequence keeps it text.
WORD_JOINER = "\u2060"
_SHORTCODE = re.compile(r":(?=[A-Za-z0-9_+-]+:)")
_TYPOGRAPHIC = re.compile(r"(?<!\S)([<~>-])(?=(?:->|[->=])(?!\S))")


def md(value) -> str:
    """A data value, escaped for Streamlit markdown: shown exactly as written. None reads ''."""
    if value is None:
        return ""
    text = str(value)
    text = _SHORTCODE.sub(":" + WORD_JOINER, text)
    text = _TYPOGRAPHIC.sub(r"\1" + WORD_JOINER, text)
    return _PUNCTUATION.sub(r"\\\1", text)


def plotly(value) -> str:
    """A data value for Plotly text (titles, ticks, hover, legend, labels): its HTML shows as written."""
    if value is None:
        return ""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
