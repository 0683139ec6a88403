package com.hushryd.chat.redis;

import com.hushryd.chat.RecentMessages;
import com.hushryd.chat.RecentMessagesContract;
import com.hushryd.testing.TestRedis;

class RedisRecentMessagesIT extends RecentMessagesContract {
    @Override
    protected RecentMessages create() {
        return new RedisRecentMessages(TestRedis.redisUrl(), "test");
    }
}
