package com.hushryd.chat.memory;

import com.hushryd.chat.RecentMessages;
import com.hushryd.chat.RecentMessagesContract;

class MemoryRecentMessagesTest extends RecentMessagesContract {
    @Override
    protected RecentMessages create() {
        return new MemoryRecentMessages(1000);
    }
}
