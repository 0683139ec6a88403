package com.hushryd.realtime;

import com.hushryd.testing.TestRedisCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Connection state recovery with two nodes on a Redis Cluster: sessions and room histories spread over the shards,
 * one sequence per room (decision 0072).
 */
class RecoveryClusterIT extends RecoveryContract {
    @BeforeAll
    static void start() {
        startNodes(TestRedisCluster.url());
    }

    @AfterAll
    static void stop() {
        stopNodes();
    }
}
