// The api_server routes the page uses. Always the page's own origin: either the api_server
// itself (its /ui) or the webui server, which forwards these routes to an api_server.

const KEY_STORAGE = 'turbo4j.apiKey';

/** An error answer from the server, with OpenAI's message and the HTTP status. */
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** The API key sent as a bearer token (only needed when the api_server has --api-keys). */
export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

export function setApiKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key.trim());
}

function headers(json) {
  const h = json ? { 'Content-Type': 'application/json' } : {};
  if (apiKey()) {
    h.Authorization = `Bearer ${apiKey()}`;
  }
  return h;
}

async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (e) {
    if (e.name === 'AbortError') {
      throw e;
    }
    throw new ApiError('the server does not answer; is it running?', 0);
  }
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      message = (await response.json()).error?.message ?? message;
    } catch {
      // not OpenAI's error shape: keep the status
    }
    throw new ApiError(message, response.status);
  }
  return response;
}

/** The id of the served model. */
export async function fetchModelName() {
  const models = await (await call('/v1/models', { headers: headers(false) })).json();
  return models.data?.[0]?.id ?? 'unknown model';
}

/** GET /v1/engine/state: running and waiting requests, counters and the KV pool. */
export async function fetchEngineState() {
  return (await call('/v1/engine/state', { headers: headers(false) })).json();
}

/**
 * Streams a chat completion (Server-Sent Events) and hands each piece of text to onText.
 * Aborting `signal` closes the connection, which makes the server cancel the generation.
 * Resolves to {finishReason, usage}.
 */
export async function streamChat({ model, messages, params, signal, onText }) {
  const body = { model, messages, stream: true, stream_options: { include_usage: true }, ...params };
  const response = await call('/v1/chat/completions',
    { method: 'POST', headers: headers(true), body: JSON.stringify(body), signal });
  const reader = response.body.getReader();
  try {
    return await readEvents(reader, onText);
  } catch (e) {
    reader.cancel().catch(() => {}); // a broken or refused stream: close it, so the server stops generating
    throw e;
  }
}

async function readEvents(reader, onText) {
  const decoder = new TextDecoder();
  const result = { finishReason: null, usage: null };
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      if (!result.finishReason) { // the server (or a proxy before it) went away mid-answer
        throw new Error('the connection closed before the answer ended');
      }
      return result;
    }
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (data === '[DONE]') {
        return result;
      }
      if (data) {
        readChunk(JSON.parse(data), result, onText);
      }
    }
  }
}

function readChunk(chunk, result, onText) {
  if (chunk.error) {
    throw new ApiError(chunk.error.message ?? 'the server reported an error mid-answer', 0);
  }
  if (chunk.usage) {
    result.usage = chunk.usage;
  }
  const choice = chunk.choices?.[0];
  if (choice?.delta?.content) {
    onText(choice.delta.content);
  }
  if (choice?.finish_reason) {
    result.finishReason = choice.finish_reason;
  }
}
