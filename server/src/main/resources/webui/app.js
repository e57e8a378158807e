// The chat page: wires the composer, the buttons and the settings to the conversation.
//
// Multi-turn: the page keeps the conversation and sends it whole to /v1/chat/completions on
// every turn. That is what lets it offer a system prompt that can change between turns and
// Regenerate (drop the last answer, ask again), which /v1/chat/interactive cannot do: its
// history lives in the engine, with no system prompt and no way to take a turn back. With
// --enable-prefix-caching the engine still reuses the earlier turns' KV blocks (Cached in the
// panel), so each turn mostly prefills its new tokens only.

import { ApiError, apiKey, fetchModelName, setApiKey, streamChat } from './api.js';
import { ChatView } from './chat-view.js';
import { EnginePanel } from './kv-panel.js';

const $ = (id) => document.getElementById(id);

const view = new ChatView($('messages'), $('empty-hint'));
/** The conversation so far: {role: 'user' | 'assistant', content}. */
let history = [];
/** Counts conversations, so that an answer stopped by New chat does not land in the next one. */
let conversation = 0;
let modelName = null;
/** The running answer's AbortController, or null when idle. */
let running = null;

// ---- settings ---------------------------------------------------------------------------

const sliders = ['temperature', 'top_p', 'top_k', 'max_tokens'];

function showSliderValue(id) {
  const input = $(id);
  const value = Number(input.value);
  input.labels[0].querySelector('output').textContent = id === 'top_k' && value === 0 ? 'off' : input.value;
}

function samplingParams() {
  return {
    temperature: Number($('temperature').value),
    top_p: Number($('top_p').value),
    top_k: Number($('top_k').value),
    max_tokens: Number($('max_tokens').value),
  };
}

function requestMessages() {
  const system = $('system').value.trim();
  return system ? [{ role: 'system', content: system }, ...history] : [...history];
}

// ---- one answer -------------------------------------------------------------------------

/** Streams the answer to the conversation as it stands. */
async function answer() {
  const turnOf = conversation;
  const controller = new AbortController();
  running = controller;
  setBusy(true);
  showError(null);
  const bubble = view.add('assistant', '');
  bubble.setStreaming(true);
  const started = performance.now();
  let firstAt = null;
  let pieces = 0;
  let text = '';
  let outcome;
  try {
    outcome = await streamChat({
      model: modelName,
      messages: requestMessages(),
      params: samplingParams(),
      signal: controller.signal,
      onText: (piece) => {
        firstAt ??= performance.now();
        pieces++;
        text += piece;
        bubble.setText(text);
      },
    });
  } catch (e) {
    if (e.name !== 'AbortError') {
      showError(e instanceof ApiError ? explain(e.message) : `the answer broke off: ${e.message}`);
    }
    // 'abort': the user stopped it; 'error': it broke off
    outcome = { finishReason: controller.signal.aborted ? 'abort' : 'error', usage: null };
  }
  bubble.setStreaming(false);
  running = null;
  setBusy(false);
  if (turnOf !== conversation) {
    return;
  }
  if (!text && outcome.finishReason === 'error') {
    // Refused or failed before any text: take the turn back so that it can be edited and sent again.
    view.removeLast();
    view.removeLast();
    const refused = history.pop()?.content ?? '';
    const typed = $('prompt').value.trim(); // what was typed meanwhile stays, after it
    $('prompt').value = typed ? `${refused}\n\n${typed}` : refused;
    fitPrompt();
    setBusy(false); // Regenerate follows what is left
    return;
  }
  history.push({ role: 'assistant', content: text });
  const tokens = outcome.usage?.completion_tokens ?? pieces;
  const stats = answerStats(tokens, started, firstAt, performance.now());
  const ending = { abort: 'stopped · ', error: 'broken off · ', length: 'cut off at the length limit · ' }[outcome.finishReason] ?? '';
  bubble.setNote(ending + stats);
  $('last-stats').textContent = `Last answer: ${stats}`;
}

/**
 * The server's refusal in the user's words where it names something the page can do better:
 * a conversation grown past the context needs a new chat, not a shorter message.
 */
function explain(message) {
  if (/context \(session_len\)/.test(message) && history.length > 1) {
    return `${message} — this conversation has grown past the model's context: start a New chat`;
  }
  if (/missing API key/i.test(message)) {
    return 'this server needs an API key: enter it under API key';
  }
  return message;
}

/** "N tokens · R tokens/s · first token T ms": the rate counts the tokens after the first over the time after it. */
function answerStats(tokens, started, firstAt, ended) {
  const parts = [tokens === 1 ? '1 token' : `${tokens} tokens`];
  const decodeSeconds = firstAt === null ? 0 : (ended - firstAt) / 1000;
  if (tokens > 1 && decodeSeconds > 0) {
    parts.push(`${((tokens - 1) / decodeSeconds).toFixed(1)} tokens/s`);
  }
  if (firstAt !== null) {
    parts.push(`first token ${Math.round(firstAt - started)} ms`);
  }
  return parts.join(' · ');
}

// ---- actions ----------------------------------------------------------------------------

function send() {
  const text = $('prompt').value.trim();
  if (!text || running) {
    return;
  }
  $('prompt').value = '';
  fitPrompt();
  history.push({ role: 'user', content: text });
  view.add('user', text);
  answer();
}

function stop() {
  running?.abort(); // closing the stream makes the server cancel the generation at its next step
}

function regenerate() {
  if (running || history.length === 0) {
    return;
  }
  if (history.at(-1).role === 'assistant') {
    history.pop();
    view.removeLast();
  }
  answer();
}

function newChat() {
  stop();
  conversation++;
  history = [];
  view.clear();
  setBusy(false);
  showError(null);
  $('last-stats').textContent = '';
  $('prompt').focus();
}

function setBusy(busy) {
  const hadFocus = document.activeElement === $('send') || document.activeElement === $('stop');
  document.body.dataset.busy = String(busy);
  $('send').hidden = busy;
  $('stop').hidden = !busy;
  $('regenerate').disabled = busy || history.length === 0;
  if (hadFocus) {
    $('prompt').focus(); // the focused button just hid: back to the message box
  }
}

function showError(message, kind = 'answer') {
  $('error').hidden = !message;
  $('error').textContent = message ?? '';
  $('error').dataset.kind = kind;
  if (message && /API key/i.test(message)) {
    $('key-details').open = true;
  }
}

/** The message box grows with its text, up to a limit set in CSS. */
function fitPrompt() {
  const prompt = $('prompt');
  prompt.style.height = 'auto';
  prompt.style.height = `${prompt.scrollHeight + prompt.offsetHeight - prompt.clientHeight}px`; // + borders
  prompt.style.overflowY = prompt.scrollHeight > prompt.clientHeight ? 'auto' : 'hidden'; // a scroll bar only past the CSS limit
}

async function connect() {
  try {
    modelName = await fetchModelName();
    $('model-name').textContent = modelName;
    document.title = `${modelName} · Turbo4j chat`;
    clearConnectionError();
  } catch (e) {
    $('model-name').textContent = 'not connected';
    showError(explain(e.message), 'connection');
  }
}

/** A connection or key problem shown earlier is over once the server answers. */
function clearConnectionError() {
  if ($('error').dataset.kind === 'connection' || /does not answer|cannot reach|API key/i.test($('error').textContent)) {
    showError(null);
  }
}

// ---- wiring -----------------------------------------------------------------------------

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
$('prompt').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
$('prompt').addEventListener('input', fitPrompt);
window.addEventListener('resize', fitPrompt);
$('stop').addEventListener('click', stop);
$('regenerate').addEventListener('click', regenerate);
$('new-chat').addEventListener('click', newChat);
for (const id of sliders) {
  $(id).addEventListener('input', () => showSliderValue(id));
  showSliderValue(id);
}
$('api-key').value = apiKey();
$('api-key').addEventListener('change', () => {
  setApiKey($('api-key').value);
  connect();
});

new EnginePanel({
  grid: $('kv-grid'), running: $('eng-running'), waiting: $('eng-waiting'), rate: $('eng-rate'),
  sessions: $('eng-sessions'), free: $('kv-free'), active: $('kv-active'), cached: $('kv-cached'),
  summary: $('kv-summary'),
}, {
  onState: (state) => {
    $('connection').dataset.state = 'up';
    $('live').dataset.state = 'up';
    $('live').textContent = 'live';
    clearConnectionError();
    // Max new tokens cannot usefully exceed the session length.
    if (state.session_len && Number($('max_tokens').max) !== state.session_len) {
      $('max_tokens').max = state.session_len;
      showSliderValue('max_tokens');
    }
    if (!modelName) {
      connect();
    }
  },
  onError: () => {
    $('connection').dataset.state = 'down';
    $('live').dataset.state = 'down';
    $('live').textContent = 'offline';
  },
}).start();

setBusy(false);
fitPrompt();
connect();
$('prompt').focus();
