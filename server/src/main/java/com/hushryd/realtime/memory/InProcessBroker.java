package com.hushryd.realtime.memory;

import com.hushryd.realtime.Broker;
import com.hushryd.realtime.engineio.Frame;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The broker of a single node, or of several nodes in one JVM that share a {@link Hub} (how the broker contract test
 * runs two nodes without Redis). Delivery rules are those of {@link Broker}: other subscribed nodes only.
 */
public final class InProcessBroker implements Broker {
    /** The nodes that can hear each other. */
    public static final class Hub {
        private final CopyOnWriteArrayList<InProcessBroker> members = new CopyOnWriteArrayList<>();
        private volatile MemoryRecovery recovery;
        /** Rooms' latest states, shared by the hub's nodes as Redis shares them; written under the hub's lock. */
        private final ConcurrentHashMap<String, Stored> latest = new ConcurrentHashMap<>();
        private long stores;

        void recovery(MemoryRecovery r) {
            this.recovery = r;
        }
    }

    private record Stored(Latest latest, long expiresAt) {
    }

    /** Expired latest states of rooms nobody reads any more are removed every this many stores. */
    private static final int SWEEP_EVERY = 10_000;
    private final Hub hub;
    private final String nodeId;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private volatile Receiver receiver;

    public InProcessBroker(Hub hub, String nodeId) {
        this.hub = hub;
        this.nodeId = nodeId;
    }

    @Override
    public String name() {
        return "in-process";
    }

    @Override
    public void start(Receiver r) {
        this.receiver = r;
        hub.members.add(this);
    }

    @Override
    public void subscribe(String room) {
        rooms.add(room);
    }

    @Override
    public void unsubscribe(String room) {
        rooms.remove(room);
    }

    @Override
    public void publish(String room, List<Frame> frames, String exceptSocketId) {
        published.incrementAndGet();
        for (InProcessBroker other : hub.members) {
            if (other != this && other.rooms.contains(room) && other.receiver != null) {
                other.received.incrementAndGet();
                other.receiver.onBroadcast(room, frames, exceptSocketId);
            }
        }
    }

    @Override
    public boolean publishNumbered(String room, List<Frame> frames, String exceptSocketId) {
        MemoryRecovery recovery = hub.recovery;
        if (recovery == null) {
            return false;
        }
        // one lock for the hub: every node hears numbered broadcasts in offset order
        synchronized (hub) {
            long offset = recovery.append(room, frames, exceptSocketId);
            published.incrementAndGet();
            for (InProcessBroker node : hub.members) {
                if (node.rooms.contains(room) && node.receiver != null) {
                    if (node != this) {
                        node.received.incrementAndGet();
                    }
                    node.receiver.onNumbered(room, frames, exceptSocketId, offset);
                }
            }
        }
        return true;
    }

    @Override
    public CompletionStage<Boolean> publishLatest(String room, long version, String value, Duration ttl,
            List<Frame> frames) {
        // one lock for the hub, as one script on Redis: stored and published in one step, in version order
        synchronized (hub) {
            long now = System.currentTimeMillis();
            Stored cur = hub.latest.get(room);
            if (cur != null && cur.expiresAt() > now && cur.latest().version() >= version) {
                return CompletableFuture.completedFuture(false);
            }
            hub.latest.put(room, new Stored(new Latest(version, value), now + ttl.toMillis()));
            if (++hub.stores % SWEEP_EVERY == 0) {
                hub.latest.values().removeIf(s -> s.expiresAt() <= now);
            }
            if (frames != null) {
                publish(room, frames, null);
            }
        }
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletionStage<Optional<Latest>> latest(String room) {
        Stored s = hub.latest.get(room);
        return CompletableFuture.completedFuture(s == null || s.expiresAt() <= System.currentTimeMillis()
                ? Optional.empty() : Optional.of(s.latest()));
    }

    @Override
    public void publishControl(Control control) {
        for (InProcessBroker other : hub.members) {
            if (other != this && other.receiver != null) {
                other.receiver.onControl(control);
            }
        }
    }

    @Override
    public boolean connected() {
        return true;
    }

    @Override
    public Stats stats() {
        return new Stats(published.get(), received.get(), 0, 0, rooms.size());
    }

    @Override
    public void close() {
        hub.members.remove(this);
    }

    @Override
    public String toString() {
        return "in-process broker of " + nodeId;
    }
}
