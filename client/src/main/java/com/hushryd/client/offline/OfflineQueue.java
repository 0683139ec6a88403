package com.hushryd.client.offline;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.hushryd.client.ApiException;
import com.hushryd.client.model.LocationPoint;
import com.hushryd.client.model.SosRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * Critical actions that must happen even if the network is down now and the app is killed before it returns: an SOS,
 * a booking cancellation, a chat message, a batch of driver locations. Each is written to the {@link ActionJournal}
 * (fsync'd) before its method returns, then sent by one background thread in the order queued, each with the
 * idempotency key it got when queued, so that retries (after a lost answer, a crash, a restart of the app with the
 * same journal) make it happen exactly once. Until an action is done, those queued after it wait (order).
 *
 * <p>An action is done when the server accepted it (2xx), or refused it for good (a 4xx other than 401/429: e.g.
 * {@code CONVERSATION_CLOSED}; reported to {@link #onFailed}). No answer, 429, 5xx and 401 (not signed in, token
 * expired and no way to log in again) keep it pending: it is tried again with backoff (up to
 * {@link Limits#maxBackoff()}, honouring {@code Retry-After}), or at once on {@link #flushNow()}. An action is only sent
 * while the user who queued it is signed in.
 *
 * <p>Bounded: at {@link Limits#maxPending()} actions, a new action is refused with {@link QueueFullException}, except
 * an SOS, which is always taken (nothing queued is ever dropped). Thread-safe.
 */
public final class OfflineQueue implements AutoCloseable {
    /** Bounds of the queue; {@link #DEFAULT}: 1,000 actions, retries at most 30 s apart. */
    public record Limits(int maxPending, Duration maxBackoff) {
        public static final Limits DEFAULT = new Limits(1000, Duration.ofSeconds(30));
    }

    private static final String API = "/api/v1";
    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final ActionJournal journal;
    private final Sender sender;
    private final Limits limits;
    private final List<QueuedAction> pending;
    private final List<BiConsumer<QueuedAction, JsonNode>> delivered = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<QueuedAction, ApiException>> failed = new CopyOnWriteArrayList<>();
    private final Thread worker;
    private long nextSeq;
    private boolean wake;
    private volatile boolean closed;

    private OfflineQueue(ActionJournal journal, List<QueuedAction> pending, Sender sender, Limits limits) {
        this.journal = journal;
        this.pending = pending;
        this.sender = sender;
        this.limits = limits;
        this.nextSeq = pending.isEmpty() ? 1 : pending.get(pending.size() - 1).seq() + 1;
        this.worker = new Thread(this::run, "hushryd-offline-queue");
        worker.setDaemon(true);
        worker.start();
    }

    /** Opens the queue on {@code file} (its pending actions are sent as soon as their user is signed in). */
    public static OfflineQueue open(Path file, Sender sender, Limits limits) throws IOException {
        List<QueuedAction> pending = new ArrayList<>();
        ActionJournal journal = ActionJournal.open(file, JSON, pending);
        return new OfflineQueue(journal, pending, sender, limits);
    }

    /** Queues an SOS ({@code POST /sos}); always taken, even beyond the queue's bound. */
    public QueuedAction sos(SosRequest request) {
        return add(ActionType.SOS, "POST", API + "/sos", JSON.valueToTree(request));
    }

    /** Queues the cancellation of a booking ({@code DELETE /bookings/{id}}). */
    public QueuedAction cancelBooking(String bookingId) {
        return add(ActionType.CANCEL_BOOKING, "DELETE", API + "/bookings/" + bookingId, null);
    }

    /** Queues a chat message ({@code POST /conversations/{id}/messages}, its clientMessageId from the key). */
    public QueuedAction sendMessage(String conversationId, String text) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("text", text);
        return add(ActionType.CHAT_MESSAGE, "POST", API + "/conversations/" + conversationId + "/messages", body);
    }

    /** Queues driver positions ({@code POST /locations/batch}, at most 500). */
    public QueuedAction reportLocations(List<LocationPoint> points) {
        if (points.isEmpty() || points.size() > 500) {
            throw new IllegalArgumentException("a location batch holds 1 to 500 points");
        }
        return add(ActionType.LOCATION_BATCH, "POST", API + "/locations/batch", Map.of("updates", points));
    }

    private synchronized QueuedAction add(ActionType type, String method, String path, Object body) {
        if (closed) {
            throw new IllegalStateException("the offline queue is closed");
        }
        String user = sender.userId();
        if (user == null) {
            throw new IllegalStateException("sign in before queueing actions: they are sent as their user");
        }
        if (type != ActionType.SOS && pending.size() >= limits.maxPending()) {
            throw new QueueFullException("the offline queue holds " + pending.size() + " actions (its limit); "
                    + "only an SOS is still taken");
        }
        String key = UUID.randomUUID().toString();
        JsonNode json = body == null ? null : JSON.valueToTree(body);
        if (type == ActionType.CHAT_MESSAGE) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) json).put("clientMessageId", key);
        }
        QueuedAction a = new QueuedAction(nextSeq++, type, method, path, json, key, user,
                System.currentTimeMillis());
        journal.add(a);
        pending.add(a);
        notifyAll();
        return a;
    }

    /** The actions not done yet, in the order they will be sent. */
    public synchronized List<QueuedAction> pending() {
        return List.copyOf(pending);
    }

    /** Called (on the queue's thread) with each action the server accepted and its answer. */
    public void onDelivered(BiConsumer<QueuedAction, JsonNode> listener) {
        delivered.add(listener);
    }

    /** Called (on the queue's thread) with each action the server refused for good; it is not tried again. */
    public void onFailed(BiConsumer<QueuedAction, ApiException> listener) {
        failed.add(listener);
    }

    /** Tries the head of the queue now (e.g. when the network or the socket is back), not after the backoff. */
    public synchronized void flushNow() {
        wake = true;
        notifyAll();
    }

    private void run() {
        long backoff = 0;
        while (!closed) {
            QueuedAction head;
            synchronized (this) {
                head = pending.isEmpty() ? null : pending.get(0);
                if (head == null || !head.userId().equals(sender.userId())) {
                    waitQuietly(head == null ? 0 : 1000);
                    continue;
                }
            }
            try {
                JsonNode answer = sender.send(head);
                finish(head, "delivered");
                delivered.forEach(l -> l.accept(head, answer));
                backoff = 0;
            } catch (ApiException e) {
                if (e.retryable() || e.status() == 401 || e.status() >= 500) {
                    backoff = pause(backoff, e.retryAfter().orElse(null));
                } else {
                    finish(head, "failed " + e.status() + " " + e.code());
                    failed.forEach(l -> l.accept(head, e));
                }
            } catch (RuntimeException e) {
                backoff = pause(backoff, null); // no answer: the network is down, the server is gone
            }
        }
    }

    private synchronized void finish(QueuedAction a, String outcome) {
        pending.remove(a);
        journal.done(a.seq(), outcome, pending);
    }

    private synchronized long pause(long previous, Duration retryAfter) {
        long next = previous == 0 ? 250 : Math.min(limits.maxBackoff().toMillis(), previous * 2);
        long wait = retryAfter != null ? Math.min(retryAfter.toMillis(), limits.maxBackoff().toMillis())
                : next / 2 + ThreadLocalRandom.current().nextLong(next / 2 + 1);
        waitQuietly(Math.max(1, wait));
        return next;
    }

    /** Waits for a new action, {@link #flushNow()}, close or the timeout (0: no timeout); holds the lock. */
    private void waitQuietly(long millis) {
        if (wake) {
            wake = false;
            return;
        }
        try {
            wait(millis);
        } catch (InterruptedException e) {
            closed = true;
            Thread.currentThread().interrupt();
        }
        wake = false;
    }

    /** Stops sending; what is pending stays in the journal for the next {@link #open}. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            worker.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        journal.close();
    }
}
