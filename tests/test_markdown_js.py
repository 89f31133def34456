"""The board room's Markdown renderer (firstword/web/static/markdown.js), run by node against a
minimal DOM that records every element and attribute made: what a model writes is rendered as
Markdown, and no HTML it writes ever becomes an element, an attribute or a link."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKDOWN_JS = ROOT / "firstword" / "web" / "static" / "markdown.js"
NODE = shutil.which("node") or "/usr/bin/node"

# A DOM with nothing but createElement / createTextNode / createDocumentFragment, setAttribute and
# appendChild (all markdown.js may use), serialised with every text escaped; it records each
# element and attribute made. Spans wrap their text in <del> and add an <i> note after it.
HARNESS = r"""
import { renderMarkdown, safeHref } from "./markdown.mjs";

class Element {
  constructor(tag) { this.tag = tag; this.attrs = []; this.children = []; made.push(tag); }
  setAttribute(name, value) { this.attrs.push([name, String(value)]); attributes.push([name, String(value)]); }
  appendChild(child) { this.children.push(child); return child; }
}
class Text { constructor(text) { this.text = String(text); } }
const made = [];
const attributes = [];
const doc = {
  createElement: (tag) => new Element(tag),
  createTextNode: (text) => new Text(text),
  createDocumentFragment: () => new Element("#fragment"),
};
const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
function html(node) {
  if (node instanceof Text) return escape(node.text);
  const inner = node.children.map(html).join("");
  if (node.tag === "#fragment") return inner;
  const attrs = node.attrs.map(([k, v]) => ` ${k}="${escape(v)}"`).join("");
  return node.tag === "br" || node.tag === "hr" ? `<${node.tag}${attrs}>` : `<${node.tag}${attrs}>${inner}</${node.tag}>`;
}
const textOf = (node) => (node instanceof Text ? node.text : node.children.map(textOf).join(""));

const cases = JSON.parse(await new Promise((resolve) => {
  let data = "";
  process.stdin.on("data", (chunk) => (data += chunk));
  process.stdin.on("end", () => resolve(data));
}));
const results = cases.map(({ text, spans }) => {
  made.length = 0;
  attributes.length = 0;
  const options = { doc };
  if (spans) {
    options.spans = spans.map(([start, end, note]) => ({
      start, end,
      wrap: (textNode) => { const d = doc.createElement("del"); d.appendChild(textNode); return d; },
      after: () => { const i = doc.createElement("i"); i.appendChild(doc.createTextNode(note)); return i; },
    }));
  }
  const fragment = renderMarkdown(text, options);
  return { html: html(fragment), text: textOf(fragment), elements: [...made], attributes: [...attributes] };
});
const hrefs = ["https://example.com/a?b=1", "http://x.org", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
  " javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "/relative", "//evil.example", "vbscript:x",
  "https://"].map((url) => safeHref(url));
console.log(JSON.stringify({ results, hrefs }));
"""


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if not Path(NODE).exists():
        pytest.skip(f"node is missing ({NODE}): the Markdown renderer's tests need it")
    folder = tmp_path_factory.mktemp("markdown")
    shutil.copy(MARKDOWN_JS, folder / "markdown.mjs")  # .mjs: node reads it as an ES module
    (folder / "harness.mjs").write_text(HARNESS)

    def run(cases: list[dict[str, Any]]) -> dict[str, Any]:
        done = subprocess.run(
            [NODE, str(folder / "harness.mjs")], input=json.dumps(cases), capture_output=True, text=True,
            timeout=60, check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


def html_of(render, text: str, spans: list[tuple[int, int, str]] | None = None) -> str:  # type: ignore[no-untyped-def]
    case: dict[str, Any] = {"text": text}
    if spans is not None:
        case["spans"] = spans
    return str(render([case])["results"][0]["html"])


ALLOWED_ELEMENTS = {"p", "br", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "hr", "pre", "code", "strong", "em", "a", "#fragment"}
ALLOWED_ATTRIBUTES = {"href", "rel", "target", "start", "data-lang"}

XSS = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(document.cookie))",
    "[x]( javascript:alert(1) )",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "[x](/relative/path)",
    "**<b onmouseover=alert(1)>bold</b>**",
    "`<script>alert(1)</script>`",
    "```html\n<iframe src=javascript:alert(1)></iframe>\n```",
    '<a href="javascript:alert(1)">link</a>',
    "[<img src=x onerror=alert(1)>](https://example.com)",
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "[a](https://ok.example \"title\" onclick=alert(1))",
    "&lt;script&gt; &amp; \u0000 \ue000 \ue001",
]


def test_markdown_renders_what_answers_use(render) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "Hello **world** and *you*.": "<p>Hello <strong>world</strong> and <em>you</em>.</p>",
        "One\ntwo\n\nThree": "<p>One<br>two</p><p>Three</p>",
        "# Plan\n## Steps\n### Detail": "<h3>Plan</h3><h4>Steps</h4><h5>Detail</h5>",
        "Steps:\n- one\n- two **bold**\n\nAfter": "<p>Steps:</p><ul><li>one</li><li>two <strong>bold</strong></li></ul><p>After</p>",
        "1. first\n2. second\n   - nested\n3. third": "<ol><li>first</li><li>second<ul><li>nested</li></ul></li><li>third</li></ol>",
        "3. three\n4. four": '<ol start="3"><li>three</li><li>four</li></ol>',
        "Use `pip install -e .` now": "<p>Use <code>pip install -e .</code> now</p>",
        "```python\nprint('a < b')\n```": '<pre><code data-lang="python">print(\'a &lt; b\')</code></pre>',
        "```\nstill streaming": "<pre><code>still streaming</code></pre>",
        "See [the docs](https://example.com/docs).": '<p>See <a href="https://example.com/docs" rel="noopener noreferrer" target="_blank">the docs</a>.</p>',
        "Go to https://example.com/x.": '<p>Go to <a href="https://example.com/x" rel="noopener noreferrer" target="_blank">https://example.com/x</a>.</p>',
        "> quoted *text*": "<blockquote><p>quoted <em>text</em></p></blockquote>",
        "above\n\n---\n\nbelow": "<p>above</p><hr><p>below</p>",
        "analyze_repository and snake_case_name stay": "<p>analyze_repository and snake_case_name stay</p>",
        "**unclosed bold": "<p>**unclosed bold</p>",
        "2 * 3 * 4": "<p>2 * 3 * 4</p>",
        "\\*not italic\\*": "<p>*not italic*</p>",
        "***both***": "<p><em><strong>both</strong></em></p>",
        "_italic_ and __bold__": "<p><em>italic</em> and <strong>bold</strong></p>",
    }
    out = render([{"text": text} for text in cases])
    for (text, expected), result in zip(cases.items(), out["results"], strict=True):
        assert result["html"] == expected, f"{text!r} rendered {result['html']!r}"


def test_no_html_a_model_writes_ever_becomes_an_element_an_attribute_or_a_script_link(render) -> None:  # type: ignore[no-untyped-def]
    out = render([{"text": text} for text in XSS])
    for text, result in zip(XSS, out["results"], strict=True):
        assert set(result["elements"]) <= ALLOWED_ELEMENTS, (text, result["elements"])
        names = {name for name, _ in result["attributes"]}
        assert names <= ALLOWED_ATTRIBUTES, (text, names)
        for name, value in result["attributes"]:
            if name == "href":
                assert value.startswith(("https://", "http://")), (text, value)
        assert not any(name.startswith("on") for name in names)
        # The markup is there to read, as text, and never as markup.
        assert "<img" not in result["html"] and "<script" not in result["html"] and "<iframe" not in result["html"]
    by_text = dict(zip(XSS, out["results"], strict=True))
    img = by_text['<img src=x onerror="alert(1)">']
    assert img["html"] == "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>"
    assert img["text"] == '<img src=x onerror="alert(1)">'
    js_link = by_text["[x](javascript:alert(1))"]
    assert "a" not in js_link["elements"], "a javascript: link is never a link"
    assert js_link["text"] == "[x](javascript:alert(1))", "it is shown as written"
    assert "a" not in by_text["[x](/relative/path)"]["elements"]
    assert "a" not in by_text["[x]( javascript:alert(1) )"]["elements"]
    # A safe link whose label holds markup: the label is text inside the link.
    labelled = by_text["[<img src=x onerror=alert(1)>](https://example.com)"]
    assert labelled["html"] == '<p><a href="https://example.com/" rel="noopener noreferrer" target="_blank">&lt;img src=x onerror=alert(1)&gt;</a></p>'
    assert out["hrefs"] == ["https://example.com/a?b=1", "http://x.org/", None, None, None, None, None, None, None, None]


def test_spans_survive_markdown_struck_where_they_stood_with_their_note_after(render) -> None:  # type: ignore[no-untyped-def]
    text = "Fine start. **I led 40 engineers.** Then more."
    start = text.index("**I led")
    end = text.index(" Then")
    assert html_of(render, text, [(start, end, "not in the profile")]) == (
        "<p>Fine start. <strong><del>I led 40 engineers.</del></strong><i>not in the profile</i> Then more.</p>"
    )
    # A span starting at a list item's marker is struck inside the item, not before the list.
    listed = "Steps:\n- Run the tests.\n- Ship it."
    s = listed.index("- Run")
    assert html_of(render, listed, [(s, s + len("- Run the tests."), "why")]) == (
        "<p>Steps:</p><ul><li><del>Run the tests.</del><i>why</i></li><li>Ship it.</li></ul>"
    )
    # Out-of-range and overlapping spans are dropped rather than breaking the text.
    assert html_of(render, "Short.", [(0, 99, "x"), (2, 1, "y")]) == "<p>Short.</p>"
    # Text a model wrote that looks like a span mark is neither a mark nor lost from the offsets.
    assert html_of(render, "a\ue000b c.", [(4, 6, "n")]) == "<p>a\ufffdb <del>c.</del><i>n</i></p>"


def test_pathological_input_renders_quickly(render) -> None:  # type: ignore[no-untyped-def]
    cases = [{"text": "[" * 3000}, {"text": "*a " * 2000}, {"text": "> " * 500 + "deep"}, {"text": "- " * 400 + "x"},
             {"text": "`" * 3000}, {"text": "_" * 3000}]
    out = render(cases)
    for result in out["results"]:
        assert set(result["elements"]) <= ALLOWED_ELEMENTS
