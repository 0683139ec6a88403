package com.hushryd.client.realtime;

/**
 * The socket's state as an app shows it: {@code CONNECTED} (the tracked trips are subscribed again at each one),
 * {@code RECONNECTING} (the network or the node went away; the SDK reconnects with backoff), {@code REFUSED} (the
 * server refused the token and the SDK could not get a new one: sign in again, then {@link RealtimeClient#connect()}).
 */
public enum ConnectionState {
    CONNECTED, RECONNECTING, REFUSED, CLOSED
}
