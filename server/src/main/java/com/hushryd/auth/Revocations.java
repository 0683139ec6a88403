package com.hushryd.auth;

import com.hushryd.cache.TwoLevelCache;
import com.hushryd.common.ApiException;
import com.hushryd.common.RouteClass;
import com.hushryd.auth.SessionCheck;
import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether an access token still speaks for its account: logout revokes one token, a password change or a role change
 * every token issued before it, and a deleted account (or one whose row is gone) has no valid token at all; a token
 * whose role claim differs from the account's current role is refused too, so rights follow the account even when
 * the role was changed outside the API (SQL, another tool). PostgreSQL holds the state; each user's is cached in the
 * "session-rights" namespace of the two-level cache, so a check costs no database call while cached, and a change
 * reaches every node through the cache's invalidation (at once while Redis is up, within the namespace TTL when
 * invalidations are lost or the change bypassed the API). With Redis down checks go to the database. When the
 * database is unreachable too, a token whose signature and expiry are valid is accepted (logged): refusing every
 * signed-in request would turn a database outage into a full outage, including reads served from cache.
 */
public final class Revocations implements SessionCheck {
    private static final Logger log = LoggerFactory.getLogger(Revocations.class);

    /**
     * A user's session state: whether the account is gone (deleted, or no row at all), its current role (null when
     * gone), tokens issued before {@code notBefore} (may be null), and single revoked token ids.
     */
    public record State(boolean deleted, Role role, Instant notBefore, Set<String> tokenIds) {
        static final State GONE = new State(true, null, null, Set.of());
    }

    /** Users whose state one query of {@link #refused} loads. */
    static final int BATCH = 500;

    private final Database db;
    private final TwoLevelCache.Namespace<State> cache;
    private final Clock clock;
    private final AtomicLong lastFailOpenLog = new AtomicLong();

    public Revocations(Database db, TwoLevelCache cache, Duration ttl, Clock clock) {
        this.db = db;
        this.cache = cache.namespace("session-rights", State.class, ttl, 100_000);
        this.clock = clock;
    }

    @Override
    public void check(Principal p, RouteClass routeClass) throws Exception {
        State s;
        // SOS and tracking read through the reserved pool: a saturated shared pool must not hold them up
        Database source = routeClass == RouteClass.CRITICAL ? db.critical() : db;
        try {
            s = cache.get(p.userId().toString(), () -> load(source, p.userId()));
        } catch (CallNotPermittedException | SQLException e) {
            failOpen(e);
            return;
        }
        ApiException refusal = refusal(s, p);
        if (refusal != null) {
            throw refusal;
        }
    }

    /**
     * Checks many principals with one query per {@link #BATCH} users not cached (the socket sweep: 10,000 sockets
     * cost 20 queries, not 10,000); fails open like {@link #check} when the database is unavailable.
     */
    @Override
    public Map<Principal, ApiException> refused(Collection<Principal> principals) throws Exception {
        Set<String> users = new HashSet<>();
        principals.forEach(p -> users.add(p.userId().toString()));
        Map<String, State> states = new HashMap<>();
        List<String> all = new ArrayList<>(users);
        try {
            for (int from = 0; from < all.size(); from += BATCH) {
                states.putAll(cache.getAll(all.subList(from, Math.min(all.size(), from + BATCH)), this::loadAll));
            }
        } catch (CallNotPermittedException | SQLException e) {
            failOpen(e);
            return Map.of();
        }
        Map<Principal, ApiException> refused = new HashMap<>();
        for (Principal p : principals) {
            ApiException refusal = refusal(states.getOrDefault(p.userId().toString(), State.GONE), p);
            if (refusal != null) {
                refused.put(p, refusal);
            }
        }
        return refused;
    }

    private <E extends Exception> void failOpen(E e) throws E {
        if (e instanceof SQLException sql && !Database.unavailable(sql)) {
            throw e;
        }
        long now = System.currentTimeMillis();
        long last = lastFailOpenLog.get();
        if (now - last > 10_000 && lastFailOpenLog.compareAndSet(last, now)) {
            log.warn("token revocations cannot be checked (database unavailable): accepting validly signed "
                    + "tokens until it returns ({})", e.toString());
        }
    }

    private static ApiException refusal(State s, Principal p) {
        if (s.deleted()) {
            return ApiException.unauthorized("ACCOUNT_DELETED", "the account of this access token has been deleted");
        }
        boolean before = s.notBefore() != null && (p.issuedAt() == null || p.issuedAt().isBefore(s.notBefore()));
        if (before || (p.tokenId() != null && s.tokenIds().contains(p.tokenId()))) {
            return ApiException.unauthorized("TOKEN_REVOKED", "this access token has been revoked; log in again");
        }
        if (s.role() != p.role()) {
            return ApiException.unauthorized("TOKEN_REVOKED", "the role of this account has changed since this "
                    + "access token was issued; log in again");
        }
        return null;
    }

    /** The states of these users (every one of them: a user without a row is {@link State#GONE}). */
    private Map<String, State> loadAll(Set<String> userIds) throws SQLException {
        return db.read(c -> {
            Array ids = c.createArrayOf("uuid", userIds.stream().map(UUID::fromString).toArray());
            Map<String, Account> accounts = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT u.id, u.role, u.deleted_at IS NOT NULL AS deleted, "
                    + "t.not_before FROM users u LEFT JOIN token_cutoffs t ON t.user_id = u.id WHERE u.id = ANY(?)")) {
                ps.setArray(1, ids);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        accounts.put(rs.getString("id"), new Account(Role.fromJson(rs.getString("role")),
                                rs.getBoolean("deleted"), Jdbc.instant(rs, "not_before")));
                    }
                }
            }
            Map<String, Set<String>> revoked = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT user_id, token_id FROM token_revocations "
                    + "WHERE user_id = ANY(?) AND expires_at > now()")) {
                ps.setArray(1, ids);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        revoked.computeIfAbsent(rs.getString("user_id"), u -> new HashSet<>())
                                .add(rs.getString("token_id"));
                    }
                }
            }
            Map<String, State> states = new HashMap<>();
            for (String user : userIds) {
                Account a = accounts.get(user);
                states.put(user, a == null || a.deleted() ? State.GONE : new State(false, a.role(), a.notBefore(),
                        Set.copyOf(revoked.getOrDefault(user, Set.of()))));
            }
            return states;
        });
    }

    private record Account(Role role, boolean deleted, Instant notBefore) {
    }

    private static State load(Database db, UUID userId) throws SQLException {
        return db.read(c -> {
            Account account = Jdbc.one(c, "SELECT u.role, u.deleted_at IS NOT NULL AS deleted, t.not_before "
                    + "FROM users u LEFT JOIN token_cutoffs t ON t.user_id = u.id WHERE u.id = ?",
                    rs -> new Account(Role.fromJson(rs.getString("role")), rs.getBoolean("deleted"),
                            Jdbc.instant(rs, "not_before")), userId).orElse(null);
            if (account == null || account.deleted()) {
                return State.GONE;
            }
            List<String> ids = Jdbc.list(c, "SELECT token_id FROM token_revocations WHERE user_id = ? "
                    + "AND expires_at > now()", rs -> rs.getString("token_id"), userId);
            return new State(false, account.role(), account.notBefore(), Set.copyOf(new HashSet<>(ids)));
        });
    }

    /**
     * Calls {@code listener} with a user whose revocations changed (here or on another node), or with null when this
     * node forgot them all (e.g. after Redis reconnected). Must be quick: runs on the invalidating thread.
     */
    public void onChange(java.util.function.Consumer<UUID> listener) {
        cache.onDrop(key -> {
            UUID user = null;
            if (key != null) {
                try {
                    user = UUID.fromString(key);
                } catch (IllegalArgumentException e) {
                    return;
                }
            }
            listener.accept(user);
        });
    }

    /** Revokes the token that proved {@code p} (logout), on every node. */
    public void revoke(Principal p) throws SQLException {
        if (p.tokenId() == null) {
            return;
        }
        Instant expires = p.expiresAt() != null ? p.expiresAt() : clock.instant().plus(Duration.ofDays(30));
        db.tx(c -> {
            revoke(c, p.userId(), p.tokenId(), expires);
            return null;
        });
        cache.invalidate(p.userId().toString());
    }

    /** Within the caller's transaction: revokes one token; forgets revocations of tokens that expired anyway. */
    public static void revoke(Connection c, UUID userId, String tokenId, Instant expiresAt) throws SQLException {
        Jdbc.update(c, "DELETE FROM token_revocations WHERE user_id = ? AND expires_at < now()", userId);
        Jdbc.update(c, "INSERT INTO token_revocations (token_id, user_id, expires_at) VALUES (?, ?, ?) "
                + "ON CONFLICT (token_id) DO NOTHING", tokenId, userId, expiresAt);
    }

    /**
     * Within the caller's transaction: revokes every token of the user issued before {@code at} (to the
     * millisecond, the precision of a token's issue time; a token issued in that very millisecond stays valid, so
     * the caller also revokes the token it acted with by id).
     */
    public static void revokeAllBefore(Connection c, UUID userId, Instant at) throws SQLException {
        Jdbc.update(c, "INSERT INTO token_cutoffs (user_id, not_before) VALUES (?, ?) ON CONFLICT (user_id) "
                + "DO UPDATE SET not_before = EXCLUDED.not_before", userId, at.truncatedTo(ChronoUnit.MILLIS));
    }

    /**
     * Makes every node re-read the user's session state (call after a transaction that revoked tokens, changed the
     * role or deleted the account committed); nodes then disconnect the sockets of tokens no longer valid.
     */
    public void changed(UUID userId) {
        cache.invalidate(userId.toString());
    }
}
