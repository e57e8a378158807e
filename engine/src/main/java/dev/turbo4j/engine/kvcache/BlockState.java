package dev.turbo4j.engine.kvcache;

/** The life of a KV block, as LMDeploy's TurboMind names it. */
public enum BlockState {
    /** Holds nothing anyone can use; allocated first. */
    FREE,
    /** Used by at least one sequence that is running now; never evicted. */
    ACTIVE,
    /** Holds keys/values of an idle session or a cached prefix; evicted least recently used first. */
    CACHED
}
