package com.hushryd.realtime;

import com.hushryd.realtime.engineio.Frame;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

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
 *
 * <p>A room may also have a latest state with a version ({@link #publishLatest}: a trip's latest location), stored
 * and published in one step so that a broadcast goes out if and only if its state is newer.
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
     * Stores {@code value} as the room's latest state if {@code version} is greater than the stored one's and then, and
     * only then, publishes {@code frames} to the room as {@link #publish} does (to the other subscribed nodes; the
     * caller delivers to its own sockets), in one step on the engine: no node can see the new state without the
     * broadcast having been published, and broadcasts of one room's latest state go out in version order. The state
     * expires {@code ttl} after it was last stored. {@code frames} null stores without publishing (a state restored
     * rather than new). Centrifuge's {@code Publish(ch, data, PublishOptions{Version})} is the model.
     *
     * <p>Completes with true when stored (and published), false when an equal or newer version was there (nothing
     * published). Unlike {@link #publish}, nothing is held while the engine is unreachable: the stage fails, and fails
     * too when the outcome is unknown (a timeout), so the caller decides what to keep.
     */
    CompletionStage<Boolean> publishLatest(String room, long version, String value, Duration ttl, List<Frame> frames);

    /** The room's latest state as {@link #publishLatest} stored it, if any and not expired. */
    CompletionStage<Optional<Latest>> latest(String room);

    /** A room's latest state and its version. */
    record Latest(long version, String value) {
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
