package com.hushryd.testing;

import java.util.HashMap;
import java.util.Map;

/** Two real nodes sharing one fresh PostgreSQL database and a Redis of their own (which a test may stop). */
public final class TestCluster implements AutoCloseable {
    public final TestRedis.Dedicated redis = TestRedis.dedicated();
    public final String database = TestPostgres.get().newDatabase();
    public final TestNode a;
    public final TestNode b;

    /** Starts nodes {@code <name>-a} and {@code <name>-b} with these extra settings. */
    public TestCluster(String name, Map<String, String> settings) {
        a = node(name + "-a", settings);
        b = node(name + "-b", settings);
    }

    /** Another node of the cluster, with these extra settings. */
    public TestNode node(String nodeId, Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(settings);
        env.put("DATABASE_URL", database);
        env.put("REDIS_URL", redis.url());
        env.put("NODE_ID", nodeId);
        return TestNode.start(env);
    }

    @Override
    public void close() {
        a.close();
        b.close();
        redis.close();
    }
}
