package com.hushryd.http;

import com.hushryd.common.Errors;
import com.hushryd.common.ApiException;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class ErrorsTest {
    @Test
    void infrastructureFailuresBecomeRetryable503s() {
        assertThat(Errors.classify(new CompletionException(new RedisCommandTimeoutException("EVALSHA timed out"))))
                .extracting(ApiException::status, ApiException::code).containsExactly(503, "REDIS_TIMEOUT");
        assertThat(Errors.classify(new RedisConnectionException("refused")).code()).isEqualTo("REDIS_UNAVAILABLE");
        assertThat(Errors.classify(new RedisException("Connection closed")).code()).isEqualTo("REDIS_UNAVAILABLE");
        assertThat(Errors.classify(new SQLTransientConnectionException("pool")).code()).isEqualTo("DB_POOL_EXHAUSTED");
        assertThat(Errors.classify(new RejectedExecutionException()).code()).isEqualTo("OVERLOADED");
    }

    @Test
    void bugsStayUnclassified() {
        // a command Redis refused (wrong type, script error) is our bug: a 500 with a logged stack trace
        assertThat(Errors.classify(new RedisCommandExecutionException("WRONGTYPE"))).isNull();
        assertThat(Errors.classify(new IllegalStateException("boom"))).isNull();
    }
}
