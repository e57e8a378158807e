// The live engine panel: the KV cache drawn as its blocks, each Free, Active (held by a
// sequence being computed) or Cached (kept for a session or a shared prefix that may come
// back), with running and waiting requests and the engine's token rate. Fed by polling
// GET /v1/engine/state.

import { fetchEngineState } from './api.js';

const STATES = { F: 'free', A: 'active', C: 'cached' };
/** How often to poll while the page is visible, and while it is hidden. */
const POLL_MS = 350;
const HIDDEN_POLL_MS = 3000;
/** The token rate is measured over about this window. */
const RATE_WINDOW_MS = 1500;

export class EnginePanel {
  /**
   * @param elements  {grid, running, waiting, rate, sessions, free, active, cached, summary}
   * @param listeners {onState(state), onError(error)}
   */
  constructor(elements, listeners) {
    this.el = elements;
    this.listeners = listeners;
    this.blocks = [];
    this.samples = []; // [time ms, generated tokens], for the token rate
  }

  start() {
    const poll = async () => {
      try {
        this.show(await fetchEngineState());
      } catch (e) {
        this.listeners.onError(e);
      }
      setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
    };
    poll();
  }

  show(state) {
    const engine = state.engine;
    this.drawBlocks(engine.block_states);
    this.el.running.textContent = engine.running;
    this.el.waiting.textContent = engine.waiting;
    this.el.sessions.textContent = engine.sessions;
    this.el.rate.textContent = this.tokenRate(engine.generated_tokens).toFixed(0);
    this.el.free.textContent = engine.free_blocks;
    this.el.active.textContent = engine.active_blocks;
    this.el.cached.textContent = engine.cached_blocks;
    this.el.summary.textContent = `${engine.total_blocks} blocks × ${engine.block_size} tokens`;
    this.listeners.onState(state);
  }

  /** One cell per block; cells are reused and only touched when their state changed. */
  drawBlocks(states) {
    const grid = this.el.grid;
    if (this.blocks.length !== states.length) {
      grid.replaceChildren();
      this.blocks = Array.from(states, () => {
        const cell = document.createElement('div');
        grid.append(cell);
        return cell;
      });
      // Smaller cells for bigger pools, so that the whole pool fits in the panel.
      const cell = Math.max(4, Math.min(16, Math.floor(Math.sqrt(60000 / Math.max(1, states.length))) - 2));
      grid.style.setProperty('--cell', `${cell}px`);
    }
    for (let i = 0; i < states.length; i++) {
      const name = STATES[states[i]] ?? 'free';
      const cell = this.blocks[i];
      if (cell.dataset.state !== name) {
        cell.dataset.state = name;
        cell.className = `kv-block ${name}`;
        cell.title = `block ${i}: ${name}`;
      }
    }
  }

  tokenRate(generated) {
    const now = performance.now();
    this.samples.push([now, generated]);
    while (this.samples.length > 2 && now - this.samples[1][0] >= RATE_WINDOW_MS) {
      this.samples.shift();
    }
    const [t0, g0] = this.samples[0];
    return now > t0 ? Math.max(0, (generated - g0) * 1000 / (now - t0)) : 0;
  }
}
