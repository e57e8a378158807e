/** The runtime: sessions, generation loop and (later) the continuous-batching scheduler. */
package dev.turbo4j.engine;
