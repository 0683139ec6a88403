package com.hushryd.chat;

import com.hushryd.rooms.Room;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.chat.ChatStore.ConversationRow;
import com.hushryd.chat.ChatStore.Participants;
import com.hushryd.common.ApiException;
import com.hushryd.http.Reply;
import com.hushryd.common.Validator;
import com.hushryd.idempotency.IdempotentCall;
import com.hushryd.idempotency.Outcome;
import com.hushryd.realtime.PresenceStore;
import com.hushryd.realtime.RealtimeGateway;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import com.hushryd.store.replica.ReadRouter;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rider-driver chat: one conversation per booking between its passenger and the trip's driver. A message is committed
 * to PostgreSQL before it is acknowledged, then delivered to the conversation's room on every node. Blocking; call
 * from worker threads.
 */
public final class ChatService {
    private static final Logger log = LoggerFactory.getLogger(ChatService.class);
    public static final int MAX_TEXT = 2000;

    private final Database db;
    private ReadRouter reads;
    private final RecentMessages recent;
    private final PresenceStore presence;
    private final RealtimeGateway gateway;
    private final Clock clock;
    private final Cache<UUID, Participants> participants = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(5)).build();

    public ChatService(Database db, RecentMessages recent, PresenceStore presence, RealtimeGateway gateway,
            Clock clock) {
        this.db = db;
        this.reads = ReadRouter.primaryOnly(db);
        this.recent = recent;
        this.presence = presence;
        this.gateway = gateway;
        this.clock = clock;
    }


    public record SendInput(String conversationId, String text, String clientMessageId) {
    }

    public record ConversationRef(String conversationId) {
    }

    public record MessagePage(List<Message> items, UUID nextBefore) {
    }

    public record Participant(UUID id, String name, Role role, boolean online, Instant lastSeen) {
    }

    public record TripInfo(String from, String to, Instant departureTime, String status) {
    }

    public record Conversation(UUID id, UUID tripId, boolean open, String bookingStatus, TripInfo trip,
            List<Participant> participants, Message lastMessage) {
    }

    public record ConversationPage(List<Conversation> items, String nextCursor) {
    }

    /** Lets older chat history and the conversation list go to read replicas (decision 0062); writes are reported so their author sees them next. */
    public void useReplicas(ReadRouter reads) {
        this.reads = reads;
    }

    /** Stores and delivers a message; a retry with the same {@code clientMessageId} returns the stored one. */
    public Message send(Principal p, SendInput in, String senderSocketId) throws SQLException {
        Validator v = new Validator();
        UUID conversationId = uuid(v, "conversationId", in.conversationId());
        return send(p, conversationId, v, in.text(), in.clientMessageId(), senderSocketId, IdempotentCall.NONE)
                .value();
    }

    /** {@code POST /conversations/{id}/messages}: the message of {@code chat:send} without the conversation id. */
    public record MessageInput(String text, String clientMessageId) {
    }

    /**
     * {@code POST /conversations/{id}/messages}: stores and delivers a message to every socket of the conversation;
     * 201 with the message, 200 with the stored one for a {@code clientMessageId} sent before, and the first answer
     * again for a retry of a keyed {@code call} (decision 0052).
     */
    public Outcome<Message> post(Principal p, UUID conversationId, MessageInput in, IdempotentCall call)
            throws SQLException {
        return send(p, conversationId, new Validator(), in.text(), in.clientMessageId(), null, call);
    }

    private Outcome<Message> send(Principal p, UUID conversationId, Validator v, String rawText, String rawClientId,
            String senderSocketId, IdempotentCall call) throws SQLException {
        String text = v.text("text", rawText, 1, MAX_TEXT, true);
        String clientId = v.text("clientMessageId", rawClientId, 1, 64, false);
        v.throwIfInvalid();
        Message draft = new Message(Ids.newId(), conversationId, p.userId(), text,
                clock.instant().truncatedTo(ChronoUnit.MICROS), clientId);
        boolean[] inserted = new boolean[1];
        Outcome<Message> outcome;
        try {
            outcome = db.tx(x -> call.run(x, c -> {
                Optional<Message> stored = ChatStore.insert(c, draft);
                inserted[0] = stored.isPresent();
                if (stored.isEmpty() && clientId != null) {
                    stored = ChatStore.byClientId(c, conversationId, p.userId(), clientId);
                }
                return stored.orElseThrow(NotStored::new);
            }, m -> inserted[0] ? Reply.created(m) : Reply.ok(m)));
        } catch (NotStored e) {
            Participants who = participants(conversationId, p);
            throw ApiException.conflict("CONVERSATION_CLOSED", "this conversation no longer accepts messages",
                    Map.of("conversationId", who.conversationId().toString()));
        }
        if (outcome.replayed() || !inserted[0]) {
            return outcome;
        }
        Message m = outcome.value();
        reads.wrote(p.userId());
        try {
            recent.appended(m);
        } catch (RuntimeException e) {
            log.warn("recent-messages cache not updated for {}: {}", conversationId, e.toString());
        }
        gateway.broadcastToRoomExcept(Room.conversation(conversationId).name(), senderSocketId, "chat:message", m);
        return outcome;
    }

    /** Nothing was inserted: the caller is no participant, or the conversation is closed. */
    private static final class NotStored extends RuntimeException {
        NotStored() {
            super(null, null, false, false);
        }
    }

    /** Tells the other participants that the caller is typing. */
    public Map<String, Object> typing(Principal p, ConversationRef ref, String senderSocketId) throws SQLException {
        Validator v = new Validator();
        UUID conversationId = uuid(v, "conversationId", ref.conversationId());
        v.throwIfInvalid();
        participants(conversationId, p);
        Map<String, Object> event = Map.of("conversationId", conversationId, "userId", p.userId());
        gateway.broadcastVolatile(Room.conversation(conversationId).name(), senderSocketId, "chat:typing", event);
        return event;
    }

    /** Messages newest first; the newest {@value RecentMessages#SIZE} come from the shared cache. */
    public MessagePage history(Principal p, UUID conversationId, UUID before, Integer limit) throws SQLException {
        participants(conversationId, p);
        int n = limit == null ? 30 : limit;
        if (before == null && n <= RecentMessages.SIZE) {
            List<Message> newest = newest(conversationId);
            List<Message> page = newest.subList(0, Math.min(n, newest.size()));
            return new MessagePage(List.copyOf(page), newest.size() >= n && !page.isEmpty()
                    ? page.get(page.size() - 1).id() : null);
        }
        List<Message> rows = reads.read(p.userId(), c -> ChatStore.history(c, conversationId, before, n + 1));
        List<Message> page = rows.subList(0, Math.min(n, rows.size()));
        return new MessagePage(List.copyOf(page), rows.size() > n ? page.get(n - 1).id() : null);
    }

    private List<Message> newest(UUID conversationId) throws SQLException {
        try {
            long version = recent.version(conversationId);
            Optional<List<Message>> cached = recent.get(conversationId);
            if (cached.isPresent()) {
                return cached.get();
            }
            List<Message> rows = db.read(c -> ChatStore.history(c, conversationId, null, RecentMessages.SIZE));
            recent.fill(conversationId, version, rows);
            return rows;
        } catch (RuntimeException e) {
            log.warn("recent-messages cache unavailable, reading the database: {}", e.toString());
            return db.read(c -> ChatStore.history(c, conversationId, null, RecentMessages.SIZE));
        }
    }

    public ConversationPage conversations(Principal p, Integer limit, String cursor) throws SQLException {
        int n = limit == null ? 20 : limit;
        Instant afterTime = null;
        UUID afterId = null;
        if (cursor != null) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|");
                afterTime = Instant.parse(parts[0]);
                afterId = UUID.fromString(parts[1]);
            } catch (RuntimeException e) {
                throw new ApiException(400, "INVALID_CURSOR", "cursor: not a cursor this server issued",
                        Map.of("field", "cursor"), null);
            }
        }
        Instant t = afterTime;
        UUID id = afterId;
        List<ConversationRow> rows = reads.read(p.userId(), c -> ChatStore.conversations(c, p.userId(), p.role() == Role.DRIVER,
                t, id, n + 1));
        List<Conversation> items = new ArrayList<>();
        for (ConversationRow r : rows.subList(0, Math.min(n, rows.size()))) {
            items.add(view(r));
        }
        String next = null;
        if (rows.size() > n) {
            ConversationRow last = rows.get(n - 1);
            next = Base64.getUrlEncoder().withoutPadding().encodeToString((last.createdAt() + "|" + last.id())
                    .getBytes(StandardCharsets.UTF_8));
        }
        return new ConversationPage(items, next);
    }

    private Conversation view(ConversationRow r) {
        boolean open = "confirmed".equals(r.bookingStatus())
                && ("scheduled".equals(r.tripStatus()) || "active".equals(r.tripStatus()));
        return new Conversation(r.id(), r.tripId(), open, r.bookingStatus(),
                new TripInfo(r.from(), r.to(), r.departureTime(), r.tripStatus()),
                List.of(participant(r.passengerId(), r.passengerName(), Role.PASSENGER),
                        participant(r.driverId(), r.driverName(), Role.DRIVER)), r.lastMessage());
    }

    private Participant participant(UUID id, String name, Role role) {
        PresenceStore.Presence pr;
        try {
            pr = presence.get(id);
        } catch (RuntimeException e) {
            pr = new PresenceStore.Presence(false, null);
        }
        return new Participant(id, name, role, pr.online(), pr.lastSeen());
    }

    /** The user's open conversations, whose rooms their sockets join. */
    public List<UUID> openConversations(UUID userId) throws SQLException {
        return db.read(c -> ChatStore.openConversationIds(c, userId, 100));
    }

    private Participants participants(UUID conversationId, Principal p) throws SQLException {
        Participants who = participants.getIfPresent(conversationId);
        if (who == null) {
            who = db.read(c -> ChatStore.participants(c, conversationId)).orElse(null);
            if (who != null) {
                participants.put(conversationId, who);
            }
        }
        if (who == null || !who.includes(p.userId())) {
            throw ApiException.notFound("conversation");
        }
        return who;
    }

    private static UUID uuid(Validator v, String field, String value) {
        if (value == null) {
            v.fail(field, "is required");
            return null;
        }
        try {
            if (value.length() == 36) {
                return UUID.fromString(value);
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        v.fail(field, "must be a UUID");
        return null;
    }
}
