package com.hushryd.client;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.client.model.Auth;
import com.hushryd.client.model.BatchResult;
import com.hushryd.client.model.Booking;
import com.hushryd.client.model.Conversation;
import com.hushryd.client.model.Document;
import com.hushryd.client.model.EmergencyContact;
import com.hushryd.client.model.JobReceipt;
import com.hushryd.client.model.Location;
import com.hushryd.client.model.LocationPoint;
import com.hushryd.client.model.Message;
import com.hushryd.client.model.MessagePage;
import com.hushryd.client.model.NearbyDriver;
import com.hushryd.client.model.Page;
import com.hushryd.client.model.SosAlert;
import com.hushryd.client.model.SosRequest;
import com.hushryd.client.model.Trip;
import com.hushryd.client.model.TripInput;
import com.hushryd.client.model.UploadUrl;
import com.hushryd.client.model.User;
import com.hushryd.client.offline.OfflineQueue;
import com.hushryd.client.offline.QueuedAction;
import com.hushryd.client.offline.Sender;
import com.hushryd.client.realtime.RealtimeClient;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;

/**
 * The HushRyd API for apps: one typed method per endpoint an app uses (docs/api.md), errors as {@link ApiException}s,
 * retries with backoff for what is safe to retry, an {@code Idempotency-Key} on every creating call (one per call of
 * these methods, kept across its retries), the {@link #offlineQueue() offline queue} for critical actions and the
 * {@link #realtime() realtime connection}. Thread-safe; every call blocks (run it off the UI thread). Close it to stop
 * the queue's sender and the socket.
 *
 * <pre>{@code
 * HushRydClient api = HushRydClient.builder("https://api.example.com").journal(dir.resolve("hushryd.journal")).build();
 * api.login("+919800000002", "secret-pass-2");
 * Booking b = api.book(tripId, 2);
 * }</pre>
 */
public final class HushRydClient implements AutoCloseable {
    private static final String API = "/api/v1";

    private final Transport transport;
    private final Session session = new Session();
    private final OkHttpClient http;
    private final OfflineQueue queue;
    private final Builder options;
    private volatile RealtimeClient realtime;
    private volatile String phone;

    private HushRydClient(Builder b) throws IOException {
        this.options = b;
        this.http = new OkHttpClient.Builder().connectTimeout(b.connectTimeout).readTimeout(b.readTimeout)
                .writeTimeout(b.readTimeout)
                // OkHttp would silently resend a request whose connection failed, even a POST without a key
                .retryOnConnectionFailure(false).build();
        this.transport = new Transport(http, b.baseUrl, session, b.retry, b.onAttempt);
        this.queue = b.journal == null ? null : OfflineQueue.open(b.journal, queueSender(), b.queueLimits);
        if (queue != null) {
            session.onToken(t -> queue.flushNow()); // signed in (again): its user's actions may go now
        }
    }

    /** The queue sends each action once per try (it keeps trying itself), with the action's own key. */
    private Sender queueSender() {
        JavaType json = Json.MAPPER.getTypeFactory().constructType(JsonNode.class);
        return new Sender() {
            @Override
            public JsonNode send(QueuedAction a) {
                return transport.send(new ApiCall(a.method(), a.path(), a.body(), a.idempotencyKey()), json,
                        RetryPolicy.NONE);
            }

            @Override
            public String userId() {
                return session.userId();
            }
        };
    }

    public static Builder builder(String baseUrl) {
        return new Builder(baseUrl);
    }

    /** Options of a client; defaults as declared. */
    public static final class Builder {
        private final String baseUrl;
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(30);
        private Path journal;
        private OfflineQueue.Limits queueLimits = OfflineQueue.Limits.DEFAULT;
        private Consumer<Attempt> onAttempt = a -> { };
        private boolean rememberCredentials = true;

        private Builder(String baseUrl) {
            this.baseUrl = baseUrl;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = retry;
            return this;
        }

        public Builder timeouts(Duration connect, Duration read) {
            this.connectTimeout = connect;
            this.readTimeout = read;
            return this;
        }

        /** The file of the offline queue (created if absent); without one there is no queue. */
        public Builder journal(Path journal) {
            this.journal = journal;
            return this;
        }

        public Builder queueLimits(OfflineQueue.Limits limits) {
            this.queueLimits = limits;
            return this;
        }

        /** Told of every HTTP attempt (for metrics or logs); must be quick. */
        public Builder onAttempt(Consumer<Attempt> listener) {
            this.onAttempt = listener;
            return this;
        }

        /**
         * Whether {@link HushRydClient#login} keeps the password in memory to log in again when the token expires
         * (default true); without it, give {@link HushRydClient#reloginWith} a way or handle
         * {@code TOKEN_EXPIRED} yourself.
         */
        public Builder rememberCredentials(boolean remember) {
            this.rememberCredentials = remember;
            return this;
        }

        public HushRydClient build() {
            try {
                return new HushRydClient(this);
            } catch (IOException e) {
                throw new IllegalStateException("cannot open the offline queue " + journal + ": " + e.getMessage(), e);
            }
        }
    }

    // ---- session ----

    /** Creates an account and signs in as it. {@code role}: passenger or driver. */
    public Auth register(String phone, String name, String password, String role) {
        Map<String, Object> body = map("phone", phone, "name", name, "password", password, "role", role);
        // no key: registering twice is refused (PHONE_TAKEN), so a lost answer is not retried blindly
        Auth auth = transport.send(new ApiCall("POST", API + "/auth/register", body, null), Auth.class);
        signedIn(auth, phone, password);
        return auth;
    }

    /** Signs in; the token is used by every later call, the queue and the realtime connection. */
    public Auth login(String phone, String password) {
        Auth auth = loginOnly(phone, password);
        signedIn(auth, phone, password);
        return auth;
    }

    private Auth loginOnly(String phone, String password) {
        return transport.send(new ApiCall("POST", API + "/auth/login", map("phone", phone, "password", password),
                null), Auth.class);
    }

    private void signedIn(Auth auth, String phone, String password) {
        session.signedIn(auth.accessToken(), auth.user().id());
        this.phone = phone;
        if (options.rememberCredentials) {
            session.reloginWith(() -> loginOnly(phone, password).accessToken());
        }
    }

    /** Uses a token obtained elsewhere (e.g. kept by the app across restarts). */
    public void useToken(String accessToken, String userId) {
        session.signedIn(accessToken, userId);
    }

    /** How to get a new token when the current one expires (instead of remembered credentials). */
    public void reloginWith(Supplier<String> newToken) {
        session.reloginWith(newToken);
    }

    public String token() {
        return session.token();
    }

    public String userId() {
        return session.userId();
    }

    public User me() {
        return transport.send(ApiCall.get(API + "/me"), User.class);
    }

    /** Changes the name and/or the email (null leaves it as it is). */
    public User updateProfile(String name, String email) {
        return transport.send(new ApiCall("PATCH", API + "/me", map("name", name, "email", email), null),
                User.class);
    }

    /** Another user's profile (public fields only, unless it is yours). */
    public User user(String userId) {
        return transport.send(ApiCall.get(API + "/users/" + userId), User.class);
    }

    public List<EmergencyContact> emergencyContacts() {
        return contacts(transport.send(ApiCall.get(API + "/me/emergency-contacts"), JsonNode.class));
    }

    /** Replaces the emergency contacts an SOS notifies (at most 5). */
    public List<EmergencyContact> setEmergencyContacts(List<EmergencyContact> contacts) {
        return contacts(transport.send(new ApiCall("PUT", API + "/me/emergency-contacts",
                map("contacts", contacts), null), JsonNode.class));
    }

    private static List<EmergencyContact> contacts(JsonNode answer) {
        return Json.MAPPER.convertValue(answer.path("contacts"), Json.MAPPER.getTypeFactory()
                .constructCollectionType(List.class, EmergencyContact.class));
    }

    /** Changes the password: every older token is revoked, the SDK continues with the new one. */
    public Auth changePassword(String currentPassword, String newPassword) {
        Auth auth = transport.send(new ApiCall("POST", API + "/me/password", map("currentPassword", currentPassword,
                "newPassword", newPassword), null), Auth.class);
        if (phone != null) {
            signedIn(auth, phone, newPassword); // a later re-login uses the new password
        } else {
            session.signedIn(auth.accessToken(), null);
        }
        return auth;
    }

    /** Deletes the caller's account (personal data erased; its tokens refused from then on). */
    public void deleteAccount(String password) {
        transport.send(new ApiCall("DELETE", API + "/me", map("password", password), null), Void.class);
    }

    /** Revokes the token on every node. */
    public void logout() {
        transport.send(new ApiCall("POST", API + "/auth/logout", null, null), Void.class);
    }

    // ---- trips and bookings ----

    /** Publishes a trip (drivers). */
    public Trip createTrip(TripInput trip) {
        return transport.send(new ApiCall("POST", API + "/trips", trip, key()), Trip.class);
    }

    public Trip trip(String tripId) {
        return transport.send(ApiCall.get(API + "/trips/" + tripId), Trip.class);
    }

    /** Bookable trips by city and day ({@code yyyy-MM-dd}, in {@code tz}); any argument may be null. */
    public Page<Trip> searchTrips(String from, String to, String date, String tz, String cursor) {
        String q = query("from", from, "to", to, "date", date, "tz", tz, "cursor", cursor);
        return transport.send(ApiCall.get(API + "/trips/search" + q), page(Trip.class), options.retry);
    }

    public Trip startTrip(String tripId) {
        return transport.send(new ApiCall("POST", API + "/trips/" + tripId + "/start", null, null), Trip.class);
    }

    public Trip completeTrip(String tripId) {
        return transport.send(new ApiCall("POST", API + "/trips/" + tripId + "/complete", null, null), Trip.class);
    }

    public Trip cancelTrip(String tripId) {
        return transport.send(new ApiCall("POST", API + "/trips/" + tripId + "/cancel", null, null), Trip.class);
    }

    /** Books seats (passengers); a retry after a lost answer never books twice. 409 SEATS_UNAVAILABLE when full. */
    public Booking book(String tripId, int seats) {
        return transport.send(new ApiCall("POST", API + "/trips/" + tripId + "/bookings", map("seats", seats),
                key()), Booking.class);
    }

    public Page<Booking> bookings(String cursor) {
        return transport.send(ApiCall.get(API + "/bookings" + query("cursor", cursor)), page(Booking.class),
                options.retry);
    }

    /** Cancels a booking now (see {@link OfflineQueue#cancelBooking} to have it done whenever the network allows). */
    public Booking cancelBooking(String bookingId) {
        return transport.send(new ApiCall("DELETE", API + "/bookings/" + bookingId, null, key()), Booking.class);
    }

    // ---- tracking ----

    public Location tripLocation(String tripId) {
        return transport.send(ApiCall.get(API + "/trips/" + tripId + "/location"), Location.class);
    }

    /** The trip's driver reports a position (202); repeating it is harmless: the server keeps the newest. */
    public JsonNode reportLocation(String tripId, double lat, double lng, Double speed, Double heading) {
        return transport.send(new ApiCall("POST", API + "/trips/" + tripId + "/location", map("lat", lat, "lng", lng,
                "speed", speed, "heading", heading), key()), JsonNode.class);
    }

    /** The trip's recorded route in time order (lags by up to the server's history flush interval). */
    public JsonNode route(String tripId) {
        return transport.send(ApiCall.get(API + "/trips/" + tripId + "/route"), JsonNode.class);
    }

    public BatchResult reportLocations(List<LocationPoint> points) {
        return transport.send(new ApiCall("POST", API + "/locations/batch", map("updates", points), key()),
                BatchResult.class);
    }

    public void goOnline(double lat, double lng) {
        transport.send(new ApiCall("POST", API + "/drivers/me/online", map("lat", lat, "lng", lng), null),
                JsonNode.class);
    }

    public void goOffline() {
        transport.send(new ApiCall("POST", API + "/drivers/me/offline", null, null), JsonNode.class);
    }

    public List<NearbyDriver> nearbyDrivers(double lat, double lng, Double radiusKm, Integer limit) {
        JsonNode page = transport.send(ApiCall.get(API + "/drivers/nearby" + query("lat", lat, "lng", lng,
                "radiusKm", radiusKm, "limit", limit)), JsonNode.class);
        return Json.MAPPER.convertValue(page.path("items"), Json.MAPPER.getTypeFactory()
                .constructCollectionType(List.class, NearbyDriver.class));
    }

    // ---- chat ----

    public Page<Conversation> conversations(String cursor) {
        return transport.send(ApiCall.get(API + "/conversations" + query("cursor", cursor)),
                page(Conversation.class), options.retry);
    }

    public MessagePage messages(String conversationId, String before) {
        return transport.send(ApiCall.get(API + "/conversations/" + conversationId + "/messages"
                + query("before", before)), MessagePage.class);
    }

    /** Sends a message now (see {@link OfflineQueue#sendMessage} to queue it); stored once whatever the retries. */
    public Message sendMessage(String conversationId, String text) {
        String key = key();
        return transport.send(new ApiCall("POST", API + "/conversations/" + conversationId + "/messages",
                map("text", text, "clientMessageId", key.substring(0, 32)), key), Message.class);
    }

    // ---- SOS ----

    /**
     * Raises an SOS now, retrying until it is persisted or the retries are spent. Prefer {@link OfflineQueue#sos},
     * which also survives the app being killed and waits for the network as long as it takes.
     */
    public SosAlert sos(SosRequest request) {
        return transport.send(new ApiCall("POST", API + "/sos", request, key()), SosAlert.class);
    }

    public JsonNode sosAlert(String alertId) {
        return transport.send(ApiCall.get(API + "/sos/" + alertId), JsonNode.class);
    }

    /** The owner's phone reports where it is while the alert is open (added to the alert's track). */
    public JsonNode sosLocation(String alertId, double lat, double lng, Double accuracy) {
        return transport.send(new ApiCall("POST", API + "/sos/" + alertId + "/location", map("lat", lat, "lng", lng,
                "accuracy", accuracy), key()), JsonNode.class);
    }

    public JsonNode resolveSos(String alertId) {
        return transport.send(new ApiCall("POST", API + "/sos/" + alertId + "/resolve", null, null), JsonNode.class);
    }

    // ---- documents ----

    /** A presigned upload URL for a document ({@code licence}, {@code rc}, {@code insurance}, {@code id}). */
    public UploadUrl uploadUrl(String documentType, String contentType, long size) {
        return transport.send(new ApiCall("POST", API + "/documents/upload-url", map("documentType", documentType,
                "contentType", contentType, "size", size), null), UploadUrl.class);
    }

    /** PUTs the file to its upload URL (with the headers it came with), then completes it: 202 with the job. */
    public JobReceipt uploadDocument(UploadUrl url, byte[] file) {
        okhttp3.Request.Builder put = new okhttp3.Request.Builder().url(url.uploadUrl())
                .put(okhttp3.RequestBody.create(okhttp3.MediaType.parse(url.headers().getOrDefault("Content-Type",
                        "application/octet-stream")), file));
        url.headers().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("Content-Length") && !k.equalsIgnoreCase("Content-Type")) {
                put.header(k, v);
            }
        });
        try (okhttp3.Response r = http.newCall(put.build()).execute()) {
            if (r.code() / 100 != 2) {
                throw ApiException.of(r.code(), "UPLOAD_FAILED", "the upload URL answered " + r.code(), null,
                        r.header("X-Request-Id"), null);
            }
        } catch (IOException e) {
            throw new NetworkException("PUT " + url.key() + ": " + e.getMessage(), e);
        }
        return completeUpload(url.key());
    }

    public JobReceipt completeUpload(String key) {
        return transport.send(new ApiCall("POST", API + "/documents/" + URLEncoder.encode(key,
                StandardCharsets.UTF_8) + "/complete", null, key()), JobReceipt.class);
    }

    public Page<Document> documents(String cursor) {
        return transport.send(ApiCall.get(API + "/documents" + query("cursor", cursor)), page(Document.class),
                options.retry);
    }

    // ---- queue and realtime ----

    /** The persistent offline queue (the builder's {@code journal}); null when the client has none. */
    public OfflineQueue offlineQueue() {
        return queue;
    }

    /** The Socket.IO connection, created on first use and connected with the current token. */
    public synchronized RealtimeClient realtime() {
        if (realtime == null) {
            realtime = new RealtimeClient(transport.baseUrl(), http, session::token, this::refreshToken);
            session.onToken(realtime::tokenChanged);
            if (queue != null) {
                // connected again: the network is back, do not wait for the queue's backoff
                realtime.onConnectionState(state -> {
                    if (state == com.hushryd.client.realtime.ConnectionState.CONNECTED) {
                        queue.flushNow();
                    }
                });
            }
        }
        return realtime;
    }

    /** Logs in again (remembered credentials or {@link #reloginWith}); false when the SDK has no way to. */
    public boolean refreshToken() {
        if (!session.canRelogin()) {
            return false;
        }
        session.relogin();
        return true;
    }

    @Override
    public void close() {
        if (queue != null) {
            queue.close();
        }
        if (realtime != null) {
            realtime.close();
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    // ---- helpers ----

    /** A new idempotency key: one per logical action. */
    static String key() {
        return UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
    }

    private static JavaType page(Class<?> item) {
        return Json.MAPPER.getTypeFactory().constructParametricType(Page.class, item);
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    private static String query(Object... kv) {
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                parts.add(kv[i] + "=" + URLEncoder.encode(String.valueOf(kv[i + 1]), StandardCharsets.UTF_8));
            }
        }
        parts.forEach(q::add);
        return q.toString();
    }
}
