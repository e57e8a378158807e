// A small, safe Markdown renderer for model output.
//
// Safety comes from the order of work: the whole text is HTML-escaped FIRST, and only then
// are a few Markdown constructs turned into a fixed set of tags (p, br, h1-h6, strong, em,
// del, code, pre, ul, ol, li, blockquote, hr, a). No tag or attribute from the input can
// survive escaping, the only attribute values we write are a sanitized code language and
// http(s) link targets, and the page's Content-Security-Policy forbids inline scripts anyway.
//
// Subset: fenced code blocks (``` with an optional language, also while still open during
// streaming), `inline code`, **bold**, *italic* / _italic_, ~~strike~~, # headings, - / * / +
// and 1. lists (flat), > quotes, --- rules, [text](https://links), paragraphs and line breaks.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Renders Markdown source to an HTML string that is safe to assign to innerHTML. */
export function renderMarkdown(source) {
  // NUL is our placeholder delimiter below; it has no business in model output.
  const lines = escapeHtml(String(source).replace(/\r\n?/g, '\n').replace(/\u0000/g, '')).split('\n');
  const html = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = line.match(/^\s*```\s*([\w+#.-]*)/);
    if (fence) {
      const code = [];
      for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) {
        code.push(lines[i]);
      }
      i++; // the closing fence (or the end of a block still being streamed)
      const lang = fence[1] ? ` class="language-${fence[1]}"` : '';
      html.push(`<pre><code${lang}>${code.join('\n')}</code></pre>`);
      continue;
    }
    if (/^\s*$/.test(line)) {
      i++;
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      const level = heading[1].length;
      html.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      i++;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      html.push('<hr>');
      i++;
      continue;
    }
    if (/^&gt;/.test(line)) {
      const quoted = [];
      for (; i < lines.length && /^&gt;/.test(lines[i]); i++) {
        quoted.push(lines[i].replace(/^&gt;\s?/, ''));
      }
      html.push(`<blockquote>${quoted.map(inline).join('<br>')}</blockquote>`);
      continue;
    }
    const list = listItem(line);
    if (list) {
      const items = [];
      for (let item; i < lines.length && (item = listItem(lines[i])) && item.ordered === list.ordered; i++) {
        items.push(`<li>${inline(item.text)}</li>`);
      }
      const start = list.ordered && list.number !== 1 ? ` start="${list.number}"` : '';
      html.push(list.ordered ? `<ol${start}>${items.join('')}</ol>` : `<ul>${items.join('')}</ul>`);
      continue;
    }
    const paragraph = [];
    for (; i < lines.length && isParagraphLine(lines[i]); i++) {
      paragraph.push(inline(lines[i]));
    }
    html.push(`<p>${paragraph.join('<br>')}</p>`);
  }
  return html.join('');
}

function listItem(line) {
  const bullet = line.match(/^\s{0,3}[-*+]\s+(.*)$/);
  if (bullet) {
    return { ordered: false, text: bullet[1] };
  }
  const numbered = line.match(/^\s{0,3}(\d{1,9})[.)]\s+(.*)$/);
  return numbered ? { ordered: true, number: Number(numbered[1]), text: numbered[2] } : null;
}

function isParagraphLine(line) {
  return !/^\s*$/.test(line) && !/^\s*```/.test(line) && !/^#{1,6}\s/.test(line) && !/^&gt;/.test(line)
    && !listItem(line);
}

/** Inline constructs on one already-escaped line; code spans are set aside first so nothing inside them changes. */
function inline(text) {
  const spans = [];
  const keep = (html) => `\u0000${spans.push(html) - 1}\u0000`;
  let out = text.replace(/`([^`]+)`/g, (_, code) => keep(`<code>${code}</code>`));
  // Link targets are http(s) only (no javascript: and the like) and never contain a kept span.
  // An image (![alt](url)) becomes a link to it named by its alt text: the page loads no images.
  out = out.replace(/(!?)\[([^\]]*)\]\((https?:\/\/[^\s()\u0000]+)\)/gi,
    (_, image, label, url) => keep(`<a href="${url}" target="_blank" rel="noopener noreferrer nofollow">${
      image ? `image: ${label || url}` : label || url}</a>`));
  out = out
    .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, '<strong>$1</strong>')
    .replace(/__(?=\S)(.+?)(?<=\S)__/g, '<strong>$1</strong>')
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '<del>$1</del>')
    .replace(/(^|[^\w*])\*(?=[^\s*])([^*]*?[^\s*])\*(?![\w*])/g, '$1<em>$2</em>')
    .replace(/(^|[^\w])_(?=[^\s_])([^_]*?[^\s_])_(?!\w)/g, '$1<em>$2</em>');
  return out.replace(/\u0000(\d+)\u0000/g, (_, n) => spans[Number(n)]);
}
