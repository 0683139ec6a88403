package com.hushryd.realtime.socketio;

import com.hushryd.realtime.engineio.Frame;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * Room membership of this node, sharded by event loop: each event loop keeps the members it owns in plain
 * collections touched only by its own thread, so joins, leaves and deliveries take no lock. A shared map says which
 * shards hold a room, so a broadcast visits only those, and tells the {@link RoomListener} when a room appears on or
 * disappears from this node (the broker subscribes and unsubscribes then).
 */
public final class Rooms {
    /** Told when the first local member joins a room and when the last one leaves. */
    public interface RoomListener {
        RoomListener NONE = new RoomListener() {
            @Override
            public void firstJoined(String room) {
            }

            @Override
            public void lastLeft(String room) {
            }
        };

        void firstJoined(String room);

        void lastLeft(String room);
    }

    private static final class Shard {
        final Context context;
        final Thread thread;
        final long bit;
        final Map<String, List<SioSocket>> rooms = new HashMap<>();

        Shard(Context context, Thread thread, long bit) {
            this.context = context;
            this.thread = thread;
            this.bit = bit;
        }
    }

    private static final SioSocket[] NONE = new SioSocket[0];

    // keyed by event-loop thread: Vert.x hands each connection its own (duplicated) Context object
    private final ConcurrentHashMap<Thread, Shard> shards = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Shard> byIndex = new AtomicReferenceArray<>(64);
    private final AtomicInteger shardCount = new AtomicInteger();
    private final ConcurrentHashMap<String, Long> masks = new ConcurrentHashMap<>();
    private volatile RoomListener listener = RoomListener.NONE;

    /** The key of a room: its name in the main namespace, {@code namespace#name} in others. */
    public static String key(String namespace, String room) {
        return "/".equals(namespace) ? room : namespace + "#" + room;
    }

    public void listener(RoomListener l) {
        this.listener = l;
    }

    /** The shard of the calling event-loop thread (the socket's own). */
    private Shard shard(Context socketContext) {
        return shards.computeIfAbsent(Thread.currentThread(), t -> {
            int i = shardCount.getAndIncrement();
            if (i >= 64) {
                throw new IllegalStateException("more than 64 event-loop threads");
            }
            Shard s = new Shard(((ContextInternal) socketContext).unwrap(), t, 1L << i);
            byIndex.set(i, s);
            return s;
        });
    }

    /** On the socket's event loop. */
    void added(SioSocket socket, String room) {
        Shard shard = shard(socket.context());
        List<SioSocket> members = shard.rooms.computeIfAbsent(room, r -> new ArrayList<>(2));
        members.add(socket);
        if (members.size() == 1) {
            masks.compute(room, (r, mask) -> {
                if (mask == null) {
                    listener.firstJoined(r);
                    return shard.bit;
                }
                return mask | shard.bit;
            });
        }
    }

    /** On the socket's event loop. */
    void removed(SioSocket socket, String room) {
        Shard shard = shard(socket.context());
        List<SioSocket> members = shard.rooms.get(room);
        if (members == null || !members.remove(socket)) {
            return;
        }
        if (members.isEmpty()) {
            shard.rooms.remove(room);
            masks.computeIfPresent(room, (r, mask) -> {
                long left = mask & ~shard.bit;
                if (left == 0) {
                    listener.lastLeft(r);
                    return null;
                }
                return left;
            });
        }
    }

    /** Writes the frames to every member of the room on this node, except one socket id (or none). */
    public void deliver(String room, List<Frame> frames, String exceptSocketId) {
        deliver(room, frames, exceptSocketId, -1);
    }

    /**
     * Like {@link #deliver(String, List, String)} for a broadcast numbered {@code offset} for connection state
     * recovery (-1: not numbered); a member writes each number once, in order.
     */
    public void deliver(String room, List<Frame> frames, String exceptSocketId, long offset) {
        forEach(room, s -> {
            if (exceptSocketId == null || !exceptSocketId.equals(s.id())) {
                s.deliver(frames, offset);
            }
        });
    }

    /** Runs the action for every local member of the room, on each member's event loop. */
    public void forEach(String room, Consumer<SioSocket> action) {
        Long mask = masks.get(room);
        if (mask == null) {
            return;
        }
        Thread current = Thread.currentThread();
        for (int i = 0, n = shardCount.get(); i < n; i++) {
            Shard shard = byIndex.get(i);
            if (shard == null || (mask & shard.bit) == 0) {
                continue;
            }
            if (shard.thread == current) {
                visit(shard, room, action);
            } else {
                shard.context.runOnContext(v -> visit(shard, room, action));
            }
        }
    }

    private static void visit(Shard shard, String room, Consumer<SioSocket> action) {
        List<SioSocket> members = shard.rooms.get(room);
        if (members == null) {
            return;
        }
        // a write may disconnect a slow member, which edits the list: iterate a snapshot
        for (SioSocket s : members.toArray(NONE)) {
            action.accept(s);
        }
    }

    public boolean hasLocalMembers(String room) {
        return masks.containsKey(room);
    }

    /** Rooms with at least one member on this node. */
    public int size() {
        return masks.size();
    }

    public List<String> names() {
        return new ArrayList<>(masks.keySet());
    }
}
