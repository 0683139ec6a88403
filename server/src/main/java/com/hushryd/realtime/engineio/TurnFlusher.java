package com.hushryd.realtime.engineio;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Flushes, once the event loop has run the task that wrote them, the WebSocket channels written to without a flush
 * (decision 0079): a broadcast to 100 sockets of a loop costs 100 writes and 100 flushes, not 100 write-and-flushes
 * with their promise each, and frames written to one socket in the same turn leave in one system call. One per
 * event-loop thread, touched only by it.
 */
final class TurnFlusher implements Runnable {
    private static final FastThreadLocal<TurnFlusher> PER_LOOP = new FastThreadLocal<>() {
        @Override
        protected TurnFlusher initialValue() {
            return new TurnFlusher();
        }
    };

    private final List<EngineSession> pending = new ArrayList<>();

    private TurnFlusher() {
    }

    /** The calling event loop's flusher. */
    static TurnFlusher current() {
        return PER_LOOP.get();
    }

    /**
     * Flushes the session's channel after the current task; once per turn (the session keeps the flag).
     *
     * @param loop the calling thread's event loop (the channel's)
     */
    void add(EngineSession session, Executor loop) {
        if (pending.isEmpty()) {
            loop.execute(this);
        }
        pending.add(session);
    }

    @Override
    public void run() {
        // a flush may close a channel whose handlers write to other sessions: those join the list and are flushed too
        for (int i = 0; i < pending.size(); i++) {
            pending.get(i).flushDirect();
        }
        pending.clear();
    }
}
