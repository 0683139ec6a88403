package com.hushryd.chat.redis;

import com.hushryd.chat.RecentMessages;
import com.hushryd.chat.RecentMessagesContract;
import com.hushryd.testing.TestRedisCluster;

/** The recent-messages contract on a Redis Cluster. */
class RedisClusterRecentMessagesIT extends RecentMessagesContract {
    @Override
    protected RecentMessages create() {
        return new RedisRecentMessages(TestRedisCluster.redisUrl(), "test");
    }
}
