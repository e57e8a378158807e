package dev.turbo4j.engine.scheduler;

import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.transformer.Logits;
import dev.turbo4j.core.transformer.LogitsMode;
import dev.turbo4j.core.transformer.SequenceChunk;
import dev.turbo4j.core.transformer.Transformer;
import dev.turbo4j.engine.FinishReason;
import dev.turbo4j.engine.RequestRejectedException;
import dev.turbo4j.engine.SubmitFlags;
import dev.turbo4j.engine.UnknownSessionException;
import dev.turbo4j.engine.kvcache.BlockManager;
import dev.turbo4j.engine.kvcache.PrefixCache;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Continuous batching. Each {@link #step()} admits waiting requests while batch slots, the
 * prefill budget and KV blocks allow, runs ONE forward over every running sequence (decode
 * tokens and prefill chunks together), samples, streams, and retires finished sequences so
 * that waiting ones take their slots at the next step.
 *
 * <p>When blocks run out, cached blocks are evicted (least recently used, tails first); when
 * that is not enough, the most recently admitted running request is preempted: its blocks
 * become cached and it goes back to the head of the queue, to resume from whatever of its
 * KV survived, the rest recomputed from its tokens. Owned by the engine thread.
 */
public final class Scheduler {
    private final Transformer model;
    private final KvCache cache;
    private final BlockManager blocks;
    private final PrefixCache prefix;
    private final int blockSize;
    private final int maxBatchSize;
    private final int maxPrefillTokens;
    private final int sessionLen;
    private final Map<Long, Session> sessions = new HashMap<>();
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private final List<Request> running = new ArrayList<>();
    private final StepStats stats = new StepStats();
    private final List<Runnable> finished = new ArrayList<>();
    private long admissions;

    public Scheduler(Transformer model, KvCache cache, int maxBatchSize, int maxPrefillTokens, int sessionLen,
                     boolean prefixCaching) {
        this.model = model;
        this.cache = cache;
        this.blockSize = cache.spec().blockSize();
        this.blocks = new BlockManager(cache.spec().numBlocks());
        this.prefix = prefixCaching ? new PrefixCache(blocks, blockSize) : null;
        this.maxBatchSize = maxBatchSize;
        this.maxPrefillTokens = maxPrefillTokens;
        this.sessionLen = Math.min(sessionLen, cache.spec().numBlocks() * blockSize);
    }

    public BlockManager blocks() {
        return blocks;
    }

    public StepStats stats() {
        return stats;
    }

    public int runningCount() {
        return running.size();
    }

    public int waitingCount() {
        return waiting.size();
    }

    public int sessionCount() {
        return sessions.size();
    }

    public boolean hasWork() {
        return !running.isEmpty() || !waiting.isEmpty();
    }

    /** The longest context a session can have (session_len, or less if the pool is smaller). */
    public int sessionLen() {
        return sessionLen;
    }

    /** Accepts a request into the queue, or fails its output with a clear reason. */
    public void submit(Request r) {
        Session s = sessions.get(r.sessionId);
        if (s != null && s.request != null) {
            r.output.failed(new RequestRejectedException("session " + r.sessionId
                    + " already has a request running; wait for it to finish or cancel it"));
            return;
        }
        if (s != null && r.flags.sequenceStart() && r.flags.sequenceEnd() && s.length() > 0) {
            r.output.failed(new RequestRejectedException("session " + r.sessionId + " holds a conversation of "
                    + s.length() + " tokens, which this one-shot request would erase; use another session id, or end "
                    + "that session first"));
            return;
        }
        if (s == null && !r.flags.sequenceStart()) {
            r.output.failed(new UnknownSessionException(r.sessionId));
            return;
        }
        boolean created = s == null;
        if (created) {
            s = new Session(r.sessionId);
        } else if (r.flags.sequenceStart()) {
            blocks.release(s.blocks, s.blockIds, s.blockCount);
            s.clearHistory();
        }
        int step = r.flags.step();
        if (step > s.length()) {
            if (r.flags.sequenceEnd()) {
                endNow(s);
            }
            r.output.failed(new RequestRejectedException("step " + step + " is past the end of session " + r.sessionId
                    + ", which holds " + s.length() + " tokens"));
            return;
        }
        int kept = step == SubmitFlags.ALL_HISTORY ? s.length() : step;
        int needed = kept + r.input.length + (r.config.maxNewTokens() > 0 ? 1 : 0);
        String problem = null;
        if (needed > sessionLen) {
            problem = "the request needs " + needed + " tokens of context (" + (kept > 0 ? kept
                    + " already in the session, " : "") + r.input.length + " new" + (needed > kept + r.input.length
                    ? ", 1 to answer" : "") + ") but the session length is " + sessionLen + "; shorten the prompt"
                    + (kept > 0 ? " or start over with a new session" : "");
        } else if (r.input.length == 0 && (kept == s.length() ? s.cachedLength
                : Math.min(s.cachedLength, Math.min(kept, blocksKeptByRewind(s, kept) * blockSize))) == kept) {
            problem = "the prompt is empty: give at least one token";
        }
        if (problem != null) {
            if (created) {
                // nothing to keep
            } else if (r.flags.sequenceEnd()) {
                endNow(s);
            }
            r.output.failed(new RequestRejectedException(problem));
            return;
        }
        rewind(s, kept);
        sessions.put(s.id, s);
        r.historyTokens = s.length();
        s.append(r.input);
        s.request = r;
        r.output.started(r.input.length, r.historyTokens);
        waiting.add(r);
    }

    /**
     * Blocks an idle session rewound to {@code kept} tokens keeps: the whole ones, and the one
     * holding the kept tail where only this session holds it (never offered to the prefix
     * cache: a listed block may be shared, so it is never written into).
     */
    private int blocksKeptByRewind(Session s, int kept) {
        int whole = Math.min(kept / blockSize, s.blockCount);
        if (whole < s.blockCount && kept % blockSize != 0 && whole >= s.registeredBlocks
                && blocks.isValid(s.blocks[whole], s.blockIds[whole]) && !blocks.isListed(s.blocks[whole])) {
            return whole + 1;
        }
        return whole;
    }

    /**
     * Drops an idle session's history after its first {@code kept} tokens: the blocks past those
     * {@link #blocksKeptByRewind} keeps are released, and kept tokens they held are computed again.
     */
    private void rewind(Session s, int kept) {
        if (kept == s.length()) {
            return;
        }
        int keep = blocksKeptByRewind(s, kept);
        if (keep < s.blockCount) {
            blocks.release(Arrays.copyOfRange(s.blocks, keep, s.blockCount),
                    Arrays.copyOfRange(s.blockIds, keep, s.blockCount), s.blockCount - keep);
            s.truncateBlocks(keep, blockSize);
        }
        s.truncate(kept);
    }

    /** Cancels the session's request, if any, at the next step. */
    public void cancel(long sessionId) {
        Session s = sessions.get(sessionId);
        if (s != null && s.request != null) {
            s.request.cancel();
        }
    }

    /** Ends a session: its request is aborted and its blocks are released. */
    public void endSession(long sessionId) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            return;
        }
        if (s.request != null) {
            Request r = s.request;
            waiting.remove(r);
            if (running.remove(r)) {
                blocks.deactivate(s.blocks, s.blockCount);
            }
            s.request = null;
            finishOutput(r, FinishReason.ABORT);
        }
        endNow(s);
    }

    /** Aborts everything (shutdown). */
    public void abortAll() {
        for (Long id : List.copyOf(sessions.keySet())) {
            endSession(id);
        }
    }

    /**
     * After a failed step: ends the sessions that have a request (running or waiting), whose
     * state the failure may have left half-updated; idle sessions keep their history.
     */
    public void abortRequests() {
        for (Session s : List.copyOf(sessions.values())) {
            if (s.request != null) {
                endSession(s.id);
            }
        }
    }

    /** One engine step. Returns false if there was nothing to compute. */
    public boolean step() {
        long start = System.nanoTime();
        dropCancelled();
        List<Request> batch = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        int budget = maxPrefillTokens;
        // Running requests first, oldest first: a decode token each, prefill chunks from the budget.
        for (int i = 0; i < running.size(); i++) {
            Request r = running.get(i);
            Session s = sessions.get(r.sessionId);
            int uncached = s.length() - s.cachedLength;
            int n = uncached == 1 ? 1 : Math.min(uncached, budget);
            if (n == 0) {
                continue;
            }
            n = reserve(s, n, r);
            if (n < 0) {
                i = running.indexOf(r); // preemption may have shifted the list
                if (i < 0) {
                    i = -1; // r itself went back to waiting; restart the scan
                    batch.clear();
                    lengths.clear();
                    budget = maxPrefillTokens;
                }
                continue;
            }
            if (uncached > 1) {
                budget -= n;
            }
            batch.add(r);
            lengths.add(n);
        }
        admit(batch, lengths, budget);
        if (batch.isEmpty()) {
            return false;
        }
        List<SequenceChunk> chunks = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Session s = sessions.get(batch.get(i).sessionId);
            int n = lengths.get(i);
            boolean last = s.cachedLength + n == s.length();
            chunks.add(new SequenceChunk(Arrays.copyOfRange(s.tokens(), s.cachedLength, s.cachedLength + n),
                    s.cachedLength, s.blockTable(), last ? LogitsMode.LAST : LogitsMode.NONE));
        }
        long forwardStart = System.nanoTime();
        Logits logits = model.forward(chunks, cache);
        long forwardEnd = System.nanoTime();
        int tokens = 0;
        for (int i = 0; i < batch.size(); i++) {
            Request r = batch.get(i);
            Session s = sessions.get(r.sessionId);
            s.cachedLength += lengths.get(i);
            tokens += lengths.get(i);
            registerPrefix(s);
            if (chunks.get(i).logits() == LogitsMode.LAST) {
                afterLastToken(r, s, logits, i, chunks.get(i));
            }
        }
        stats.record(batch.size(), tokens, forwardEnd - forwardStart, System.nanoTime() - start);
        return true;
    }

    /**
     * Makes sure the session's blocks cover n more tokens, evicting cached blocks or preempting
     * newer requests if needed. Returns the number of tokens that fit (≥ 1), or -1 if r itself
     * was preempted or retired.
     */
    private int reserve(Session s, int n, Request r) {
        while (true) {
            int need = blocksFor(s.cachedLength + n) - s.blockCount;
            if (need <= 0) {
                return n;
            }
            int[] got = blocks.allocate(need);
            if (got != null) {
                for (int b : got) {
                    s.addBlock(b, blocks.uniqueId(b));
                }
                return n;
            }
            // A shorter prefill chunk may fit in what is available.
            int fit = (s.blockCount + blocks.availableCount()) * blockSize - s.cachedLength;
            if (fit >= 1 && fit < n) {
                n = fit;
                continue;
            }
            Request victim = newestRunningOtherThan(r);
            if (victim == null) {
                if (running.size() == 1 && running.getFirst() == r) {
                    retire(r, FinishReason.LENGTH); // the whole pool is this sequence's
                } else {
                    preempt(r);
                }
                return -1;
            }
            preempt(victim);
        }
    }

    private Request newestRunningOtherThan(Request r) {
        Request newest = null;
        for (Request x : running) {
            if (x != r && (newest == null || x.admittedAt > newest.admittedAt)) {
                newest = x;
            }
        }
        return newest != null && newest.admittedAt > r.admittedAt ? newest : null;
    }

    private void preempt(Request victim) {
        Session s = sessions.get(victim.sessionId);
        running.remove(victim);
        blocks.deactivate(s.blocks, s.blockCount);
        waiting.addFirst(victim);
        stats.preemptions++;
    }

    private void admit(List<Request> batch, List<Integer> lengths, int budget) {
        while (!waiting.isEmpty() && running.size() < maxBatchSize && budget > 0) {
            Request r = waiting.peek();
            Session s = sessions.get(r.sessionId);
            resume(s);
            int n = Math.min(s.length() - s.cachedLength, budget);
            int need = blocksFor(s.cachedLength + n) - s.blockCount;
            if (need > blocks.availableCount()) {
                n = (s.blockCount + blocks.availableCount()) * blockSize - s.cachedLength;
                need = blocksFor(s.cachedLength + n) - s.blockCount;
            }
            // A useful chunk fills a block, or the whole budget where that is smaller.
            if (n < 1 || (n < s.length() - s.cachedLength && n < Math.min(blockSize, maxPrefillTokens)
                    && !running.isEmpty())) {
                // Not even a useful chunk fits now; wait for running requests to free blocks.
                blocks.deactivate(s.blocks, s.blockCount);
                return;
            }
            int[] got = need > 0 ? blocks.allocate(need) : new int[0];
            for (int b : got) {
                s.addBlock(b, blocks.uniqueId(b));
            }
            waiting.poll();
            r.admittedAt = admissions++;
            running.add(r);
            batch.add(r);
            lengths.add(n);
            budget -= n;
        }
    }

    /** Re-activates the session's surviving blocks, then extends them from the prefix cache. */
    private void resume(Session s) {
        int valid = 0;
        while (valid < s.blockCount && blocks.isValid(s.blocks[valid], s.blockIds[valid])) {
            valid++;
        }
        if (valid < s.blockCount) {
            blocks.release(Arrays.copyOfRange(s.blocks, valid, s.blockCount),
                    Arrays.copyOfRange(s.blockIds, valid, s.blockCount), s.blockCount - valid);
            s.truncateBlocks(valid, blockSize);
        }
        for (int i = 0; i < s.blockCount; i++) {
            blocks.activate(s.blocks[i], false);
        }
        if (prefix != null && s.cachedLength == s.blockCount * blockSize) {
            // Leave at least the last token to compute: it yields the next-token logits.
            int full = (s.length() - 1) / blockSize;
            List<Integer> hits = prefix.match(s.tokens(), s.blockCount, full, keyBefore(s, s.blockCount));
            for (int b : hits) {
                blocks.activate(b, true);
                s.addBlock(b, blocks.uniqueId(b));
                s.cachedLength += blockSize;
                stats.prefixHitTokens += blockSize;
            }
        }
    }

    private long keyBefore(Session s, int blockIndex) {
        if (s.registeredBlocks == blockIndex) {
            return s.registeredKey;
        }
        long key = 0;
        for (int b = 0; b < blockIndex; b++) {
            key = prefix.key(key, s.tokens(), b);
        }
        return key;
    }

    private void registerPrefix(Session s) {
        if (prefix == null) {
            return;
        }
        int full = s.cachedLength / blockSize;
        if (s.registeredBlocks > full) {
            return;
        }
        if (s.registeredBlocks == 0) {
            s.registeredKey = 0;
        }
        for (int b = s.registeredBlocks; b < full; b++) {
            s.registeredKey = prefix.key(s.registeredKey, s.tokens(), b);
            prefix.register(s.registeredKey, s.blocks[b], s.tokens(), b);
        }
        s.registeredBlocks = full;
    }

    private void afterLastToken(Request r, Session s, Logits logits, int chunkIndex, SequenceChunk chunk) {
        if (r.config.maxNewTokens() == 0) {
            retire(r, FinishReason.LENGTH);
            return;
        }
        float[] row = logits.lastOf(chunkIndex, chunk);
        int next = r.sampler.sample(row, s.tokens(), s.length(), r.generated);
        r.generated++;
        s.append(next);
        stats.generatedTokens++;
        boolean isStop = r.stopIds.contains(next);
        String text = isStop ? "" : r.stops.append(r.decoder.next(next));
        r.output.token(next, text, r.sampler.lastLogprobs());
        if (isStop || r.stops.stopped()) {
            retire(r, FinishReason.STOP);
        } else if (r.generated >= r.config.maxNewTokens() || s.length() >= sessionLen) {
            retire(r, FinishReason.LENGTH);
        }
    }

    private void dropCancelled() {
        for (Iterator<Request> it = waiting.iterator(); it.hasNext(); ) {
            Request r = it.next();
            if (r.cancelled) {
                it.remove();
                Session s = sessions.get(r.sessionId);
                s.request = null;
                finishOutput(r, FinishReason.ABORT);
                if (r.flags.sequenceEnd()) {
                    endNow(s);
                }
            }
        }
        for (Request r : List.copyOf(running)) {
            if (r.cancelled) {
                retire(r, FinishReason.ABORT);
            }
        }
    }

    /** Ends a running request: its blocks stay with the session (cached) or are released with it. */
    private void retire(Request r, FinishReason reason) {
        Session s = sessions.get(r.sessionId);
        if (running.remove(r)) {
            blocks.deactivate(s.blocks, s.blockCount);
        }
        s.request = null;
        finishOutput(r, reason);
        if (r.flags.sequenceEnd()) {
            endNow(s);
        }
    }

    private void finishOutput(Request r, FinishReason reason) {
        if (!r.stops.stopped()) {
            r.output.text(r.stops.append(r.decoder.flush()) + r.stops.finish());
        }
        finished.add(() -> r.output.finished(reason));
    }

    /**
     * Delivers the finish signals of the requests that ended since the last call. The engine
     * calls this after publishing its stats, so a client that sees its request end also sees
     * the pool as that end left it.
     */
    public void deliverFinished() {
        for (Runnable r : finished) {
            r.run();
        }
        finished.clear();
    }

    private void endNow(Session s) {
        blocks.release(s.blocks, s.blockIds, s.blockCount);
        s.clearHistory();
        sessions.remove(s.id);
    }

    private int blocksFor(int tokens) {
        return (tokens + blockSize - 1) / blockSize;
    }

    /** Throws if the block accounting is inconsistent (tests). */
    public void checkInvariants() {
        blocks.checkInvariants();
        for (Request r : running) {
            Session s = sessions.get(r.sessionId);
            for (int i = 0; i < s.blockCount; i++) {
                if (blocks.state(s.blocks[i]) != dev.turbo4j.engine.kvcache.BlockState.ACTIVE) {
                    throw new IllegalStateException("running session " + s.id + " holds block " + s.blocks[i]
                            + " which is " + blocks.state(s.blocks[i]));
                }
            }
        }
    }
}
