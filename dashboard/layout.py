"""The page look shared by every page (页面样式): the phone layout's CSS, Streamlit's own words in Chinese.

Kept apart from :mod:`dashboard.app` so that streamlit_app.py can send it before importing that module
(pandas, DuckDB, pyarrow: about a second on a first start, issue 16); it needs only Streamlit and
core/labels.py.  dashboard.app re-exports what the pages use.
"""

from __future__ import annotations

import json

import streamlit as st

from core.labels import BROWSER_PREFIXES, BROWSER_WORDS, t

# Below 640 px Streamlit stacks every column full width: a metric row of four becomes four screens'
# worth of cards.  These rules apply only under that width (the desktop look is unchanged): rows of
# metrics wrap two per row, the page's padding and headings shrink, Plotly's toolbar (which covers
# chart titles on a narrow chart; touch users zoom with their fingers) is hidden, and wide tables
# scroll inside their own frame.
PHONE_CSS = """
<style>
/* A long figure (e.g. 180.6789 wan yuan) wraps in a narrow card instead of ending in an ellipsis. */
[data-testid="stMetricValue"] > div { white-space: normal; overflow: visible; text-overflow: clip; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding: 3.25rem 0.75rem 2rem 0.75rem !important; }
  [data-testid="stMain"] h1 { font-size: 1.45rem; padding: 0.25rem 0; }
  [data-testid="stMain"] h3 { font-size: 1.05rem; padding: 0.4rem 0 0.1rem 0; }
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) {
    flex-direction: row !important; flex-wrap: wrap !important; gap: 0.5rem !important;
  }
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
    > [data-testid="stColumn"] {
    flex: 1 1 calc(50% - 0.5rem) !important; width: calc(50% - 0.5rem) !important;
    min-width: calc(50% - 0.5rem) !important; max-width: calc(50% - 0.25rem) !important;
  }
  [data-testid="stMetric"] { padding: 0.45rem 0.6rem !important; }
  [data-testid="stMetricValue"] { font-size: 1.3rem !important; }
  [data-testid="stMetricLabel"] p { font-size: 0.8rem !important; }
  .js-plotly-plot .modebar-container { display: none !important; }
  [data-testid="stDataFrame"], [data-testid="stTable"], [data-testid="stMarkdownContainer"] table {
    max-width: 100%; overflow-x: auto; display: block;
  }
  [data-testid="stCode"] pre { white-space: pre-wrap; }
}
</style>
"""


# Streamlit's file uploader has no option for its inner words ("Upload", "50MB per file • XLSX …",
# "Drag and drop files here" while a file is dragged over it).  The English text is hidden (font size
# 0, so it takes no room) and the Chinese of core/labels.py shown in its place (::after).  Selectors
# are Streamlit's data-testid attributes, which its own tests rely on; the drag overlay is the
# element right after the hidden file input whose own child is a span (the file chips, shown there
# once files are chosen, have only div and button children).
UPLOADER_CSS = """
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "%(browse)s"; font-size: 0.875rem;
}
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after { content: "%(limit)s"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInput"] + div > span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInput"] + div > span::after {
  content: "%(drop)s"; font-size: 1rem;
}
.st-key-mappings_file [data-testid="stFileUploaderDropzoneInstructions"] span::after { content: "%(profile)s"; }
</style>
"""


def _css_text(text: str) -> str:
    """Text for a CSS string literal (content: "…"): backslashes and quotes escaped, one line."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def uploader_css() -> str:
    """:data:`UPLOADER_CSS` with the Chinese words and this server's upload size limit."""
    limit = int(st.get_option("server.maxUploadSize"))
    words = {
        "browse": t("upload.browse"),
        "limit": t("upload.limit", mb=limit),
        "drop": t("upload.drop"),
        "profile": t("manage.mappings_limit"),  # the uploader of 数据管理's 映射方案 (key mappings_file)
    }
    return UPLOADER_CSS % {key: _css_text(value) for key, value in words.items()}


# Streamlit 1.67 has no language setting (streamlit/streamlit#1353): a few of its own words are visible
# text inside widgets, replaced like the uploader's.  The empty list of a select box or multiselect
# ("No results", React Aria's empty state: the listbox marked data-empty) and the hint under a text
# box while typing ("Press Enter to apply"; "… to submit form" in a form; "Press Ctrl+Enter …" under
# a text area), its first span (a second one is the character count).
WIDGET_WORDS_CSS = """
<style>
[role="listbox"][data-empty="true"] > [role="option"] > span { font-size: 0; }
[role="listbox"][data-empty="true"] > [role="option"] > span::after {
  content: "%(no_results)s"; font-size: 0.875rem;
}
[data-testid="InputInstructions"] > span:first-child { font-size: 0; }
[data-testid="InputInstructions"] > span:first-child::after { content: "%(press_enter)s"; font-size: 0.75rem; }
[data-testid="stForm"] [data-testid="InputInstructions"] > span:first-child::after {
  content: "%(press_enter_form)s";
}
[data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child::after {
  content: "%(press_ctrl_enter)s";
}
[data-testid="stElementContainer"]:has(#union-browser-words) { display: none; }
</style>
"""


def widget_words_css() -> str:
    """:data:`WIDGET_WORDS_CSS` with the Chinese words of core/labels.py."""
    keys = ("no_results", "press_enter", "press_enter_form", "press_ctrl_enter")
    return WIDGET_WORDS_CSS % {key: _css_text(t(f"widget.{key}")) for key in keys}


# The rest of Streamlit's and Plotly's English is in attributes (aria-label, title, placeholder, Plotly's
# data-title, which its toolbar shows as the tip) or in pop-ups drawn outside the page's content (the
# table toolbar's tips, a column's menu).  No CSS reaches an attribute, so a script, installed once
# per browser tab (the flag on window: Streamlit re-runs an html element's script when it mounts
# again), watches the document (MutationObserver) and puts the Chinese of core/labels.py
# (BROWSER_WORDS, BROWSER_PREFIXES) in their place: attributes everywhere; text only outside the
# page's content (stMain, the sidebar's widgets), where a word is Streamlit's, never the ledgers'.
# It also marks the document as Chinese (lang), which screen readers and font fallback follow.
BROWSER_WORDS_JS = """
<div id="union-browser-words"></div>
<script>
(() => {
  if (window.unionBrowserWords) return;
  window.unionBrowserWords = true;
  const words = %(words)s;
  const prefixes = Object.entries(%(prefixes)s);
  const attrs = ["aria-label", "title", "placeholder", "data-title"];
  const chinese = (value) => {
    const text = value.trim();
    if (Object.hasOwn(words, text)) return words[text];
    for (const [prefix, form] of prefixes) {
      if (text.startsWith(prefix) && text.length > prefix.length) return form.replace("{}", text.slice(prefix.length));
    }
    return null;
  };
  const content = '[data-testid="stMain"], [data-testid="stSidebarUserContent"]';
  const fixElement = (e) => {
    for (const name of attrs) {
      const value = e.getAttribute(name);
      const word = value && chinese(value);
      if (word && word !== value) e.setAttribute(name, word);
    }
  };
  const fixText = (node) => {
    const value = node.nodeValue;
    const word = value && value.trim() && Object.hasOwn(words, value.trim()) ? words[value.trim()] : null;
    if (word && !(node.parentElement && node.parentElement.closest(content))) node.nodeValue = word;
  };
  const fixTree = (root) => {
    if (root.nodeType === Node.TEXT_NODE) return fixText(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    fixElement(root);
    for (const e of root.querySelectorAll("[aria-label], [title], [placeholder], [data-title]")) fixElement(e);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) fixText(node);
  };
  document.documentElement.lang = "zh-CN";
  fixTree(document.body);
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "attributes") fixElement(change.target);
      else if (change.type === "characterData") fixText(change.target);
      else for (const node of change.addedNodes) fixTree(node);
    }
  }).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: attrs,
  });
})();
</script>
"""


def _js_object(mapping: dict[str, str]) -> str:
    """A JSON object literal that is safe inside <script> (no "</" can close the element)."""
    return json.dumps(mapping, ensure_ascii=False).replace("</", "<\\/")


def browser_words_html() -> str:
    """:data:`BROWSER_WORDS_JS` with the English → Chinese words of core/labels.py."""
    return BROWSER_WORDS_JS % {"words": _js_object(BROWSER_WORDS), "prefixes": _js_object(BROWSER_PREFIXES)}


def phone_layout() -> None:
    """Inject :data:`PHONE_CSS`, the uploader's and the widgets' Chinese words (style blocks: they take
    no space on the page), and the script that puts Chinese in Streamlit's and Plotly's English
    attributes and pop-ups (its element is hidden)."""
    st.html(PHONE_CSS + uploader_css() + widget_words_css())
    st.html(browser_words_html(), unsafe_allow_javascript=True)


def skip_direct_run_check() -> None:
    """Under ``streamlit run``, skip the check Streamlit makes before a session's first element.

    Streamlit's first element of a process asks whether it runs in a Python REPL or without its server
    (to print a warning that never applies under ``streamlit run``); the question is answered with
    ``inspect.stack()``, which resolves the module of every frame by walking all of ``sys.modules``:
    about 0.23 s on a first start once pandas, pyarrow and DuckDB are loaded (cProfile of the server's
    script thread: ``env_util.is_repl`` under the first ``st.html``), before 总览's first figure.
    With a runtime (the server, or AppTest) there is nothing to warn about, so the check is marked done.
    """
    from streamlit import delta_generator, runtime

    if runtime.exists() and hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True
