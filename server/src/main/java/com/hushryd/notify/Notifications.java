package com.hushryd.notify;

import com.hushryd.rooms.RoomEvents;
import com.hushryd.rooms.Room;
import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobJson;
import com.hushryd.jobs.JobProducer;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.Priority;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Notification channels on top of the job queues: {@link #send} enqueues one job per message on its channel's queue
 * ({@code notify-sms}, {@code notify-email}, {@code notify-push}, {@code notify-inapp}); the {@code notify} job
 * handler delivers it through the channel's providers (primary, then fallback, each behind a circuit breaker), so a
 * message survives crashes and vendor outages and is retried with backoff until its attempts are spent.
 */
public final class Notifications {
    public static final String JOB_TYPE = "notify";
    /** Attempts of a notification job (more than the default 3: vendors recover within minutes). */
    public static final int ATTEMPTS = 5;

    private final JobProducer producer;
    private final Map<Channel, FailoverSender> senders = new EnumMap<>(Channel.class);

    /**
     * @param inApp where in-app messages go; {@code outbox} also serves every channel without a provider and is the
     *              in-app fallback when {@code inApp} is something else
     */
    public Notifications(JobProducer producer, NotifySettings settings, DevOutbox outbox, RoomEvents inApp) {
        this.producer = producer;
        for (Channel ch : List.of(Channel.SMS, Channel.EMAIL, Channel.PUSH)) {
            List<Provider> chain = new ArrayList<>();
            for (ProviderEndpoint e : settings.of(ch)) {
                chain.add(new HttpProvider(e, settings.breaker().callTimeout()));
            }
            if (chain.isEmpty()) {
                chain.add(outbox);
            }
            senders.put(ch, new FailoverSender(ch, chain, settings.breaker()));
        }
        List<Provider> inAppChain = new ArrayList<>();
        inAppChain.add(new Provider() {
            @Override
            public String name() {
                return inApp == outbox ? "dev-outbox" : "in-app";
            }

            @Override
            public void send(Notification n) throws Exception {
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("type", n.event());
                payload.put("title", n.subject());
                payload.put("body", n.body());
                payload.put("data", n.data());
                inApp.emit(Room.user(n.userId()), "notification", payload);
            }
        });
        if (inApp != outbox) {
            inAppChain.add(outbox);
        }
        senders.put(Channel.IN_APP, new FailoverSender(Channel.IN_APP, inAppChain, settings.breaker()));
    }

    /** The queues of the channels. */
    public static List<String> queues() {
        return Arrays.stream(Channel.values()).map(Channel::queue).toList();
    }

    public JobProducer.Receipt send(Notification n, Priority priority) {
        return producer.submit(job(n, priority));
    }

    /** Enqueues in the caller's transaction (an SOS row and its notifications commit together). */
    public JobProducer.Receipt send(Connection tx, Notification n, Priority priority) throws SQLException {
        return producer.submit(tx, job(n, priority));
    }

    private static JobRequest job(Notification n, Priority priority) {
        if (n.channel() == Channel.IN_APP && n.userId() == null) {
            throw new IllegalArgumentException("an in-app notification needs a userId");
        }
        return JobRequest.of(n.channel().queue(), JOB_TYPE, JobJson.write(n)).withPriority(priority)
                .withAttempts(ATTEMPTS, Duration.ofSeconds(2));
    }

    /**
     * Sends now through the channel's providers (primary, then fallback), for callers that run their own job and record
     * the outcome (SOS); returns the name of the provider that took it.
     */
    public String deliver(Notification n) throws Exception {
        return senders.get(n.channel()).send(n);
    }

    /** Registers the {@code notify} job handler. */
    public void register(JobHandlers handlers) {
        handlers.register(JOB_TYPE, ctx -> {
            Notification n = ctx.payload(Notification.class);
            senders.get(n.channel()).send(n);
        });
    }

    public Map<Channel, FailoverSender> senders() {
        return Map.copyOf(senders);
    }
}
