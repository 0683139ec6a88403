package com.hushryd.app;

import com.hushryd.common.LogFormat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.jobs.QueueType;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    @Test
    void noSettings_givesEmbeddedDefaults() {
        Config c = ConfigLoader.load(Map.of());
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.database()).isEmpty();
        assertThat(c.redis()).isEmpty();
        assertThat(c.queueType()).isEqualTo(QueueType.POSTGRES);
        assertThat(c.dbPoolMax()).isEqualTo(2 * Runtime.getRuntime().availableProcessors() + 2);
        assertThat(c.jwtSecret()).isEmpty();
        assertThat(c.jwtTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(c.httpBodyLimit()).isEqualTo(256 * 1024);
        assertThat(c.dataDir().isAbsolute()).isTrue();
        assertThat(c.dataDir().getFileName().toString()).isEqualTo("data");
        assertThat(c.nodeId()).matches("[A-Za-z0-9._-]{1,64}");
        assertThat(c.logFormat()).isEqualTo(LogFormat.TEXT);
    }

    @Test
    void nodeRouteAndReadyGrace_areRead_andDefaultToNoPrefixAndFiveSeconds() {
        Config defaults = ConfigLoader.load(Map.of());
        assertThat(defaults.route()).isEmpty();
        assertThat(defaults.shutdownReadyGrace()).isEqualTo(Duration.ofSeconds(5));
        Config c = ConfigLoader.load(Map.of("NODE_ROUTE", "n12", "SHUTDOWN_READY_GRACE", "0"));
        assertThat(c.route()).contains("n12");
        assertThat(c.shutdownReadyGrace()).isZero();
        assertThat(c.describe()).contains("route=n12");
    }

    @Test
    void flag_overridesEnvironment() {
        Config c = ConfigLoader.load(Map.of("PORT", "9000", "DB_POOL_MAX", "50"), Map.of(Setting.PORT, "9100"));
        assertThat(c.port()).isEqualTo(9100);
        assertThat(c.dbPoolMax()).isEqualTo(50);
    }

    @Test
    void dbPoolMax_auto_followsTheEmbeddedDatabasesCores_andIs20ForADatabaseUrl() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(ConfigLoader.load(Map.of()).dbPoolMax()).isEqualTo(2 * cores + 2);
        assertThat(ConfigLoader.load(Map.of("DB_POOL_MAX", "auto")).dbPoolMax()).isEqualTo(2 * cores + 2);
        assertThat(ConfigLoader.load(Map.of("DATABASE_URL", "postgresql://app@db.internal/rides")).dbPoolMax())
                .isEqualTo(20);
        assertThat(ConfigLoader.autoPoolMax(true, 16)).isEqualTo(34);
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("DB_POOL_MAX", "lots")))
                .hasMessageContaining("DB_POOL_MAX");
    }

    @Test
    void seedStyleDatabaseUrl_becomesJdbcWithCredentials() {
        Config c = ConfigLoader.load(Map.of("DATABASE_URL", "postgresql://app:p%40ss@db.internal:6543/rides?sslmode=require"));
        assertThat(c.database()).hasValueSatisfying(d -> {
            assertThat(d.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/rides?sslmode=require");
            assertThat(d.user()).isEqualTo("app");
            assertThat(d.password()).isEqualTo("p@ss");
        });
        assertThat(c.describe()).doesNotContain("p@ss");
    }

    @Test
    void jdbcDatabaseUrl_isKeptAsIs() {
        Config c = ConfigLoader.load(Map.of("DATABASE_URL", "jdbc:postgresql://localhost:5432/x?user=u&password=secret"));
        assertThat(c.database().orElseThrow().jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/x?user=u&password=secret");
        assertThat(c.describe()).doesNotContain("secret");
    }

    @Test
    void redisUrl_withPasswordAndDb_isParsed() {
        Config c = ConfigLoader.load(Map.of("REDIS_URL", "redis://:s3cret@cache:6380/2"));
        assertThat(c.redis()).hasValueSatisfying(r -> {
            assertThat(r.host()).isEqualTo("cache");
            assertThat(r.port()).isEqualTo(6380);
            assertThat(r.password()).isEqualTo("s3cret");
            assertThat(r.database()).isEqualTo(2);
            assertThat(r.tls()).isFalse();
        });
        assertThat(c.describe()).doesNotContain("s3cret");
    }

    @Test
    void redisUrl_clusterForm_listsItsSeeds() {
        Config c = ConfigLoader.load(Map.of("REDIS_URL", "redis-cluster://:s3cret@r1:7000, r2:7001,r3"));
        assertThat(c.redis()).hasValueSatisfying(r -> {
            assertThat(r.cluster()).isTrue();
            assertThat(r.seeds()).containsExactly(new com.hushryd.store.RedisUrl.Seed("r1", 7000),
                    new com.hushryd.store.RedisUrl.Seed("r2", 7001), new com.hushryd.store.RedisUrl.Seed("r3", 6379));
            assertThat(r.password()).isEqualTo("s3cret");
        });
        assertThat(c.describe()).doesNotContain("s3cret").contains("redis-cluster://:***@r1:7000,r2:7001,r3:6379");
        assertThat(c.redis().orElseThrow().tls()).isFalse();
        assertThat(ConfigLoader.load(Map.of("REDIS_URL", "rediss-cluster://r1:7000")).redis().orElseThrow().tls())
                .isTrue();
    }

    @Test
    void redisUrl_clusterFormWithoutNodesOrWithADatabase_failsNamingTheVariable() {
        for (String bad : List.of("redis-cluster://", "redis-cluster://r1:7000/2", "redis-cluster://r1:x")) {
            assertThatThrownBy(() -> ConfigLoader.load(Map.of("REDIS_URL", bad)))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("REDIS_URL");
        }
    }

    @Test
    void cidrs_areParsedAndMatched() {
        Config c = ConfigLoader.load(Map.of("ADMIN_ALLOWED_CIDRS", "10.0.0.0/8, 192.168.1.7 ,::1/128"));
        assertThat(c.adminAllowedCidrs()).hasSize(3);
        var policy = new com.hushryd.auth.AdminPolicy(c.adminAllowedCidrs());
        assertThat(policy.networkAllowed("10.200.3.4")).isTrue();
        assertThat(policy.networkAllowed("192.168.1.7")).isTrue();
        assertThat(policy.networkAllowed("192.168.1.8")).isFalse();
        assertThat(policy.networkAllowed("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(policy.networkAllowed("11.0.0.1")).isFalse();
        assertThat(policy.networkAllowed("not-an-ip")).isFalse();
    }

    @Test
    void readReplicas_defaultNone_listParsed_compressionDefaults() {
        Config none = ConfigLoader.load(Map.of());
        assertThat(none.replicas().urls()).isEmpty();
        assertThat(none.replicas().maxLag()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(none.httpCompressionMinSize()).isEqualTo(1024);
        assertThat(none.realtimePerMessageDeflate()).isFalse();
        Config two = ConfigLoader.load(Map.of("DATABASE_READ_URLS", " postgresql://u:secret@r1:5432/db, "
                + "jdbc:postgresql://r2/db ,", "HTTP_COMPRESSION_MIN_SIZE", "off"));
        assertThat(two.replicas().urls()).hasSize(2);
        assertThat(two.replicas().urls().get(0).password()).isEqualTo("secret");
        assertThat(two.describe()).contains("readReplicas=").doesNotContain("secret");
        assertThat(two.httpCompressionMinSize()).isEqualTo(-1);
    }

    @ParameterizedTest(name = "{0}={1} is refused naming {0}")
    @CsvSource(delimiter = '|', value = {
        "PORT|abc|expected a whole number",
        "PORT|70000|between 0 and 65535",
        "DB_POOL_MAX|0|between 1 and 1000",
        "DB_POOL_TIMEOUT|soon|expected a duration",
        "JWT_TTL|10s|must be between",
        "JWT_SECRET|short|at least 32 bytes",
        "QUEUE_TYPE|kafka|expected one of [postgres, redis, rabbitmq]",
        "DATABASE_URL|mysql://x/y|expected postgresql://",
        "REDIS_URL|http://x|expected redis://",
        "REDIS_URL|redis://host:6379/99|between 0 and 15",
        "ADMIN_ALLOWED_CIDRS|10.0.0.0/33|prefix length out of range",
        "ADMIN_ALLOWED_CIDRS|example.com|not a network",
        "HTTP_BODY_LIMIT|lots|expected a size",
        "LOG_FORMAT|xml|expected one of [text, json]",
        "LOG_LEVEL|loud|expected error, warn",
        "ACCESS_LOG|maybe|expected true or false",
        "NODE_ID|has space|1-64 characters",
        "NODE_ROUTE|n-1|1-16 letters or digits",
        "NODE_ROUTE|abcdefghijklmnopq|1-16 letters or digits",
        "SHUTDOWN_READY_GRACE|soon|expected a duration",
        "SHUTDOWN_READY_GRACE|11m|must be between",
        "BCRYPT_COST|3|between 4 and 16",
        "RATE_LIMIT_SOCKET_EVENTS|30 per second|expected requests/window",
        "RATE_LIMIT_SOCKET_EVENTS|0/1s|at least 1 request",
        "ADVERTISE_ADDRESS|http://node-1:8080|expected host or host:port",
        "ADVERTISE_ADDRESS|node-1:8080/api|expected host or host:port",
        "DATABASE_READ_URLS|mysql://r2/db|expected postgresql://",
        "DATABASE_READ_URLS|'postgresql://r1/db,redis://r2'|expected postgresql://",
        "DB_REPLICA_MAX_LAG|never|expected a duration",
        "DB_REPLICA_MAX_LAG|10ms|must be between",
        "HTTP_COMPRESSION_MIN_SIZE|big|expected a size",
        "REALTIME_PER_MESSAGE_DEFLATE|sometimes|expected true or false",
        "SHED_QUEUE_DELAY|quick|expected a duration",
        "SHED_QUEUE_DELAY|2m|must be between",
        "DB_CRITICAL_YIELD|-1|between 0 and 1000",
        "DB_CRITICAL_YIELD|one|expected a whole number",
    })
    void badValue_stopsTheLoadNamingTheVariable(String variable, String value, String expected) {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(variable, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(variable + ":")
                .hasMessageContaining(expected);
    }

    @Test
    void badFlag_isNamedAsFlagAndVariable() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of(Setting.PORT, "x")))
                .hasMessageStartingWith("--port (PORT):");
    }

    @Test
    void poolMinAboveMax_isRefused() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("DB_POOL_MIN", "30", "DB_POOL_MAX", "10")))
                .hasMessageContaining("DB_POOL_MIN").hasMessageContaining("must not exceed DB_POOL_MAX");
    }

    @Test
    void redisQueueWithoutRedis_isRefused() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("QUEUE_TYPE", "redis")))
                .hasMessageStartingWith("REDIS_URL: required when QUEUE_TYPE=redis");
    }

    @Test
    void adminPhoneWithoutPassword_isRefused() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("ADMIN_PHONE", "+919800000000")))
                .hasMessageContaining("ADMIN_PHONE and ADMIN_PASSWORD must be set together");
    }

    @Test
    void blankVariable_countsAsUnset() {
        Map<String, String> env = new HashMap<>();
        env.put("PORT", " ");
        env.put("DATABASE_URL", "");
        Config c = ConfigLoader.load(env);
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.database()).isEmpty();
    }

    @Test
    void durationsAndSizes_acceptUnits() {
        assertThat(ConfigLoader.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ConfigLoader.parseDuration("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(ConfigLoader.parseDuration("30")).isEqualTo(Duration.ofSeconds(30));
        assertThat(ConfigLoader.parseDuration("-1s")).isNull();
        assertThat(ConfigLoader.load(Map.of("HTTP_BODY_LIMIT", "1mb")).httpBodyLimit()).isEqualTo(1024 * 1024);
    }
}
