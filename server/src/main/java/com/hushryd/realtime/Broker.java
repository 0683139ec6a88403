package com.hushryd.realtime;

import com.hushryd.realtime.engineio.Frame;
import java.util.List;

/**
 * Carries room broadcasts and room-membership commands between the nodes of a cluster.
 *
 * <p>A broadcast published by a node is delivered to every <em>other</em> node that is subscribed to its room at that
 * moment, at most once (never back to its publisher: each message carries the publisher's node id). Broadcasts of one
 * publisher to one room arrive in publish order; there is no order across rooms or publishers. While the backing
 * engine is unreachable, the publisher holds its broadcasts and commands (bounded: beyond the bound the oldest are
 * dropped and counted) and publishes them, in order, once the engine is back and the other nodes had time to
 * subscribe again; a message whose publish may have reached the engine is never published again. Subscriptions are
 * restored by the broker when the engine comes back. Thread-safe; no method blocks.
 *
 * <p>Numbered broadcasts ({@link #publishNumbered}, for connection state recovery) go further. They reach every node
 * subscribed to their room, the publisher included, in offset order (one sequence on one Redis; on a Redis Cluster one
 * per room, from the clock, put back in order by each node: decision 0072). A node whose
 * connection to the engine drops and comes back while the engine keeps running loses none of them: it reads those of
 * its rooms published meanwhile from the rooms' history and delivers them, with what arrived live during that read,
 * once each and in offset order. If the engine itself restarts empty, nothing can be numbered while it is down (the
 * callers deliver locally and publish plainly, held as above), and the sequence starts again above every earlier
 * offset when it returns.
 */
public interface Broker extends AutoCloseable {
    /** Receives what other nodes publish; called on broker threads, so it must not block. */
    interface Receiver {
        void onBroadcast(String room, List<Frame> frames, String exceptSocketId);

        void onControl(Control control);

        /**
         * A broadcast numbered for connection state recovery ({@link #publishNumbered}); its frames do not carry the
         * offset yet. Numbered broadcasts reach every subscribed node, the publisher included, in offset order.
         */
        default void onNumbered(String room, List<Frame> frames, String exceptSocketId, long offset) {
        }
    }

    /**
     * A membership command run on every node: {@code JOIN} makes the local members of {@code room} join
     * {@code target}, {@code LEAVE} makes them leave it, {@code DISCONNECT} disconnects them.
     */
    record Control(Op op, String room, String target) {
        public enum Op {
            JOIN, LEAVE, DISCONNECT
        }
    }

    String name();

    void start(Receiver receiver);

    /** Starts receiving the room's broadcasts (called when the room gets its first member on this node). */
    void subscribe(String room);

    void unsubscribe(String room);

    void publish(String room, List<Frame> frames, String exceptSocketId);

    /**
     * Publishes a broadcast that clients may recover after a reconnection: the engine gives it the next offset of
     * one cluster-wide sequence, keeps it in the room's bounded history and delivers it to every node subscribed to
     * the room, this one included, through {@link Receiver#onNumbered}, so that each node writes numbered broadcasts
     * to its sockets in offset order. Returns false, having done nothing, when it cannot (no recovery configured, or
     * the engine unreachable now): the caller then delivers locally and {@link #publish}es it, unnumbered.
     */
    default boolean publishNumbered(String room, List<Frame> frames, String exceptSocketId) {
        return false;
    }

    /**
     * Completes once this node receives what is published to these rooms (subscriptions confirmed by the engine);
     * rooms this node has no member in are ignored.
     */
    default java.util.concurrent.CompletionStage<Void> subscribed(java.util.Collection<String> rooms) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** Sends a membership command to every other node. */
    void publishControl(Control control);

    /**
     * A broadcast in this broker's wire form, for a component that sends it to the other nodes itself, atomically with
     * a write of its own (the location store publishes a trip's update in the script that stores it); null when this
     * broker has no such form. Report each one sent with {@link #publishedElsewhere()}.
     */
    default RemoteMessage remoteMessage(String room, List<Frame> frames, String exceptSocketId) {
        return null;
    }

    /** Counts a {@link #remoteMessage} that another component published. */
    default void publishedElsewhere() {
    }

    /**
     * A Redis pub/sub message: the channel and the bytes to publish on it, with {@code SPUBLISH} when
     * {@code sharded} (Redis 7+), else {@code PUBLISH}.
     */
    record RemoteMessage(byte[] channel, byte[] message, boolean sharded) {
    }

    /** Whether the backing engine is reachable now. */
    boolean connected();

    Stats stats();

    /**
     * Counters since start: {@code dropped} never reached the other nodes (held beyond the bound, or a publish whose
     * outcome is unknown); {@code held} are waiting now for the engine to return.
     */
    record Stats(long published, long received, long dropped, int held, int subscriptions) {
    }

    @Override
    void close();
}
