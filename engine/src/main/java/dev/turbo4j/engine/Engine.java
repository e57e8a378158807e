package dev.turbo4j.engine;

import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.model.TensorParallel;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.core.sampling.TokenLogprobs;
import dev.turbo4j.core.tokenizer.Tokenizer;
import dev.turbo4j.core.transformer.Transformer;
import dev.turbo4j.engine.kvcache.BlockManager;
import dev.turbo4j.engine.kvcache.BlockState;
import dev.turbo4j.engine.scheduler.Request;
import dev.turbo4j.engine.scheduler.Scheduler;
import dev.turbo4j.engine.scheduler.StepStats;

import java.util.HashSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The inference engine: one thread owns every piece of mutable state (sessions, block
 * tables, the queue's consumer side) and runs continuous-batching steps; callers on any
 * thread talk to it through a command queue and read their {@link GenerationStream}s.
 *
 * <pre>{@code
 * try (Engine engine = Engine.start(model, EngineConfig.defaults())) {
 *     GenerationStream s = engine.submit(1, ids, GenerationConfig.greedy(), SubmitFlags.STATELESS);
 *     for (EngineOutput out : s) System.out.print(out.text());
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Engine.class.getName());

    private final LocalModel model;
    private final Tokenizer tokenizer;
    private final KvCache cache;
    private final Scheduler scheduler;
    private final Set<Integer> eosIds;
    private final int sessionLen;
    private final ConcurrentLinkedQueue<Consumer<Scheduler>> commands = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final AtomicLong anonymousSessions = new AtomicLong(Long.MIN_VALUE);
    private volatile boolean closed;
    /** Guards {@link #accepting} against the engine thread's last drain of {@link #commands}. */
    private final Object queueLock = new Object();
    /** Whether commands are still taken; false once the engine thread has begun its last drain. */
    private boolean accepting = true;
    private final Object closeLock = new Object();
    private boolean cacheClosed;
    private volatile EngineStats snapshot;

    private Engine(LocalModel model, EngineConfig config) {
        this.model = model;
        this.tokenizer = model.tokenizer();
        ModelConfig c = model.model().config();
        TensorParallel.checkRequested(config.tp(), c, model.dir());
        int requestedLen = config.sessionLen() > 0 ? config.sessionLen()
                : Math.min(c.maxPositionEmbeddings(), EngineConfig.DEFAULT_SESSION_LEN_CAP);
        KvCacheSpec shape = new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), config.cacheBlockSeqLen(), 1,
                config.effectiveKvFormat());
        int blocks = KvPoolSizing.blocks(config, shape, requestedLen, model.model().mappedBytes());
        long asked = KvPoolSizing.explicitBlocks(config, shape);
        if (asked >= 0 && blocks > asked) {
            LOG.warning(String.format("KV cache: the %d blocks asked for (cache_max_entry_count or cache_max_gb) cannot"
                    + " hold one session of %d tokens; the pool has %d blocks instead. Lower session_len for a smaller"
                    + " pool", asked, requestedLen, blocks));
        }
        this.cache = PagedKvCache.create(shape.withNumBlocks(blocks));
        Transformer transformer = model.transformer();
        this.scheduler = new Scheduler(transformer, cache, config.maxBatchSize(), config.maxPrefillTokenNum(), requestedLen,
                config.enablePrefixCaching());
        this.sessionLen = scheduler.sessionLen();
        this.eosIds = new HashSet<>(model.eosIds());
        LOG.info(String.format("KV cache: %d blocks of %d tokens = %d tokens, %.1f MiB (%s), session_len %d",
                blocks, config.cacheBlockSeqLen(), (long) blocks * config.cacheBlockSeqLen(),
                cache.byteSize() / (double) (1 << 20), config.effectiveKvFormat(), sessionLen));
        this.snapshot = takeSnapshot();
        this.thread = Thread.ofPlatform().name("turbo4j-engine").daemon().unstarted(this::loop);
    }

    /** Starts an engine over an opened model. Closing the engine does not close the model. */
    public static Engine start(LocalModel model, EngineConfig config) {
        Engine e = new Engine(model, config);
        e.thread.start();
        return e;
    }

    public LocalModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The longest context of a session (session_len, or less when the KV pool is smaller). */
    public int sessionLen() {
        return sessionLen;
    }

    /**
     * Submits token ids for a session. With {@link SubmitFlags#CONTINUE} the ids are appended
     * to the session's history and only they are prefilled. The stream ends with a finish
     * reason, or throws {@link RequestRejectedException} if the request cannot run.
     */
    public GenerationStream submit(long sessionId, int[] inputIds, GenerationConfig config, SubmitFlags flags) {
        GenerationStream stream = new GenerationStream();
        Request request = prepare(sessionId, inputIds, config, flags, stream);
        if (request != null && !send(s -> s.submit(request))) {
            stream.fail(shutDown());
        }
        return stream;
    }

    /**
     * One-off requests (each on a fresh anonymous session) that reach the scheduler together,
     * so they start in the same step: the n choices of one API call run in the same batches
     * whatever the timing, and a seeded call reproduces its results.
     */
    public List<GenerationStream> generateAll(List<int[]> inputs, List<GenerationConfig> configs) {
        if (inputs.size() != configs.size()) {
            throw new IllegalArgumentException(inputs.size() + " inputs but " + configs.size() + " configs");
        }
        List<GenerationStream> streams = new ArrayList<>(inputs.size());
        List<Request> requests = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            GenerationStream stream = new GenerationStream();
            Request request = prepare(anonymousSessions.getAndIncrement(), inputs.get(i), configs.get(i),
                    SubmitFlags.STATELESS, stream);
            streams.add(stream);
            if (request != null) {
                requests.add(request);
            }
        }
        if (!requests.isEmpty() && !send(s -> requests.forEach(s::submit))) {
            streams.forEach(stream -> stream.fail(shutDown()));
        }
        return streams;
    }

    /** The request behind stream, or null when it is refused at once (the stream then fails). */
    private Request prepare(long sessionId, int[] inputIds, GenerationConfig config, SubmitFlags flags,
                            GenerationStream stream) {
        // Checked here, on the caller's thread: on the engine thread a null would fail a step.
        Objects.requireNonNull(inputIds, "inputIds must not be null");
        Objects.requireNonNull(config, "config must not be null; use GenerationConfig.greedy() or the model's defaults");
        Objects.requireNonNull(flags, "flags must not be null; use SubmitFlags.STATELESS for a one-off request");
        Request request = new Request(sessionId, inputIds, config, flags, tokenizer, eosIds, outputOf(stream));
        stream.onCancel(() -> {
            request.cancel();
            wake();
        });
        if (closed) {
            stream.fail(shutDown());
            return null;
        }
        for (int id : inputIds) {
            if (id < 0 || id >= model.model().config().vocabSize()) {
                stream.fail(new RequestRejectedException("token id " + id + " is outside the vocabulary [0, "
                        + model.model().config().vocabSize() + ")"));
                return null;
            }
        }
        return request;
    }

    /** A one-off request on a fresh anonymous session. */
    public GenerationStream generate(int[] inputIds, GenerationConfig config) {
        return submit(anonymousSessions.getAndIncrement(), inputIds, config, SubmitFlags.STATELESS);
    }

    /** Stops the session's running request (finish reason ABORT); its history is kept. A no-op once closed. */
    public void cancel(long sessionId) {
        send(s -> s.cancel(sessionId));
    }

    /** Ends a session: aborts its request, frees its KV blocks and forgets its history. A no-op once closed. */
    public void endSession(long sessionId) {
        send(s -> s.endSession(sessionId));
    }

    private static RequestRejectedException shutDown() {
        return new RequestRejectedException("the engine is shut down");
    }

    /**
     * Perplexity of a token sequence scored as one window (position i predicts id i + 1), run
     * on the engine thread between steps so the forward pass is never used concurrently.
     */
    public double perplexity(int[] ids) throws InterruptedException {
        if (ids.length < 2) {
            throw new IllegalArgumentException("perplexity needs at least 2 tokens, got " + ids.length);
        }
        if (ids.length > sessionLen) {
            throw new IllegalArgumentException(ids.length + " tokens exceed the session length " + sessionLen);
        }
        return onEngineThread(s -> dev.turbo4j.core.transformer.Perplexity.compute(model.transformer(), ids, ids.length,
                -1, cache.spec().format()).ppl());
    }

    /**
     * The log-probability of each token of {@code ids} after the first given those before it,
     * with {@code top} alternatives (see {@link dev.turbo4j.core.transformer.PromptLogprobs}); entry
     * i is for {@code ids[i + 1]}. Runs on the engine thread between steps.
     */
    public List<TokenLogprobs> promptLogprobs(int[] ids, int top) throws InterruptedException {
        if (ids.length < 2) {
            return List.of(); // nothing before the first token predicts it
        }
        if (ids.length > sessionLen) {
            throw new IllegalArgumentException(ids.length + " tokens exceed the session length " + sessionLen);
        }
        return onEngineThread(s -> dev.turbo4j.core.transformer.PromptLogprobs.compute(model.transformer(), ids, top,
                cache.spec().format()));
    }

    /** The latest snapshot (refreshed after every step). */
    public EngineStats stats() {
        return snapshot;
    }

    /**
     * Checks the block accounting on the engine thread (after every command sent before) and
     * refreshes {@link #stats()}; throws IllegalStateException on an inconsistency. For tests.
     */
    public void checkInvariants() throws InterruptedException {
        onEngineThread(s -> {
            s.checkInvariants();
            snapshot = takeSnapshot();
            s.deliverFinished();
            return null;
        });
    }

    /**
     * Runs work on the engine thread between steps and returns its result; throws
     * IllegalStateException once the engine is shut down, and whatever work throws.
     */
    private <T> T onEngineThread(Function<Scheduler, T> work) throws InterruptedException {
        CompletableFuture<T> done = new CompletableFuture<>();
        boolean sent = send(s -> {
            try {
                done.complete(work.apply(s));
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        });
        if (!sent) {
            throw new IllegalStateException("the engine is shut down");
        }
        try {
            return done.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) e.getCause();
        }
    }

    /** Queues a command for the engine thread; false once the engine no longer takes commands. */
    private boolean send(Consumer<Scheduler> command) {
        synchronized (queueLock) {
            if (!accepting) {
                return false;
            }
            commands.add(command);
        }
        wake();
        return true;
    }

    private void wake() {
        LockSupport.unpark(thread);
    }

    private void loop() {
        while (!closed) {
            Consumer<Scheduler> command;
            boolean didSomething = false;
            while ((command = commands.poll()) != null) {
                runSafely(command);
                didSomething = true;
            }
            if (scheduler.hasWork()) {
                runSafely(Scheduler::step);
                didSomething = true;
            }
            if (didSomething) {
                snapshot = takeSnapshot();
                runSafely(Scheduler::deliverFinished);
            } else {
                model.transformer().pool().rest(); // idle: let the compute workers give their cores back
                LockSupport.park(this);
            }
        }
        synchronized (queueLock) {
            accepting = false; // every command sent from now on is refused at send; the rest run here
        }
        Consumer<Scheduler> command;
        while ((command = commands.poll()) != null) {
            runSafely(command);
        }
        runSafely(Scheduler::abortAll);
        snapshot = takeSnapshot();
        runSafely(Scheduler::deliverFinished);
    }

    /**
     * A bug in one step must not kill the engine: the requests in flight end with ABORT, idle
     * sessions keep their history, and the engine goes on.
     */
    private void runSafely(Consumer<Scheduler> work) {
        try {
            work.accept(scheduler);
        } catch (RuntimeException | Error e) {
            LOG.log(java.util.logging.Level.SEVERE, "engine step failed; aborting the running requests", e);
            try {
                scheduler.abortRequests();
            } catch (RuntimeException ignored) {
                // state may be inconsistent; keep serving new requests
            }
        }
    }

    private EngineStats takeSnapshot() {
        BlockManager b = scheduler.blocks();
        StringBuilder states = new StringBuilder(b.numBlocks());
        for (BlockState st : b.states()) {
            states.append(switch (st) {
                case FREE -> 'F';
                case ACTIVE -> 'A';
                case CACHED -> 'C';
            });
        }
        StepStats st = scheduler.stats();
        return new EngineStats(scheduler.runningCount(), scheduler.waitingCount(), scheduler.sessionCount(), b.numBlocks(),
                b.freeCount(), b.activeCount(), b.cachedCount(), cache.spec().blockSize(), st.steps(), st.generatedTokens(),
                st.tokensComputed(), st.preemptions(), st.prefixHitTokens(), st.forwardNanos(), st.stepNanos(),
                st.overheadFraction(), states.toString());
    }

    private static Request.Output outputOf(GenerationStream stream) {
        return new Request.Output() {
            @Override
            public void started(int promptTokens, int historyTokens) {
                stream.started(promptTokens, historyTokens);
            }


            @Override
            public void token(int id, String text, dev.turbo4j.core.sampling.TokenLogprobs logprobs) {
                stream.append(id, text, logprobs);
            }

            @Override
            public void text(String text) {
                stream.appendText(text);
            }

            @Override
            public void finished(FinishReason reason) {
                stream.finish(reason);
            }

            @Override
            public void failed(RuntimeException e) {
                stream.fail(e);
            }
        };
    }

    /**
     * Stops the engine: running requests end with ABORT, the KV pool is freed. Every caller
     * returns only once the engine thread has finished its last step, however long that step
     * takes, so the model may be closed after it.
     */
    @Override
    public void close() {
        closed = true;
        wake();
        if (Thread.currentThread() == thread) {
            return; // from a stream callback on the engine thread: the loop ends after this command
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // the step under way still uses the pool: wait for it all the same
            }
        }
        synchronized (closeLock) {
            if (!cacheClosed) {
                cacheClosed = true;
                cache.close();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

}
