package com.hushryd.bench.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.bench.load.LoadClients;
import com.hushryd.bench.load.SioConnection;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.VertxInternal;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * A simulated city against one or more nodes: drivers spread over them round robin, and each trip's passengers too,
 * starting with a node other than the driver's.
 *
 * <p>Drivers register and log in, publish a trip, go online, and once every passenger assigned to their trip is
 * tracking it (or failed on the way), start it, connect a socket and send an acknowledged {@code location:update}
 * every interval. Passengers register and log in, search trips on their driver's route, book a seat on their
 * driver's trip, connect a socket and {@code track:subscribe}, and once the trip runs, chat with the driver
 * ({@code chat:typing} then {@code chat:send}). Now and then a passenger raises an SOS over HTTP (with an
 * Idempotency-Key) and resolves it. The driver connects after the bookings because a socket joins the rooms of its
 * conversations when it connects.
 *
 * <p>Measured from the same JVM clock: each call from sending to its answer; a location from the driver's send to
 * each subscribed passenger's receipt (matched by the timestamp the driver puts in the update); a chat message from
 * the passenger's send to the driver's receipt. Receipts still missing {@code timeout} after the send are errors
 * ({@code not received}); at the end, those not yet due count as unfinished like unanswered calls.
 */
final class Simulation {
    static final String REGISTER = "register";
    static final String LOGIN = "login";
    static final String TRIP_CREATE = "trip.create";
    static final String ONLINE = "driver.online";
    static final String SEARCH = "trip.search";
    static final String BOOK = "booking.create";
    static final String TRIP_START = "trip.start";
    static final String CONNECT = "socket.connect";
    static final String SUBSCRIBE = "track.subscribe";
    static final String LOCATION = "location.update";
    static final String FANOUT = "location.fanout";
    static final String TYPING = "chat.typing";
    static final String CHAT = "chat.send";
    static final String DELIVERY = "chat.delivery";
    static final String SOS = "sos.trigger";
    static final String RESOLVE = "sos.resolve";
    static final String TRIP_COMPLETE = "trip.complete";
    static final List<String> OPERATIONS = List.of(REGISTER, LOGIN, TRIP_CREATE, ONLINE, SEARCH, BOOK, TRIP_START,
            CONNECT, SUBSCRIBE, LOCATION, FANOUT, TYPING, CHAT, DELIVERY, SOS, RESOLVE, TRIP_COMPLETE);
    /**
     * From a socket's unexpected close to its replacement being connected again (and re-subscribed); only with
     * {@code --reconnect} and a close, so it is reported after {@link #OPERATIONS}.
     */
    static final String RECONNECT = "socket.reconnect";
    static final String PASSWORD = "sim-password-1";
    /** What a rogue driver does once it misbehaves (the monitor's kinds it should provoke), in turn. */
    static final List<String> ROGUE_KINDS = List.of("unexpected_stop", "route_deviation", "gps_silence", "speed");
    /** From a rogue driver's misbehaviour to its passengers' {@code safety:check}: {@code safety.<kind>}. */
    static final String SAFETY = "safety.";
    /** A {@code safety:check} about a trip whose driver behaved: an error of this operation. */
    static final String FALSE_ALARM = "safety.false_alarm";
    static final String ANSWER = "safety.answer";
    private static final String[][] ROUTES = {
        {"Bengaluru", "12.9716", "77.5946", "Mysuru", "12.2958", "76.6394"},
        {"Mumbai", "19.0760", "72.8777", "Pune", "18.5204", "73.8567"},
        {"Delhi", "28.7041", "77.1025", "Jaipur", "26.9124", "75.7873"},
        {"Chennai", "13.0827", "80.2707", "Puducherry", "11.9416", "79.8083"},
        {"Hyderabad", "17.3850", "78.4867", "Warangal", "17.9689", "79.5941"},
        {"Kolkata", "22.5726", "88.3639", "Durgapur", "23.5204", "87.3119"},
        {"Ahmedabad", "23.0225", "72.5714", "Vadodara", "22.3072", "73.1812"},
        {"Kochi", "9.9312", "76.2673", "Thrissur", "10.5276", "76.2144"},
    };
    private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*\"([A-Z_]+)\"");

    /** What to simulate; validated by {@link SimCommand}. */
    record Settings(List<URI> nodes, int drivers, int passengers, Duration duration, Duration ramp,
            Duration locationInterval, Duration chatInterval, double sosPerMinute, Duration timeout, Duration drain,
            int localAddresses, int httpConnections, int eventLoops, boolean reconnect, boolean sosOpen,
            Path ackLog, double rogueShare, Duration rogueAfter) {

        int seatsPerTrip() {
            return Math.max(1, (passengers + drivers - 1) / drivers);
        }

        Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nodes", nodes.stream().map(URI::toString).toList());
            m.put("drivers", drivers);
            m.put("passengers", passengers);
            m.put("seatsPerTrip", seatsPerTrip());
            m.put("duration", duration.toString());
            m.put("ramp", ramp.toString());
            m.put("locationInterval", locationInterval.toString());
            m.put("chatInterval", chatInterval.toString());
            m.put("sosPerMinute", sosPerMinute);
            m.put("timeout", timeout.toString());
            m.put("drain", drain.toString());
            m.put("localAddresses", localAddresses);
            m.put("httpConnections", httpConnections);
            m.put("eventLoops", eventLoops);
            m.put("reconnect", reconnect);
            m.put("sosOpen", sosOpen);
            m.put("ackLog", ackLog == null ? null : ackLog.toString());
            m.put("rogueDrivers", rogueShare);
            m.put("rogueAfter", rogueAfter.toString());
            return m;
        }
    }

    private final Settings s;
    private final PrintWriter err;
    private final SimStats stats = new SimStats(OPERATIONS);
    private final long timeoutMs;
    private final long phoneBase = 6_000_000_000L + ThreadLocalRandom.current().nextLong(3_000_000_000L - 200_000);
    private final List<DriverSim> drivers = new ArrayList<>();
    private final List<PassengerSim> passengers = new ArrayList<>();
    private final Map<String, DriverSim> byTrip = new ConcurrentHashMap<>();
    /** Chat messages sent and not yet received by the driver: client message id to send time. */
    private final Map<String, Long> chatsInFlight = new ConcurrentHashMap<>();
    private final Set<SimSocket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger ready = new AtomicInteger();
    /** Safety checks already counted (every rider of a trip hears the same one). */
    private final Set<String> checksSeen = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private volatile boolean stopRequested;
    private Vertx vertx;
    private SimHttp http;
    private List<LoadClients> loads;
    private AckLog acks;

    Simulation(Settings settings, PrintWriter err) {
        this.s = settings;
        this.err = err;
        this.timeoutMs = settings.timeout().toMillis();
    }

    /** Runs the city for the set duration, lets calls in flight finish (at most the drain time), and reports. */
    SimReport run() throws InterruptedException, java.io.IOException {
        String startedAt = Instant.now().toString();
        acks = s.ackLog() == null ? null : AckLog.open(s.ackLog());
        long start = System.nanoTime();
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(s.eventLoops()));
        http = new SimHttp(vertx, stats, s.httpConnections(), timeoutMs);
        loads = s.nodes().stream().map(u -> new LoadClients(vertx, u, s.localAddresses())).toList();
        for (int d = 0; d < s.drivers(); d++) {
            drivers.add(new DriverSim(d));
        }
        for (int p = 0; p < s.passengers(); p++) {
            PassengerSim passenger = new PassengerSim(p, drivers.get(p % s.drivers()));
            passenger.driver.riders.incrementAndGet();
            passengers.add(passenger);
        }
        for (DriverSim d : drivers) {
            d.unsettled.set(d.riders.get());
            if (d.riders.get() == 0) {
                d.boarded.complete();
            }
        }
        long rampMs = s.ramp().toMillis();
        // timers set from this (non-Vert.x) thread would all run on one event loop, and every call and socket of the
        // city with them: each user starts on a context of its own loop, round robin, and stays there
        List<Context> loops = new ArrayList<>();
        for (int i = 0; i < s.eventLoops(); i++) {
            loops.add(((VertxInternal) vertx).createEventLoopContext());
        }
        for (DriverSim d : drivers) {
            long due = Math.max(1, rampMs * d.index / s.drivers());
            loops.get(d.index % loops.size()).runOnContext(v -> vertx.setTimer(due, id -> d.arrive()));
        }
        for (PassengerSim p : passengers) {
            long due = Math.max(1, rampMs * p.index / Math.max(1, s.passengers()));
            loops.get(p.index % loops.size()).runOnContext(v -> vertx.setTimer(due, id -> p.arrive()));
        }
        long sosTimer = s.sosPerMinute() <= 0 ? -1
                : vertx.setPeriodic(Math.max(1, (long) (60_000 / s.sosPerMinute())), id -> sos());
        long sweeper = vertx.setPeriodic(1000, id -> sweep(false));

        long end = start + s.duration().toNanos();
        long lastEvents = 0;
        long lastTick = start;
        while (System.nanoTime() < end && !stopRequested) {
            long next = Math.min(end, lastTick + TimeUnit.SECONDS.toNanos(1));
            TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
            long now = System.nanoTime();
            long events = stats.events();
            progress(now - start, (events - lastEvents) / ((now - lastTick) / 1e9));
            lastEvents = events;
            lastTick = now;
        }
        java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(drivers.size());
        for (DriverSim d : drivers) {
            loops.get(d.index % loops.size()).runOnContext(v -> {
                try {
                    d.arriveAtDestination();
                } finally {
                    arrived.countDown();
                }
            });
        }
        arrived.await(5, TimeUnit.SECONDS);
        stopping = true;
        double seconds = (System.nanoTime() - start) / 1e9;
        if (sosTimer >= 0) {
            vertx.cancelTimer(sosTimer);
        }
        drivers.forEach(DriverSim::finish);
        long drainEnd = System.nanoTime() + s.drain().toNanos();
        while ((stats.inFlight() > 0 || pendingReceipts() > 0) && System.nanoTime() < drainEnd) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        vertx.cancelTimer(sweeper);
        err.printf(Locale.ROOT, "sim: stopped after %.1f s; %d calls and %d receipts unfinished after the drain%n",
                seconds, stats.inFlight(), pendingReceipts());
        err.flush();
        sweep(true);
        sockets.forEach(SimSocket::close);
        http.close();
        loads.forEach(LoadClients::close);
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            err.println("sim: the client did not close in time: " + e);
        }
        if (acks != null) {
            acks.close();
        }
        return stats.report(startedAt, seconds, s.describe());
    }

    private void acknowledged(String kind, String id, String detail) {
        if (acks != null) {
            acks.acknowledged(kind, id, detail);
        }
    }

    /** Ends the run early (SIGTERM/SIGINT): calls in flight still get the drain, and the report is made as usual. */
    void requestStop() {
        stopRequested = true;
    }

    private long pendingReceipts() {
        return chatsInFlight.size() + drivers.stream().mapToLong(d -> d.fanouts.size()).sum();
    }

    /** Receipts overdue by the timeout are errors; with {@code end}, the rest are unfinished. */
    private void sweep(boolean end) {
        if (acks != null && !end) {
            acks.flush();
        }
        long due = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        chatsInFlight.forEach((id, sent) -> {
            if ((sent - due < 0 || end) && chatsInFlight.remove(id, sent)) {
                if (sent - due < 0) {
                    stats.error(DELIVERY, "not received");
                } else {
                    stats.unfinished(DELIVERY, 1);
                }
            }
        });
        for (DriverSim d : drivers) {
            d.fanouts.forEach((ts, f) -> {
                if ((f.sentNanos() - due < 0 || end) && d.fanouts.remove(ts, f)) {
                    long missing = Math.max(0, f.expected - f.received.get());
                    if (f.sentNanos() - due < 0) {
                        stats.error(FANOUT, "not received", missing);
                    } else {
                        stats.unfinished(FANOUT, missing);
                    }
                }
            });
        }
    }

    private void progress(long elapsedNanos, double eventsPerSecond) {
        Map<String, Histogram> interval = stats.interval();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "[%4ds] ready %d/%d users, %d sockets | %.0f events/s | errors %d | in flight %d",
                TimeUnit.NANOSECONDS.toSeconds(elapsedNanos), ready.get(), s.drivers() + s.passengers(),
                sockets.size(), eventsPerSecond, stats.errors(), stats.inFlight()));
        for (String op : List.of(LOCATION, FANOUT)) {
            Histogram h = interval.get(op);
            if (h != null && h.getTotalCount() > 0) {
                b.append(String.format(Locale.ROOT, " | %s p50 %.1f p99 %.1f ms", op,
                        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0));
            }
        }
        err.println(b);
        err.flush();
    }

    private static <T> Future<T> stopped() {
        return Future.failedFuture(new SimHttp.Failure("stopped"));
    }

    /** Registers a user, then logs in (the token of the login is the one used). */
    private Future<String[]> signUp(URI node, String role, long phoneNumber) {
        String phone = "+91" + phoneNumber;
        return http.call(REGISTER, node, HttpMethod.POST, "/auth/register", null, Map.of("phone", phone, "name",
                        "sim " + role + " " + phoneNumber, "password", PASSWORD, "role", role), Map.of())
                .compose(r -> stopping ? stopped() : http.call(LOGIN, node, HttpMethod.POST, "/auth/login", null,
                        Map.of("phone", phone, "password", PASSWORD), Map.of()))
                .map(r -> new String[] {r.path("user").path("id").asText(), r.path("accessToken").asText()});
    }

    /**
     * Opens a socket for user {@code index} with this token; {@code onClosed} runs whenever it closes. With
     * {@code --reconnect}, a socket that closes before the end of the run is opened again (through the same URL, so
     * a load balancer picks a live node), and {@code resume} then restores what the user had on it (subscriptions).
     */
    private Future<SimSocket> connect(URI node, int index, String token, java.util.function.BiConsumer<String, Long>
            onEvent, Runnable onClosed, java.util.function.Function<SimSocket, Future<?>> resume) {
        if (stopping) {
            return stopped();
        }
        SimStats.Call call = stats.begin(CONNECT);
        Promise<SimSocket> result = Promise.promise();
        long timer = vertx.setTimer(timeoutMs, id -> {
            if (call.fail("timeout")) {
                result.tryFail(new SimHttp.Failure("timeout"));
            }
        });
        String auth = "{\"token\":\"" + token + "\"}";
        LoadClients load = loads.get(s.nodes().indexOf(node));
        load.connect(index, auth, onEvent).onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.failed()) {
                String kind = connectKind(ar.cause());
                if (call.fail(kind)) {
                    result.tryFail(new SimHttp.Failure(kind));
                }
                return;
            }
            if (!call.ok()) {
                ar.result().close();
                return;
            }
            SimSocket socket = new SimSocket(() -> load.connect(index, auth, onEvent), onClosed, resume);
            socket.attach(ar.result());
            result.complete(socket);
        });
        return result.future();
    }

    static String connectKind(Throwable t) {
        String m = String.valueOf(t.getMessage());
        if (m.startsWith("CONNECT refused")) {
            Matcher code = CODE.matcher(m);
            return "refused " + (code.find() ? code.group(1) : "");
        }
        return m.startsWith("closed before CONNECT") ? "closed before CONNECT" : SimHttp.ioKind(t);
    }

    private static JsonNode eventPayload(String text) {
        try {
            JsonNode array = SimHttp.MAPPER.readTree(text.substring(2));
            return array.path(1);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /**
     * A user's Socket.IO client whose acknowledged calls are timed and fail on disconnect; with {@code --reconnect}
     * it opens a new connection when the current one closes during the run.
     */
    private final class SimSocket {
        private static final long FIRST_RETRY_MS = 100;
        private static final long LAST_RETRY_MS = 1000;
        final java.util.function.Supplier<Future<SioConnection>> opener;
        final Runnable onClosed;
        final java.util.function.Function<SimSocket, Future<?>> resume;
        final Set<SimStats.Call> pending = ConcurrentHashMap.newKeySet();
        volatile SioConnection conn;

        SimSocket(java.util.function.Supplier<Future<SioConnection>> opener, Runnable onClosed,
                java.util.function.Function<SimSocket, Future<?>> resume) {
            this.opener = opener;
            this.onClosed = onClosed;
            this.resume = resume;
        }

        void attach(SioConnection connection) {
            conn = connection;
            sockets.add(this);
            connection.onClose(() -> {
                sockets.remove(this);
                closed();
                onClosed.run();
                if (stopping) {
                    return;
                }
                if (s.reconnect()) {
                    reopen(System.nanoTime(), FIRST_RETRY_MS, false);
                } else {
                    stats.error(CONNECT, "disconnected");
                }
            });
        }

        /** Tries again with a doubling pause (at most a second) until connected or the run ends. */
        private void reopen(long closedAt, long pauseMs, boolean overdueCounted) {
            if (stopping) {
                return;
            }
            boolean overdue = System.nanoTime() - closedAt > TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            if (overdue && !overdueCounted) {
                stats.error(RECONNECT, "not reconnected within the timeout");
            }
            opener.get().onComplete(ar -> {
                if (ar.failed()) {
                    vertx.setTimer(pauseMs, id -> reopen(closedAt, Math.min(LAST_RETRY_MS, pauseMs * 2),
                            overdue || overdueCounted));
                    return;
                }
                if (stopping) {
                    ar.result().close();
                    return;
                }
                attach(ar.result());
                resume.apply(this).onSuccess(v -> {
                    if (!overdue && !overdueCounted) {
                        stats.record(RECONNECT, System.nanoTime() - closedAt);
                    }
                });
            });
        }

        /** Emits an event with one argument and waits for its acknowledgement: {@code {ok, data | error}}. */
        Future<JsonNode> emit(String op, String event, Object arg) {
            if (stopping || !conn.connected()) {
                return stopped();
            }
            SimStats.Call call = stats.begin(op);
            Promise<JsonNode> result = Promise.promise();
            pending.add(call);
            long timer = vertx.setTimer(timeoutMs, id -> {
                pending.remove(call);
                if (call.fail("timeout")) {
                    result.tryFail(new SimHttp.Failure("timeout"));
                }
            });
            String args;
            try {
                args = SimHttp.MAPPER.writeValueAsString(List.of(event, arg));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(e);
            }
            conn.emitRawWithAck(args, ack -> {
                vertx.cancelTimer(timer);
                pending.remove(call);
                JsonNode answer;
                try {
                    answer = SimHttp.MAPPER.readTree(ack).path(0);
                } catch (java.io.IOException e) {
                    answer = null;
                }
                if (answer != null && answer.path("ok").asBoolean(false)) {
                    if (call.ok()) {
                        result.tryComplete(answer.path("data"));
                    }
                } else {
                    String kind = ("ack " + (answer == null ? "malformed"
                            : answer.path("error").path("code").asText(""))).trim();
                    if (call.fail(kind)) {
                        result.tryFail(new SimHttp.Failure(kind));
                    }
                }
            });
            return result.future();
        }

        /** Calls waiting for an acknowledgement fail, unless the run is over (then they are unfinished). */
        private void closed() {
            if (!stopping) {
                pending.forEach(c -> c.fail("disconnect"));
            }
            pending.clear();
        }

        boolean connected() {
            return conn.connected();
        }

        void close() {
            conn.close();
        }
    }

    /** A location update sent and the receipts it is owed (passengers subscribed when it was sent). */
    private record Fanout(long sentNanos, int expected, AtomicInteger received) {
    }

    private final class DriverSim {
        final int index;
        final URI node;
        final String[] route;
        final AtomicInteger riders = new AtomicInteger();
        final AtomicInteger unsettled = new AtomicInteger();
        final Promise<String> trip = Promise.promise();
        final Promise<Void> boarded = Promise.promise();
        final Promise<Void> running = Promise.promise();
        final AtomicInteger subscribers = new AtomicInteger();
        final Map<Long, Fanout> fanouts = new ConcurrentHashMap<>();
        final AtomicLong lastTimestamp = new AtomicLong();
        volatile String token;
        volatile String tripId;
        volatile SimSocket socket;
        volatile long locationTimer = -1;
        int step;
        /** The kind of trouble this driver makes (null: a normal driver). */
        final String rogue;
        /** When it began to misbehave ({@link System#nanoTime()}), 0 before. */
        volatile long misbehavingSince;
        final AtomicBoolean detected = new AtomicBoolean();
        volatile Future<?> arrival = Future.succeededFuture();
        double lastLat;
        double lastLng;

        DriverSim(int index) {
            this.index = index;
            this.node = s.nodes().get(index % s.nodes().size());
            this.route = ROUTES[index % ROUTES.length];
            this.rogue = rogueKind(index);
        }

        void settle() {
            if (unsettled.decrementAndGet() == 0) {
                boarded.tryComplete();
            }
        }

        void arrive() {
            Future<Void> online = signUp(node, "driver", phoneBase + index).compose(account -> {
                token = account[1];
                return stopping ? stopped() : http.call(TRIP_CREATE, node, HttpMethod.POST, "/trips", token, Map.of(
                        "source", place(0), "destination", place(3),
                        "departureTime", departure().toString(),
                        "seats", s.seatsPerTrip(), "pricePerSeat", 250), Map.of());
            }).compose(t -> {
                tripId = t.path("id").asText();
                acknowledged(AckLog.TRIP, tripId, String.valueOf(s.seatsPerTrip()));
                byTrip.put(tripId, this);
                trip.complete(tripId);
                return stopping ? stopped() : http.call(ONLINE, node, HttpMethod.POST, "/drivers/me/online", token,
                        Map.of("lat", Double.parseDouble(route[1]), "lng", Double.parseDouble(route[2])), Map.of());
            }).mapEmpty();
            online.onFailure(trip::tryFail);
            Future.all(online, boarded.future())
                    .compose(v -> stopping ? stopped() : http.call(TRIP_START, node, HttpMethod.POST,
                            "/trips/" + tripId + "/start", token, null, Map.of()))
                    .compose(v -> connect(node, index, token, this::onEvent, () -> { }, sock -> Future.succeededFuture()))
                    .onSuccess(sock -> {
                        socket = sock;
                        ready.incrementAndGet();
                        running.complete();
                        long interval = s.locationInterval().toMillis();
                        locationTimer = vertx.setPeriodic(1 + ThreadLocalRandom.current().nextLong(interval), interval,
                                id -> sendLocation());
                        if (rogue != null) {
                            vertx.setTimer(Math.max(1, s.rogueAfter().toMillis()),
                                    id -> misbehavingSince = System.nanoTime());
                        }
                    });
        }

        Map<String, Object> place(int at) {
            return Map.of("city", route[at], "lat", Double.parseDouble(route[at + 1]),
                    "lng", Double.parseDouble(route[at + 2]));
        }

        void sendLocation() {
            if (stopping) {
                vertx.cancelTimer(locationTimer);
                return;
            }
            if (!socket.connected()) {
                return; // reconnecting
            }
            double speed = 42.0;
            double lat;
            double lng;
            String misbehaviour = misbehavingSince == 0 ? null : rogue;
            if ("gps_silence".equals(misbehaviour)) {
                return;
            } else if ("unexpected_stop".equals(misbehaviour)) {
                // stands still half way, away from both ends
                lat = (Double.parseDouble(route[1]) + Double.parseDouble(route[4])) / 2;
                lng = (Double.parseDouble(route[2]) + Double.parseDouble(route[5])) / 2;
                speed = 0;
            } else if ("route_deviation".equals(misbehaviour)) {
                // drives back, away from the destination, about 300 m per location
                double dLat = Double.parseDouble(route[1]) - Double.parseDouble(route[4]);
                double dLng = Double.parseDouble(route[2]) - Double.parseDouble(route[5]);
                double norm = Math.hypot(dLat, dLng);
                lat = lastLat + dLat / norm * 0.0027;
                lng = lastLng + dLng / norm * 0.0027;
            } else {
                double f = Math.min(1, ++step / 2000.0);
                lat = Double.parseDouble(route[1]) * (1 - f) + Double.parseDouble(route[4]) * f;
                lng = Double.parseDouble(route[2]) * (1 - f) + Double.parseDouble(route[5]) * f;
                if ("speed".equals(misbehaviour)) {
                    speed = 160;
                }
            }
            send(lat, lng, speed);
        }

        Future<JsonNode> send(double lat, double lng, double speed) {
            lastLat = lat;
            lastLng = lng;
            long ts = lastTimestamp.updateAndGet(last -> Math.max(System.currentTimeMillis(), last + 1));
            int expected = subscribers.get();
            if (expected > 0) {
                fanouts.put(ts, new Fanout(System.nanoTime(), expected, new AtomicInteger()));
            }
            return socket.emit(LOCATION, "location:update", Map.of("tripId", tripId, "lat", lat, "lng", lng, "speed",
                    speed, "heading", 225.0, "timestamp", ts)).onFailure(e -> fanouts.remove(ts));
        }

        void onEvent(String text, long now) {
            if (text.startsWith("42[\"chat:message\"")) {
                JsonNode m = eventPayload(text);
                Long sent = m == null ? null : chatsInFlight.remove(m.path("clientMessageId").asText(""));
                if (sent != null) {
                    stats.record(DELIVERY, now - sent);
                    return;
                }
            }
            stats.event();
        }

        /**
         * Just before the end of the run: the trip's last location is its destination (a trip completed away from it
         * would be an early end for the safety monitor).
         */
        void arriveAtDestination() {
            if (locationTimer >= 0) {
                vertx.cancelTimer(locationTimer);
            }
            if (running.future().succeeded() && socket != null && socket.connected()) {
                arrival = send(Double.parseDouble(route[4]), Double.parseDouble(route[5]), 0).otherwiseEmpty();
            }
        }

        /** At the end of the run: no more locations; a started trip is completed once it arrived. */
        void finish() {
            if (locationTimer >= 0) {
                vertx.cancelTimer(locationTimer);
            }
            if (running.future().succeeded()) {
                arrival.onComplete(ar -> http.call(TRIP_COMPLETE, node, HttpMethod.POST, "/trips/" + tripId
                        + "/complete", token, null, Map.of()));
            }
        }
    }

    private static OffsetDateTime departure() {
        return OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(30).withNano(0);
    }

    private final class PassengerSim {
        final int index;
        final DriverSim driver;
        final URI node;
        final AtomicBoolean inSos = new AtomicBoolean();
        volatile String token;
        volatile String bookingId;
        volatile SimSocket socket;
        final AtomicBoolean subscribed = new AtomicBoolean();
        int sequence;

        PassengerSim(int index, DriverSim driver) {
            this.index = index;
            this.driver = driver;
            // a trip's riders take turns over the nodes, starting with the next after the driver's: with several
            // nodes, locations and chat cross from one to another
            int n = s.nodes().size();
            this.node = s.nodes().get((driver.index % n + 1 + index / s.drivers()) % n);
        }

        void arrive() {
            String[] route = driver.route;
            Future<String> booked = signUp(node, "passenger", phoneBase + s.drivers() + index).compose(account -> {
                token = account[1];
                return stopping ? stopped() : http.call(SEARCH, node, HttpMethod.GET, "/trips/search?from="
                        + route[0] + "&to=" + route[3] + "&date=" + departure().toLocalDate() + "&tz=UTC&limit=20",
                        token, null, Map.of());
            }).compose(found -> driver.trip.future()).compose(tripId -> stopping ? stopped()
                    : http.call(BOOK, node, HttpMethod.POST, "/trips/" + tripId + "/bookings", token,
                            Map.of("seats", 1), Map.of())).map(b -> b.path("id").asText());
            Future<JsonNode> tracking = booked.compose(id -> {
                bookingId = id;
                acknowledged(AckLog.BOOKING, id, driver.tripId);
                return connect(node, s.drivers() + index, token, this::onEvent, this::unsubscribed, this::subscribe);
            }).compose(sock -> {
                socket = sock;
                return subscribe(sock);
            }).map(last -> {
                ready.incrementAndGet();
                return last;
            });
            tracking.onComplete(ar -> driver.settle());
            if (s.chatInterval().toMillis() > 0) {
                tracking.compose(v -> driver.running.future()).onSuccess(v -> {
                    long interval = s.chatInterval().toMillis();
                    vertx.setPeriodic(1 + ThreadLocalRandom.current().nextLong(interval), interval, this::chat);
                });
            }
        }

        Future<JsonNode> subscribe(SimSocket sock) {
            return sock.emit(SUBSCRIBE, "track:subscribe", driver.tripId).map(last -> {
                if (!subscribed.getAndSet(true)) {
                    driver.subscribers.incrementAndGet();
                }
                return last;
            });
        }

        void unsubscribed() {
            if (subscribed.getAndSet(false)) {
                driver.subscribers.decrementAndGet();
            }
        }

        void chat(long timerId) {
            if (stopping) {
                vertx.cancelTimer(timerId);
                return;
            }
            if (!socket.connected()) {
                return; // reconnecting
            }
            String id = "sim-" + index + "-" + (++sequence);
            socket.emit(TYPING, "chat:typing", Map.of("conversationId", bookingId));
            SimSocket driverSocket = driver.socket;
            if (driverSocket != null && driverSocket.connected()) {
                chatsInFlight.put(id, System.nanoTime());
            }
            socket.emit(CHAT, "chat:send", Map.of("conversationId", bookingId, "text", "on my way, message "
                    + sequence, "clientMessageId", id))
                    .onSuccess(m -> acknowledged(AckLog.CHAT, bookingId, id))
                    .onFailure(e -> chatsInFlight.remove(id));
        }

        void onEvent(String text, long now) {
            if (text.startsWith("42[\"safety:check\"")) {
                safetyCheck(this, eventPayload(text), now);
                return;
            }
            if (text.startsWith("42[\"location:update\"")) {
                JsonNode u = eventPayload(text);
                DriverSim d = u == null ? null : byTrip.get(u.path("tripId").asText(""));
                if (d != null) {
                    try {
                        long ts = OffsetDateTime.parse(u.path("timestamp").asText()).toInstant().toEpochMilli();
                        Fanout f = d.fanouts.get(ts);
                        if (f != null) {
                            stats.record(FANOUT, now - f.sentNanos());
                            if (f.received().incrementAndGet() >= f.expected()) {
                                d.fanouts.remove(ts, f);
                            }
                            return;
                        }
                    } catch (java.time.format.DateTimeParseException e) {
                        stats.error(FANOUT, "unreadable timestamp");
                        return;
                    }
                }
            }
            stats.event();
        }
    }

    /**
     * A passenger is asked "Is everything OK?": on a rogue driver's trip the first check after the misbehaviour
     * times the detection ({@code safety.<kind>}); on a normal trip it is a false alarm. Either way the passengers
     * answer "ok", so that no SOS follows.
     */
    private void safetyCheck(PassengerSim receiver, JsonNode event, long now) {
        stats.event();
        JsonNode check = event == null ? null : event.path("check");
        if (check == null || !check.path("status").asText().equals("open")) {
            return;
        }
        String checkId = check.path("id").asText();
        DriverSim d = byTrip.get(check.path("tripId").asText(""));
        if (d == null || !checksSeen.add(checkId)) {
            return; // every rider of the trip hears it: counted and answered once
        }
        String kind = check.path("kind").asText();
        long since = d.misbehavingSince;
        if (d.rogue == null || since == 0) {
            stats.error(FALSE_ALARM, kind + (d.rogue == null ? " on a normal trip" : " before the misbehaviour"));
        } else if (d.detected.compareAndSet(false, true)) {
            if (kind.equals(d.rogue)) {
                stats.record(SAFETY + d.rogue, now - since);
            } else {
                stats.error(SAFETY + d.rogue, "first detected as " + kind);
            }
        }
        if (event.path("canAnswer").asBoolean() && receiver.socket != null) {
            receiver.socket.emit(ANSWER, "safety:answer", Map.of("checkId", checkId, "answer", "ok"));
        }
    }

    /** The kind of trouble driver {@code index} makes: a share of the drivers, spread evenly, kinds in turn. */
    private String rogueKind(int index) {
        long rogues = Math.round(s.drivers() * s.rogueShare());
        long before = (long) index * rogues / s.drivers();
        long upTo = (long) (index + 1) * rogues / s.drivers();
        return upTo > before ? ROGUE_KINDS.get((int) (before % ROGUE_KINDS.size())) : null;
    }

    /** A random passenger on a running trip, not in an SOS already, raises one and resolves it (unless --sos-open). */
    private void sos() {
        if (passengers.isEmpty()) {
            return;
        }
        for (int attempt = 0; attempt < 20; attempt++) {
            PassengerSim p = passengers.get(ThreadLocalRandom.current().nextInt(passengers.size()));
            if (p.socket == null || !p.driver.running.future().succeeded() || !p.inSos.compareAndSet(false, true)) {
                continue;
            }
            String key = UUID.randomUUID().toString();
            Future<JsonNode> alert = http.call(SOS, p.node, HttpMethod.POST, "/sos", p.token, Map.of("tripId",
                            p.driver.tripId, "lat", Double.parseDouble(p.driver.route[1]), "lng",
                            Double.parseDouble(p.driver.route[2]), "message", "simulated SOS"),
                    Map.of("Idempotency-Key", key))
                    .onSuccess(a -> acknowledged(AckLog.SOS, a.path("alertId").asText(), key));
            if (s.sosOpen()) {
                alert.onFailure(e -> p.inSos.set(false)); // kept open otherwise: its escalation falls due
                return;
            }
            alert.compose(a -> http.call(RESOLVE, p.node, HttpMethod.POST, "/sos/" + a.path("alertId").asText()
                            + "/resolve", p.token, Map.of("resolution", "simulated: resolved by the load simulator"),
                            Map.of()))
                    .onComplete(ar -> p.inSos.set(false));
            return;
        }
    }
}
