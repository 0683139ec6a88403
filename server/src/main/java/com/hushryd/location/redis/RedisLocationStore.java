package com.hushryd.location.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.hushryd.common.Json;
import com.hushryd.location.Location;
import com.hushryd.location.LocationStore;
import com.hushryd.location.NearbyDriver;
import com.hushryd.realtime.Broker;
import com.hushryd.realtime.RealtimeGateway;
import com.hushryd.rooms.Room;
import com.hushryd.store.RedisLink;
import com.hushryd.store.RedisScript;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Latest locations and the driver geo index in Redis. A trip's latest location is its trip room's latest state in the
 * realtime {@link Broker} ({@link Broker#publishLatest}: one script that compares timestamps, stores and publishes the
 * broadcast, one round trip per update; decision 0077), so the broker must be the Redis one. The available drivers are
 * sharded by area: the world is cut into cells of {@link #CELL_DEGREES}° of latitude and longitude, each a GEO set and
 * a "last seen" sorted set under its own hash tag {@code {cell:<i>:<j>}} (so no key holds a whole country, and a Redis
 * Cluster spreads the cells over its shards), and each driver's current cell is a key
 * {@code hushryd:drivers:{d:<id>}:cell}. A nearby search runs one script per cell that the radius covers and merges them;
 * stale drivers are pruned by the search itself. See decision 0071.
 */
public final class RedisLocationStore implements LocationStore {
    /** The side of an area cell in degrees (about 55 km of latitude): a city is a handful of cells. */
    public static final double CELL_DEGREES = 0.5;
    private static final int LNG_CELLS = (int) Math.round(360 / CELL_DEGREES);
    /** How long a driver's cell is remembered after they last changed cell or came online. */
    private static final Duration CELL_MEMORY = Duration.ofDays(1);

    private static final RedisScript AVAILABLE = RedisScript.of(RedisLocationStore.class, "available.lua");
    private static final RedisScript UNAVAILABLE = RedisScript.of(RedisLocationStore.class, "unavailable.lua");
    private static final RedisScript REFRESH = RedisScript.of(RedisLocationStore.class, "refresh.lua");
    private static final RedisScript NEARBY = RedisScript.of(RedisLocationStore.class, "nearby.lua");

    private final RedisLink client;
    private final RedisLink.Connection<String, String> connection;
    /** Keeps the trips' latest locations (and publishes their broadcasts). */
    private final Broker broker;
    private final Duration ttl;
    private final Clock clock;

    public RedisLocationStore(RedisUrl url, String nodeId, Broker broker, Duration ttl, Clock clock) {
        this.client = RedisLink.open(url, "hushryd-location-" + nodeId);
        this.connection = client.connect();
        this.broker = broker;
        this.ttl = ttl;
        this.clock = clock;
    }

    private static String room(UUID tripId) {
        return Room.trip(tripId).name();
    }

    /** An area cell, as the hash tag of its keys. */
    record Cell(int lat, int lng) {
        static Cell of(double lat, double lng) {
            int i = (int) Math.floor((Math.min(lat, 89.999999) + 90) / CELL_DEGREES);
            int j = Math.floorMod((int) Math.floor((lng + 180) / CELL_DEGREES), LNG_CELLS);
            return new Cell(i, j);
        }

        static Cell parse(String s) {
            int colon = s.indexOf(':');
            return new Cell(Integer.parseInt(s.substring(0, colon)), Integer.parseInt(s.substring(colon + 1)));
        }

        String id() {
            return lat + ":" + lng;
        }

        String[] keys() {
            String tag = "hushryd:drivers:{cell:" + id() + "}:";
            return new String[] {tag + "geo", tag + "seen"};
        }
    }

    /** The cells that a circle of {@code radiusKm} around the point can touch (a bounding box of cells). */
    static List<Cell> cellsCovering(double lat, double lng, double radiusKm) {
        double dLat = radiusKm / 110.574;
        double cos = Math.cos(Math.toRadians(Math.min(89.0, Math.abs(lat) + dLat)));
        double dLng = Math.min(180, radiusKm / (111.320 * Math.max(cos, 0.01)));
        Cell lo = Cell.of(Math.max(-90, lat - dLat), lng - dLng);
        Cell hi = Cell.of(Math.min(90, lat + dLat), lng + dLng);
        int spanLng = Math.floorMod(hi.lng() - lo.lng(), LNG_CELLS) + 1;
        if (dLng >= 180) {
            spanLng = LNG_CELLS;
        }
        List<Cell> out = new ArrayList<>();
        for (int i = lo.lat(); i <= hi.lat(); i++) {
            for (int k = 0; k < spanLng; k++) {
                out.add(new Cell(i, Math.floorMod(lo.lng() + k, LNG_CELLS)));
            }
        }
        return out;
    }

    private static String driverCellKey(UUID driverId) {
        return "hushryd:drivers:{d:" + driverId + "}:cell";
    }

    @Override
    public CompletionStage<Written> write(Location l, String json, RealtimeGateway.Prepared broadcast) {
        String value = json;
        if (value == null) {
            try {
                value = Json.MAPPER.writeValueAsString(l);
            } catch (JsonProcessingException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        long version = l.timestamp().toEpochMilli();
        CompletionStage<Boolean> stored = broadcast == null
                ? broker.publishLatest(room(l.tripId()), version, value, ttl, null)
                : broadcast.publishLatest(version, value, ttl);
        return stored.thenApply(s -> new Written(s, true));
    }

    @Override
    public CompletionStage<Optional<Location>> latest(UUID tripId) {
        return broker.latest(room(tripId)).thenApply(latest -> {
            if (latest.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(Json.MAPPER.readValue(latest.get().value(), Location.class));
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
        });
    }

    @Override
    public CompletionStage<Void> available(UUID driverId, double lat, double lng) {
        Cell cell = Cell.of(lat, lng);
        String driver = driverId.toString();
        return connection.async().setGet(driverCellKey(driverId), cell.id(),
                SetArgs.Builder.px(CELL_MEMORY.toMillis())).thenCompose(old -> {
                    CompletionStage<Long> left = old == null || old.equals(cell.id())
                            ? CompletableFuture.completedFuture(0L)
                            : UNAVAILABLE.run(connection.async(), ScriptOutputType.INTEGER, Cell.parse(old).keys(),
                                    driver, "0");
                    return left.thenCompose(x -> AVAILABLE.<String, String, Long>run(connection.async(),
                            ScriptOutputType.INTEGER, cell.keys(), Double.toString(lng), Double.toString(lat), driver,
                            Long.toString(clock.millis())));
                }).thenApply(r -> null);
    }

    @Override
    public CompletionStage<Boolean> refresh(UUID driverId, double lat, double lng) {
        long now = clock.millis();
        long cutoff = now - ttl.toMillis();
        Cell cell = Cell.of(lat, lng);
        String driver = driverId.toString();
        return REFRESH.<String, String, Long>run(connection.async(), ScriptOutputType.INTEGER, cell.keys(),
                Double.toString(lng), Double.toString(lat), driver, Long.toString(now), Long.toString(cutoff))
                .thenCompose(r -> {
                    if (r == 1L) {
                        return CompletableFuture.completedFuture(true);
                    }
                    // not (or no longer) in this cell: moved in from another one?
                    return connection.async().get(driverCellKey(driverId)).thenCompose(old -> {
                        if (old == null || old.equals(cell.id())) {
                            return CompletableFuture.completedFuture(false);
                        }
                        return UNAVAILABLE.<String, String, Long>run(connection.async(), ScriptOutputType.INTEGER,
                                Cell.parse(old).keys(), driver, Long.toString(cutoff)).thenCompose(was -> {
                                    if (was != 1L) {
                                        return CompletableFuture.completedFuture(false);
                                    }
                                    return AVAILABLE.<String, String, Long>run(connection.async(),
                                            ScriptOutputType.INTEGER, cell.keys(), Double.toString(lng),
                                            Double.toString(lat), driver, Long.toString(now))
                                            .thenCompose(x -> connection.async().set(driverCellKey(driverId),
                                                    cell.id(), SetArgs.Builder.px(CELL_MEMORY.toMillis())))
                                            .thenApply(x -> true);
                                });
                    });
                });
    }

    @Override
    public CompletionStage<Void> unavailable(UUID driverId) {
        return connection.async().getdel(driverCellKey(driverId)).thenCompose(old -> old == null
                ? CompletableFuture.completedFuture(0L)
                : UNAVAILABLE.<String, String, Long>run(connection.async(), ScriptOutputType.INTEGER,
                        Cell.parse(old).keys(), driverId.toString(), "0")).thenApply(r -> null);
    }

    @Override
    public CompletionStage<List<NearbyDriver>> nearby(double lat, double lng, double radiusKm, int limit) {
        String cutoff = Long.toString(clock.millis() - ttl.toMillis());
        List<CompletableFuture<List<Object>>> perCell = new ArrayList<>();
        for (Cell cell : cellsCovering(lat, lng, radiusKm)) {
            perCell.add(NEARBY.<String, String, List<Object>>run(connection.async(), ScriptOutputType.MULTI,
                    cell.keys(), Double.toString(lng), Double.toString(lat), Double.toString(radiusKm),
                    Integer.toString(limit), cutoff).toCompletableFuture());
        }
        return CompletableFuture.allOf(perCell.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<NearbyDriver> out = new ArrayList<>();
            for (CompletableFuture<List<Object>> f : perCell) {
                for (Object row : f.join()) {
                    List<?> r = (List<?>) row;
                    Object seen = r.get(4);
                    out.add(new NearbyDriver(UUID.fromString(String.valueOf(r.get(0))),
                            Double.parseDouble(String.valueOf(r.get(3))),
                            Double.parseDouble(String.valueOf(r.get(2))),
                            Double.parseDouble(String.valueOf(r.get(1))),
                            seen == null ? null : Instant.ofEpochMilli((long) Double.parseDouble(seen.toString()))));
                }
            }
            out.sort(Comparator.comparingDouble(NearbyDriver::distanceKm));
            return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
        });
    }

    @Override
    public boolean reachable() {
        return connection.isOpen() && broker.connected();
    }

    @Override
    public void onReturn(Runnable onReturn) {
        client.onReconnect(onReturn);
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public void close() {
        connection.close();
        client.close();
    }
}
