package com.hushryd.realtime.memory;

import com.hushryd.realtime.engineio.Frame;
import com.hushryd.realtime.socketio.Encoder;
import com.hushryd.realtime.socketio.Recovery;
import com.hushryd.realtime.socketio.SioSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Connection state recovery for the nodes of one {@link InProcessBroker.Hub} (a single node without Redis): sessions
 * and each room's numbered broadcasts in memory, bounded by count per room and by the window.
 */
public final class MemoryRecovery implements Recovery {
    private record Entry(long offset, List<Frame> frames, String except, long at) {
    }

    private static final class Session {
        final String owner;
        final String socketId;
        final long min;
        List<String> rooms;
        String incarnation;
        long expiresAt;

        Session(String owner, String socketId, long min, List<String> rooms, String incarnation, long expiresAt) {
            this.owner = owner;
            this.socketId = socketId;
            this.min = min;
            this.rooms = rooms;
            this.incarnation = incarnation;
            this.expiresAt = expiresAt;
        }
    }

    private final Function<Object, String> owner;
    private final Duration window;
    private final int historyLength;
    private final Clock clock;
    private final Map<String, ArrayDeque<Entry>> history = new HashMap<>();
    /** Rooms whose history lost entries to the bound: their oldest kept offset. */
    private final Map<String, Long> trimmedBelow = new HashMap<>();
    private final Map<String, Session> sessions = new HashMap<>();
    // offsets start from the time in microseconds, as on Redis (above any offset a previous run gave)
    private long sequence;
    private long nextPrune;

    public MemoryRecovery(InProcessBroker.Hub hub, Function<Object, String> owner, Duration window, int historyLength,
            Clock clock) {
        this.owner = owner;
        this.window = window;
        this.historyLength = historyLength;
        this.clock = clock;
        this.sequence = clock.millis() * 1000;
        hub.recovery(this);
    }

    /** Numbers and keeps a broadcast; returns its offset. */
    synchronized long append(String room, List<Frame> frames, String except) {
        long now = clock.millis();
        long offset = ++sequence;
        ArrayDeque<Entry> h = history.computeIfAbsent(room, r -> new ArrayDeque<>());
        while (!h.isEmpty() && h.peekFirst().at() < now - window.toMillis()) {
            h.pollFirst(); // older than any session that could still ask for it: no loss to record
        }
        while (h.size() >= historyLength) {
            trimmedBelow.put(room, h.pollFirst().offset() + 1); // dropped for the bound: a recovery from before it fails
        }
        h.addLast(new Entry(offset, frames, except, now));
        if (now >= nextPrune) {
            // rooms idle for the window go, at most every quarter of it (a sweep per broadcast would cost O(rooms))
            nextPrune = now + Math.max(1000, window.toMillis() / 4);
            history.values().removeIf(d -> d.isEmpty() || d.peekLast().at() < now - window.toMillis());
            trimmedBelow.keySet().retainAll(history.keySet());
            sessions.values().removeIf(x -> x.expiresAt < now);
        }
        return offset;
    }

    @Override
    public synchronized CompletionStage<Claimed> claim(String pid, Object user, String incarnation, long offset) {
        Session s = sessions.get(pid);
        long now = clock.millis();
        if (s == null || s.expiresAt < now || !s.owner.equals(owner.apply(user)) || (offset >= 0 && offset < s.min)) {
            return CompletableFuture.completedFuture(null);
        }
        s.incarnation = incarnation;
        s.expiresAt = Long.MAX_VALUE;
        return CompletableFuture.completedFuture(new Claimed(s.socketId, List.copyOf(s.rooms), s.min));
    }

    @Override
    public CompletionStage<Void> ready(Collection<String> rooms) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<List<Missed>> missed(Collection<String> rooms, long offset) {
        List<Missed> out = new ArrayList<>();
        for (String room : rooms) {
            Long below = trimmedBelow.get(room);
            if (below != null && below > offset + 1) {
                return CompletableFuture.failedFuture(new Unrecoverable("history of " + room + " trimmed"));
            }
            for (Entry e : history.getOrDefault(room, new ArrayDeque<>())) {
                if (e.offset() > offset) {
                    out.add(new Missed(e.offset(), Encoder.withOffset(e.frames(), e.offset()), e.except()));
                }
            }
        }
        out.sort(Comparator.comparingLong(Missed::offset));
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public void opened(SioSocket socket) {
        open(socket.pid(), owner.apply(socket.user()), socket.id(), List.copyOf(socket.rooms()), socket.incarnation(),
                socket.firstOffset());
    }

    /** A connected socket's session: new (starting at the current offset, or below its first) or recovered. */
    synchronized void open(String pid, String ownerId, String socketId, List<String> rooms, String incarnation,
            long firstOffset) {
        Session s = sessions.get(pid);
        if (s == null) {
            long min = firstOffset >= 0 ? Math.min(sequence, firstOffset - 1) : sequence;
            sessions.put(pid, new Session(ownerId, socketId, min, rooms, incarnation, Long.MAX_VALUE));
        } else if (s.incarnation.equals(incarnation)) {
            s.rooms = rooms;
        }
    }

    @Override
    public synchronized void roomsChanged(SioSocket socket) {
        Session s = sessions.get(socket.pid());
        if (s != null && s.incarnation.equals(socket.incarnation())) {
            s.rooms = List.copyOf(socket.rooms());
        }
    }

    @Override
    public void closed(SioSocket socket, boolean recoverable) {
        close(socket.pid(), socket.incarnation(), recoverable);
    }

    /** The socket is gone: its session stays for the window after a loss, ends after a deliberate disconnection. */
    synchronized void close(String pid, String incarnation, boolean recoverable) {
        Session s = sessions.get(pid);
        if (s == null || !s.incarnation.equals(incarnation)) {
            return;
        }
        if (recoverable) {
            s.expiresAt = clock.millis() + window.toMillis();
        } else {
            sessions.remove(pid);
        }
    }
}
