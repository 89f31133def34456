// A small, safe Markdown renderer for what the advisors write.
//
// Why hand-written rather than a library: the pages have no build step (plain ES modules, served
// as they are), the Content-Security-Policy lets them load scripts from this server only (no CDN),
// and the output must be DOM nodes made with createElement / createTextNode — never an HTML string
// handed to innerHTML — so that nothing a model writes can run: `<img src=x onerror=…>` or
// `<script>` is shown as the text it is (there is no code path that turns text into markup), the
// only elements made are the ones named below, the only attributes are set here, and a link is
// made only for an http(s) URL (`javascript:`, `data:` and relative links stay text).
//
// It covers what answers use: paragraphs (a single newline is a line break), headings, lists
// (nested by indentation), block quotes, rules, fenced and inline code, bold, italic, links and
// bare http(s) URLs. It is made for streaming: an unclosed fence shows as code so far, an unclosed
// `**` as plain text until its end arrives, so re-rendering on every delta never flickers markup
// into view and out again.
//
// Spans (e.g. a sentence the critic retracted) are given as character offsets into the source
// text; they survive the rendering: the text inside is passed through `wrap`, and `after` adds
// nodes (a reason, a correction) where the span ends, even across bold, links or list items.

const START = "\uE000"; // private-use characters marking a span in the source while it is parsed
const END = "\uE001";
const MARKS = /[\uE000\uE001]/g;
const MAX_DEPTH = 12; // nesting of inline formatting and of lists/quotes: beyond it, plain text

/** The only elements the renderer ever creates. */
export const ELEMENTS = Object.freeze(["p", "br", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "hr", "pre", "code", "strong", "em", "a"]);

/** The href for an http(s) URL, or null: no other scheme, no relative URL, ever becomes a link. */
export function safeHref(url) {
  const candidate = String(url ?? "").trim();
  if (!/^https?:\/\//i.test(candidate)) return null;
  try {
    const parsed = new URL(candidate);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

const node = (tag, children = [], attrs = null) => ({ tag, attrs, children });

// ----- blocks ------------------------------------------------------------------------------------

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}>[ \t]?(.*)$/;
const ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const EMPTY_ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]*$/;

const indentOf = (text) => {
  let n = 0;
  for (const ch of text) {
    if (ch === " ") n += 1;
    else if (ch === "\t") n += 4 - (n % 4);
    else break;
  }
  return n;
};

/** Removes up to ``n`` columns of leading indentation. */
function dedent(line, n) {
  let cols = 0;
  let i = 0;
  while (i < line.length && cols < n && (line[i] === " " || line[i] === "\t")) {
    cols += line[i] === "\t" ? 4 - (cols % 4) : 1;
    i += 1;
  }
  return line.slice(i);
}

const isBlank = (line) => line.trim() === "";

function listItem(line) {
  const m = ITEM.exec(line) ?? EMPTY_ITEM.exec(line);
  if (!m) return null;
  return { indent: indentOf(m[1]), marker: m[2], ordered: /\d/.test(m[2]), text: m[3] ?? "" };
}

function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || listItem(line) !== null;
}

function parseBlocks(lines, depth) {
  const out = [];
  let para = [];
  const flush = () => {
    if (para.length) out.push(node("p", paragraphInline(para, depth)));
    para = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      flush();
      i += 1;
      continue;
    }
    if (depth >= MAX_DEPTH) {
      para.push(line);
      i += 1;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1];
      const code = [];
      i += 1;
      while (i < lines.length) {
        const close = lines[i].trim();
        if (close.length >= marker.length && close === close[0].repeat(close.length) && close[0] === marker[0]) break;
        code.push(lines[i]);
        i += 1;
      }
      i += 1; // the closing fence (or past the end: a fence still streaming)
      const attrs = fence[2] ? { "data-lang": fence[2] } : null;
      out.push(node("pre", [node("code", [code.join("\n")], attrs)]));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      // Headings inside an answer sit under the page's own: # is h3, ## h4, the rest h5/h6.
      const level = Math.min(6, heading[1].length + 2);
      out.push(node(`h${level}`, inline(heading[2], depth)));
      i += 1;
      continue;
    }
    if (RULE.test(line)) {
      flush();
      out.push(node("hr"));
      i += 1;
      continue;
    }
    if (QUOTE.test(line)) {
      flush();
      const quoted = [];
      while (i < lines.length && QUOTE.test(lines[i])) {
        quoted.push(QUOTE.exec(lines[i])[1]);
        i += 1;
      }
      out.push(node("blockquote", parseBlocks(quoted, depth + 1)));
      continue;
    }
    if (listItem(line)) {
      flush();
      i = parseList(lines, i, out, depth);
      continue;
    }
    para.push(line);
    i += 1;
  }
  flush();
  return out;
}

function parseList(lines, i, out, depth) {
  const first = listItem(lines[i]);
  const items = [];
  let current = null;
  let contentIndent = 0;
  while (i < lines.length) {
    const line = lines[i];
    const item = listItem(line);
    if (item && item.indent <= first.indent + 1 && item.indent >= first.indent - 1) {
      if (item.ordered !== first.ordered) break; // another kind of list starts
      current = [item.text];
      items.push(current);
      contentIndent = item.indent + item.marker.length + 1;
      i += 1;
      continue;
    }
    if (item && item.indent < first.indent) break;
    if (isBlank(line)) {
      // A blank line ends the list unless what follows is indented under the item, or another item.
      let j = i + 1;
      while (j < lines.length && isBlank(lines[j])) j += 1;
      if (j >= lines.length) break;
      const next = listItem(lines[j]);
      const nested = indentOf(lines[j]) >= Math.min(contentIndent, first.indent + 2);
      if (!(nested || (next && next.indent <= first.indent + 1 && next.ordered === first.ordered))) break;
      current.push("");
      i += 1;
      continue;
    }
    const indent = indentOf(line);
    if (indent > first.indent + 1) {
      current.push(dedent(line, Math.min(indent, contentIndent)));
      i += 1;
      continue;
    }
    // A lazy continuation of the item's text, unless the line starts another block.
    if (!startsBlock(line) && current.length && !isBlank(current.at(-1))) {
      current.push(line.trim());
      i += 1;
      continue;
    }
    break;
  }
  const children = items.map((content) => {
    const blocks = parseBlocks(content, depth + 1);
    // A tight item: its first paragraph is the item's own line, not a separate block.
    if (blocks[0]?.tag === "p") return node("li", [...blocks[0].children, ...blocks.slice(1)]);
    return node("li", blocks);
  });
  const start = first.ordered ? parseInt(first.marker, 10) : 1;
  out.push(node(first.ordered ? "ol" : "ul", children, first.ordered && start !== 1 ? { start: String(start) } : null));
  return i;
}

function paragraphInline(lines, depth) {
  const children = [];
  lines.forEach((line, n) => {
    if (n > 0) children.push(node("br"));
    children.push(...inline(line.trim(), depth));
  });
  return children;
}

// ----- inline ------------------------------------------------------------------------------------

const PUNCT = /[!-/:-@[-`{-~]/;
const SPACE = /\s/;
const WORD = /[\p{L}\p{N}]/u;
const URL_RUN = /https?:\/\/[^\s<>"'`]+/iy; // sticky: matched where the scan stands

/** Where the code span opened by ``n`` backticks at ``i`` closes, or -1. */
function closeCode(src, from, n) {
  let j = from;
  while (j < src.length) {
    j = src.indexOf("`", j);
    if (j < 0) return -1;
    let run = 0;
    while (src[j + run] === "`") run += 1;
    if (run === n) return j;
    j += run;
  }
  return -1;
}

/** The index of the bracket closing the one at ``i`` (``open``/``close``), or -1. */
function matching(src, i, open, close) {
  let depth = 0;
  for (let j = i; j < src.length; j += 1) {
    const ch = src[j];
    if (ch === "\\") j += 1;
    else if (ch === open) depth += 1;
    else if (ch === close) {
      depth -= 1;
      if (depth === 0) return j;
    }
  }
  return -1;
}

/** The closing delimiter (``delim``, e.g. "**") of emphasis opened before ``from``, or -1. */
function closeEmphasis(src, from, delim) {
  const ch = delim[0];
  for (let j = from; j <= src.length - delim.length; j += 1) {
    if (src[j] === "\\") {
      j += 1;
      continue;
    }
    if (src[j] === "`") {
      // A code span inside: its contents are not delimiters.
      let n = 0;
      while (src[j + n] === "`") n += 1;
      const end = closeCode(src, j + n, n);
      if (end >= 0) j = end + n - 1;
      continue;
    }
    if (!src.startsWith(delim, j)) continue;
    // The same character right before or after makes it a different delimiter run.
    if (src[j + delim.length] === ch && delim.length < 3) {
      if (delim.length === 1) {
        let n = 0;
        while (src[j + n] === ch) n += 1;
        j += n - 1;
      }
      continue;
    }
    if (j === from || SPACE.test(src[j - 1])) continue; // closing must follow a non-space
    if (ch === "_" && j + delim.length < src.length && WORD.test(src[j + delim.length])) continue; // snake_case
    return j;
  }
  return -1;
}

function inline(src, depth, inLink = false) {
  const out = [];
  let buf = "";
  const text = (t) => {
    buf += t;
  };
  const push = (n) => {
    if (buf) out.push(buf);
    buf = "";
    out.push(n);
  };
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === "\\" && i + 1 < src.length && PUNCT.test(src[i + 1])) {
      text(src[i + 1]);
      i += 2;
      continue;
    }
    if (ch === "`") {
      let n = 0;
      while (src[i + n] === "`") n += 1;
      const end = closeCode(src, i + n, n);
      if (end < 0) {
        text(src.slice(i, i + n));
        i += n;
        continue;
      }
      let code = src.slice(i + n, end).replace(/\n/g, " ");
      if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim()) code = code.slice(1, -1);
      push(node("code", [code]));
      i = end + n;
      continue;
    }
    if (depth < MAX_DEPTH && !inLink && ch === "[") {
      const close = matching(src, i, "[", "]");
      if (close > 0 && src[close + 1] === "(") {
        const end = matching(src, close + 1, "(", ")");
        if (end > 0) {
          const label = src.slice(i + 1, close);
          const target = src.slice(close + 2, end).trim();
          // [label](url "title"): the URL is the first word (or <…>); the marks inside it stay.
          const url = target.startsWith("<") && target.includes(">") ? target.slice(1, target.indexOf(">")) : target.split(/\s+/)[0];
          const marks = url.replace(/[^\uE000\uE001]/g, "");
          const href = safeHref(url.replace(MARKS, ""));
          if (href) {
            push(node("a", inline(label, depth + 1, true), { href, rel: "noopener noreferrer", target: "_blank" }));
            if (marks) text(marks);
          } else {
            text(src.slice(i, end + 1)); // not a link we make: shown as written
          }
          i = end + 1;
          continue;
        }
      }
    }
    if (depth < MAX_DEPTH && (ch === "*" || ch === "_")) {
      let n = 0;
      while (src[i + n] === ch) n += 1;
      const next = src[i + n];
      const opens = next !== undefined && !SPACE.test(next) && !(ch === "_" && i > 0 && WORD.test(src[i - 1]));
      if (opens) {
        const tries = n >= 3 ? [3, 2, 1] : n === 2 ? [2, 1] : [1];
        let done = false;
        for (const size of tries) {
          const delim = ch.repeat(size);
          const from = i + size;
          const end = closeEmphasis(src, from, delim);
          if (end < 0) continue;
          const inner = inline(src.slice(from, end), depth + 1, inLink);
          const made = size === 3 ? node("em", [node("strong", inner)]) : node(size === 2 ? "strong" : "em", inner);
          if (size < n) text(ch.repeat(n - size)); // unmatched extra delimiters stay text
          push(made);
          i = end + size;
          done = true;
          break;
        }
        if (done) continue;
      }
      text(src.slice(i, i + n));
      i += n;
      continue;
    }
    if (!inLink && (ch === "h" || ch === "H") && (i === 0 || !WORD.test(src[i - 1]))) {
      URL_RUN.lastIndex = i;
      const m = URL_RUN.exec(src);
      if (m) {
        let url = m[0];
        // Trailing punctuation ends the sentence, not the URL (a ")" only when unbalanced).
        while (/[.,;:!?\]}'"\uE000\uE001]$/.test(url) || (url.endsWith(")") && (url.match(/\(/g) ?? []).length < (url.match(/\)/g) ?? []).length)) {
          url = url.slice(0, -1);
        }
        const href = safeHref(url.replace(MARKS, ""));
        if (href) {
          push(node("a", [url], { href, rel: "noopener noreferrer", target: "_blank" }));
          i += url.length;
          continue;
        }
      }
    }
    text(ch);
    i += 1;
  }
  if (buf) out.push(buf);
  return out;
}

// ----- spans -------------------------------------------------------------------------------------

/** The source with span marks inserted; text the model wrote that looks like a mark is replaced
 * by a character of the same length, so every offset still holds. */
function marked(text, spans) {
  let src = text.replace(MARKS, "\uFFFD");
  for (const span of [...spans].reverse()) {
    src = src.slice(0, span.end) + END + src.slice(span.end);
    src = src.slice(0, span.start) + START + src.slice(span.start);
  }
  return src;
}

const MARKUP_ONLY = (line) => isBlank(line) || FENCE.test(line) || RULE.test(line);
const LEADING_MARKS = /^([ \t]*)([\uE000\uE001]+)([ \t]*(?:(?:#{1,6}|>|[-*+]|\d{1,9}[.)])[ \t]+)*)/;

/** Marks on a line that renders no text (a fence, a rule, a blank line) move to the next line
 * that does; marks before a line's markup (`- `, `## `) move after it. */
function placeMarks(lines) {
  let carry = "";
  const out = lines.map((line) => {
    const bare = line.replace(MARKS, "");
    if (MARKUP_ONLY(bare) && bare !== line) {
      carry += line.replace(/[^\uE000\uE001]/g, "");
      return bare;
    }
    if (MARKUP_ONLY(bare)) return line;
    const withCarry = carry + line;
    carry = "";
    return withCarry.replace(LEADING_MARKS, (_, indent, marks, markup) => indent + markup + marks);
  });
  if (carry) {
    // Marks after the last text (a closing fence): onto the last line that renders text.
    let last = out.length - 1;
    while (last >= 0 && MARKUP_ONLY(out[last].replace(MARKS, ""))) last -= 1;
    if (last >= 0) out[last] += carry;
    else out.push(carry);
  }
  return out;
}

// ----- DOM ---------------------------------------------------------------------------------------

/** The parsed document: element nodes ``{tag, attrs, children}`` and strings (text). */
export function parseMarkdown(text) {
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  return parseBlocks(lines, 0);
}

function build(item, parent, doc, ctx) {
  if (typeof item === "string") {
    emitText(item, parent, doc, ctx);
    return;
  }
  if (!ELEMENTS.includes(item.tag)) throw new Error(`markdown: no element ${item.tag}`);
  const element = doc.createElement(item.tag);
  for (const [name, value] of Object.entries(item.attrs ?? {})) element.setAttribute(name, value);
  for (const child of item.children) build(child, element, doc, ctx);
  parent.appendChild(element);
}

function emitText(text, parent, doc, ctx) {
  let piece = "";
  const flush = () => {
    if (!piece) return;
    const textNode = doc.createTextNode(piece);
    const span = ctx.spans[ctx.index];
    parent.appendChild(ctx.open && span?.wrap ? span.wrap(textNode) : textNode);
    piece = "";
  };
  for (const ch of text) {
    if (ch === START) {
      flush();
      ctx.open = true;
    } else if (ch === END) {
      flush();
      const after = ctx.spans[ctx.index]?.after?.();
      if (after) parent.appendChild(after);
      ctx.open = false;
      ctx.index += 1;
    } else {
      piece += ch;
    }
  }
  flush();
}

/**
 * ``text`` as a DocumentFragment. ``spans``: ``[{start, end, wrap(textNode) → Node, after() →
 * Node|null}]`` over the source's characters (overlapping or out-of-range ones are dropped).
 */
export function renderMarkdown(text, { doc = globalThis.document, spans = [] } = {}) {
  const source = String(text ?? "");
  const kept = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const last = kept.at(-1);
    if (!(span.start >= 0 && span.end > span.start && span.end <= source.length)) continue;
    if (last && span.start < last.end) continue;
    kept.push(span);
  }
  const fragment = doc.createDocumentFragment();
  const ctx = { spans: kept, index: 0, open: false };
  const src = kept.length ? marked(source, kept) : source.replace(MARKS, "\uFFFD");
  const lines = src.replace(/\r\n?/g, "\n").split("\n");
  for (const block of parseBlocks(kept.length ? placeMarks(lines) : lines, 0)) build(block, fragment, doc, ctx);
  // A span whose end never rendered (cut by the stream) still gets its note, at the end.
  while (ctx.index < kept.length && ctx.open) {
    const after = kept[ctx.index].after?.();
    if (after) fragment.appendChild(after);
    ctx.open = false;
    ctx.index += 1;
  }
  return fragment;
}
