package com.hushryd.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.cache.CacheMetrics;
import com.hushryd.cache.TwoLevelCache;
import com.hushryd.common.ApiException;
import com.hushryd.store.Database;
import com.hushryd.store.DatabaseUrl;
import com.hushryd.store.Jdbc;
import com.hushryd.testing.OwnPostgres;
import com.hushryd.testing.TestPostgres;
import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The batched check of the socket sweep against a real PostgreSQL: same verdicts as one check per user. */
class RevocationsIT {
    private final AtomicInteger borrows = new AtomicInteger();
    private final MetricsTrackerFactory countBorrows = (pool, stats) -> new IMetricsTracker() {
        @Override
        public void recordConnectionAcquiredNanos(long nanos) {
            borrows.incrementAndGet();
        }
    };

    private static Principal principal(UUID user, Role role, String tokenId) {
        Instant issued = Instant.now().minusSeconds(60);
        return new Principal(user, role, issued.plusSeconds(3600), tokenId, issued);
    }

    @Test
    void refused_manyUsers_oneQueryPerBatch_sameVerdictsAsOneByOne() throws Exception {
        try (Database db = Database.connect(DatabaseUrl.parse(TestPostgres.get().newDatabase()),
                new Database.Settings(4, 0, Duration.ofSeconds(5), Duration.ofSeconds(30), "test"), countBorrows)) {
            db.migrate();
            int users = 2 * Revocations.BATCH + 200;
            List<Principal> principals = new ArrayList<>();
            db.tx(c -> {
                for (int i = 0; i < users; i++) {
                    UUID id = UUID.randomUUID();
                    Jdbc.update(c, "INSERT INTO users (id, phone, name, password_hash, role) VALUES (?, ?, ?, ?, ?)",
                            id, "+9190000" + String.format("%05d", i), "u" + i, "x", "passenger");
                    principals.add(principal(id, Role.PASSENGER, "t" + i));
                }
                return null;
            });
            Principal deleted = principals.get(1);
            Principal revokedToken = principals.get(Revocations.BATCH + 3);
            Principal cutOff = principals.get(users - 1);
            Principal wrongRole = principal(principals.get(7).userId(), Role.ADMIN, "t7-admin");
            Principal noAccount = principal(UUID.randomUUID(), Role.PASSENGER, "ghost");
            principals.add(wrongRole);
            principals.add(noAccount);
            db.tx(c -> {
                Jdbc.update(c, "UPDATE users SET deleted_at = now() WHERE id = ?", deleted.userId());
                Revocations.revoke(c, revokedToken.userId(), revokedToken.tokenId(), Instant.now().plusSeconds(600));
                Revocations.revokeAllBefore(c, cutOff.userId(), Instant.now());
                return null;
            });
            Revocations revocations = new Revocations(db, new TwoLevelCache(null, null, CacheMetrics.NONE,
                    Duration.ofSeconds(5), Duration.ofSeconds(5)), Duration.ofMinutes(1), Clock.systemUTC());

            borrows.set(0);
            Map<Principal, ApiException> refused = revocations.refused(principals);

            assertThat(borrows.get()).as("one connection per batch of %d users", Revocations.BATCH).isEqualTo(3);
            assertThat(refused).containsOnlyKeys(deleted, revokedToken, cutOff, wrongRole, noAccount);
            assertThat(refused.get(deleted).code()).isEqualTo("ACCOUNT_DELETED");
            assertThat(refused.get(noAccount).code()).isEqualTo("ACCOUNT_DELETED");
            assertThat(refused.get(revokedToken).code()).isEqualTo("TOKEN_REVOKED");
            assertThat(refused.get(cutOff).code()).isEqualTo("TOKEN_REVOKED");
            assertThat(refused.get(wrongRole).code()).isEqualTo("TOKEN_REVOKED");
            assertThat(refused.values()).allMatch(e -> e.status() == 401);

            borrows.set(0);
            assertThat(revocations.refused(principals)).as("cached now").hasSize(5);
            assertThat(borrows.get()).isZero();
            revocations.changed(revokedToken.userId());
            for (Principal p : principals) {
                boolean one;
                try {
                    revocations.check(p, com.hushryd.common.RouteClass.NORMAL);
                    one = false;
                } catch (ApiException e) {
                    one = true;
                }
                assertThat(one).as("check and refused agree for %s", p).isEqualTo(refused.containsKey(p));
            }
        }
    }

    @Test
    void refused_databaseDown_acceptsValidlySignedTokens_likeCheck() throws Exception {
        try (OwnPostgres pg = OwnPostgres.start();
                Database db = Database.connect(DatabaseUrl.parse(pg.url()),
                        new Database.Settings(2, 0, Duration.ofSeconds(1), Duration.ofSeconds(5), "test"), null)) {
            db.migrate();
            Revocations revocations = new Revocations(db, new TwoLevelCache(null, null, CacheMetrics.NONE,
                    Duration.ofSeconds(5), Duration.ofSeconds(5)), Duration.ofMinutes(1), Clock.systemUTC());
            Principal unknown = principal(UUID.randomUUID(), Role.DRIVER, "t");
            assertThat(revocations.refused(List.of(unknown))).as("database up: no such account").hasSize(1);
            revocations.changed(unknown.userId());
            pg.down();
            assertThat(revocations.refused(List.of(unknown))).isEmpty();
        }
    }
}
