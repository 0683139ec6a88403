package com.hushryd.realtime.memory;

import com.hushryd.realtime.Broker;
import com.hushryd.realtime.BrokerContract;

class InProcessBrokerTest extends BrokerContract {
    @Override
    protected Broker[] createPair() {
        InProcessBroker.Hub hub = new InProcessBroker.Hub();
        return new Broker[] {new InProcessBroker(hub, "a"), new InProcessBroker(hub, "b")};
    }
}
