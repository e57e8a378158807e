// The conversation as the page shows it: one bubble per message. User text is shown as typed
// (textContent); assistant text goes through the escaping Markdown renderer.

import { renderMarkdown } from './markdown.js';

/** One message bubble; its text can be replaced while an answer streams in. */
class MessageView {
  constructor(role, onRender) {
    this.role = role;
    this.onRender = onRender;
    this.element = document.createElement('article');
    this.element.className = `message ${role}`;
    const label = document.createElement('div');
    label.className = 'message-role';
    label.textContent = role === 'user' ? 'You' : 'Assistant';
    this.body = document.createElement('div');
    this.body.className = 'message-body';
    this.note = document.createElement('div');
    this.note.className = 'message-note';
    this.element.append(label, this.body, this.note);
    this.pending = null;
  }

  /** Shows `text`; assistant text is re-rendered at most once per animation frame. */
  setText(text) {
    if (this.role === 'user') {
      this.body.textContent = text;
      return;
    }
    this.pending = text;
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => this.flush());
    }
  }

  flush() {
    this.frame = null;
    if (this.pending !== null) {
      const html = renderMarkdown(this.pending); // safe: the renderer escapes before it marks up
      this.pending = null;
      this.onRender(() => { this.body.innerHTML = html; });
    }
  }

  setStreaming(streaming) {
    this.flush();
    this.element.classList.toggle('streaming', streaming);
  }

  setNote(text) {
    this.note.textContent = text;
  }
}

export class ChatView {
  constructor(container, emptyHint) {
    this.container = container;
    this.emptyHint = emptyHint;
    this.views = [];
  }

  /** Appends a bubble for `role` with `text` and returns it. */
  add(role, text) {
    const view = new MessageView(role, (render) => this.keepingEndInSight(render));
    view.setText(text);
    this.views.push(view);
    this.emptyHint.hidden = true;
    this.container.append(view.element);
    this.scrollToEnd();
    return view;
  }

  /** Removes the last bubble (for Regenerate, or a turn the server refused). */
  removeLast() {
    this.views.pop()?.element.remove();
    this.emptyHint.hidden = this.views.length > 0;
  }

  clear() {
    this.views.forEach((v) => v.element.remove());
    this.views = [];
    this.emptyHint.hidden = false;
  }

  /** Runs `render`; if the reader was at the end before, the end stays in sight (scrolled-up readers are left alone). */
  keepingEndInSight(render) {
    const c = this.container;
    const atEnd = c.scrollHeight - c.scrollTop - c.clientHeight < 40;
    render();
    if (atEnd) {
      c.scrollTop = c.scrollHeight;
    }
  }

  scrollToEnd() {
    this.container.scrollTop = this.container.scrollHeight;
  }
}
