package com.hushryd.notify;

/** Something that delivers a notification, or throws: an HTTP vendor, the development outbox, the in-app sink. */
public interface Provider {
    String name();

    void send(Notification n) throws Exception;
}
