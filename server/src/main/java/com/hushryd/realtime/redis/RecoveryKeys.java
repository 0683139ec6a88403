package com.hushryd.realtime.redis;

import com.hushryd.realtime.engineio.Frame;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where numbered broadcasts live in Redis for connection state recovery: one sequence ({@code hushryd:rt:seq}; on a
 * Redis Cluster one per room, {@code hushryd:rt:seq:{room}}) and one history stream per room ({@code hushryd:rt:log:{room}}, entry id
 * {@code <offset>-0}, field {@code e}: the broadcast's envelope). Reads them back in offset order.
 */
final class RecoveryKeys {
    static final byte[] SEQUENCE = "hushryd:rt:seq".getBytes(StandardCharsets.UTF_8);
    /** On a Redis Cluster, each room's own sequence, in its stream's slot (decision 0072). */
    static final String SEQUENCE_PREFIX = "hushryd:rt:seq:{";
    static final String STREAM_PREFIX = "hushryd:rt:log:{";

    /** One numbered broadcast read back; its frames carry no offset yet. */
    record Entry(String room, long offset, List<Frame> frames, String exceptSocketId) {
    }

    /**
     * @param entries in offset order
     * @param trimmed whether some broadcast after the offset may have been trimmed from a room's history
     */
    record Read(List<Entry> entries, boolean trimmed) {
    }

    private RecoveryKeys() {
    }

    /** The broadcasts to these rooms numbered after {@code after}, in offset order (pipelined, one round trip). */
    static CompletionStage<Read> read(RedisClusterAsyncCommands<byte[], byte[]> redis, Collection<String> rooms, long after,
            int historyLength) {
        List<String> names = List.copyOf(rooms);
        List<RedisFuture<List<StreamMessage<byte[], byte[]>>>> newer = new ArrayList<>(names.size());
        List<RedisFuture<List<StreamMessage<byte[], byte[]>>>> oldest = new ArrayList<>(names.size());
        List<RedisFuture<Long>> lengths = new ArrayList<>(names.size());
        for (String room : names) {
            byte[] key = RedisBroker.stream(room);
            newer.add(redis.xrange(key, Range.create((after + 1) + "-0", "+"), Limit.from(historyLength + 1L)));
            oldest.add(redis.xrange(key, Range.create("-", "+"), Limit.from(1)));
            lengths.add(redis.xlen(key));
        }
        List<CompletableFuture<?>> all = new ArrayList<>();
        newer.forEach(f -> all.add(f.toCompletableFuture()));
        oldest.forEach(f -> all.add(f.toCompletableFuture()));
        lengths.forEach(f -> all.add(f.toCompletableFuture()));
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<Entry> entries = new ArrayList<>();
            boolean trimmed = false;
            for (int i = 0; i < names.size(); i++) {
                List<StreamMessage<byte[], byte[]>> found = newer.get(i).toCompletableFuture().join();
                List<StreamMessage<byte[], byte[]>> first = oldest.get(i).toCompletableFuture().join();
                long length = lengths.get(i).toCompletableFuture().join();
                // a stream that reached its bound has lost its oldest entries: if its oldest now is newer than the
                // client's offset, some it missed may be among them
                if (length >= historyLength && !first.isEmpty() && offsetOf(first.get(0)) > after + 1) {
                    trimmed = true;
                }
                if (found.size() > historyLength) {
                    trimmed = true;
                }
                for (StreamMessage<byte[], byte[]> m : found) {
                    long offset = offsetOf(m);
                    Envelope.Decoded d = Envelope.decode(m.getBody().values().iterator().next(), offset);
                    entries.add(new Entry(names.get(i), offset, d.frames(), d.exceptSocketId()));
                }
            }
            entries.sort(Comparator.comparingLong(Entry::offset));
            return new Read(entries, trimmed);
        });
    }

    private static long offsetOf(StreamMessage<byte[], byte[]> m) {
        String id = m.getId();
        return Long.parseLong(id.substring(0, id.indexOf('-')));
    }
}
