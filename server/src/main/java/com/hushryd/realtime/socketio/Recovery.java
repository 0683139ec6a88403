package com.hushryd.realtime.socketio;

import com.hushryd.realtime.engineio.Frame;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Connection state recovery (Socket.IO 4.6): what a namespace needs to give a reconnecting client its socket id, its
 * rooms and the packets it missed. The server numbers every recoverable broadcast with an offset (appended as the
 * event's last argument, as the reference server does); the client sends its private session id ({@code pid}) and the
 * last offset it received in its next CONNECT. Implementations keep sessions and numbered broadcasts where every node
 * can read them, so that a client may recover on another node than the one it lost. Methods may be called on any
 * thread and must not block.
 */
public interface Recovery {
    /**
     * A session taken over by a reconnecting client.
     *
     * @param socketId  the socket id the client had
     * @param rooms     room keys ({@link Rooms#key}) the socket was in
     * @param minOffset the offset the session started at: an older offset is forged, never recovered
     */
    record Claimed(String socketId, List<String> rooms, long minOffset) {
    }

    /** One broadcast a client missed: its offset, its frames (offset included) and the socket it was not for. */
    record Missed(long offset, List<Frame> frames, String exceptSocketId) {
    }

    /** Refused recovery: the missed packets cannot all be given (history trimmed or unreachable). */
    final class Unrecoverable extends RuntimeException {
        public Unrecoverable(String why) {
            super(why, null, false, false);
        }
    }

    /**
     * Takes over the session {@code pid} of this user for a new incarnation; completes with null, changing nothing,
     * when there is none (expired, never existed, another user's) or the offset is older than the session (forged).
     * The previous incarnation's later updates are ignored from then on.
     *
     * @param offset the client's last offset, or -1 when it received none yet (everything since the session began)
     */
    CompletionStage<Claimed> claim(String pid, Object user, String incarnation, long offset);

    /** Completes once broadcasts to these rooms reach this node (its subscriptions are in place). */
    CompletionStage<Void> ready(Collection<String> rooms);

    /**
     * The broadcasts to these rooms numbered after {@code offset}, in offset order; fails with {@link Unrecoverable}
     * when some may be gone.
     */
    CompletionStage<List<Missed>> missed(Collection<String> rooms, long offset);

    /** The socket is connected (new or recovered): keep its session, with its rooms, while it stays connected. */
    void opened(SioSocket socket);

    /** The socket's rooms changed. */
    void roomsChanged(SioSocket socket);

    /**
     * The socket is gone. A {@code recoverable} loss (transport closed, ping timeout, server shutting down) keeps the
     * session for the recovery window; a deliberate disconnection ends it.
     */
    void closed(SioSocket socket, boolean recoverable);
}
