package com.hushryd.realtime.socketio;

import com.hushryd.realtime.engineio.EngineListener;
import com.hushryd.realtime.engineio.EngineSession;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Socket.IO v5 on top of Engine.IO: namespaces, the CONNECT handshake with an auth payload, events and acks in both
 * directions, binary attachments. A malformed packet closes its own connection and nothing else.
 */
public final class SocketIoServer implements EngineListener {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConcurrentHashMap<String, Namespace> namespaces = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, SioSocket> sockets = new ConcurrentHashMap<>();
    private final Rooms rooms = new Rooms();
    private final Duration connectTimeout;
    private final AtomicLong protocolErrors = new AtomicLong();

    public SocketIoServer(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /** The namespace of this name, created on first use. */
    public Namespace namespace(String name) {
        if (!name.startsWith("/")) {
            throw new IllegalArgumentException("namespace must start with '/': " + name);
        }
        return namespaces.computeIfAbsent(name, Namespace::new);
    }

    Namespace existingNamespace(String name) {
        return namespaces.get(name);
    }

    public Rooms rooms() {
        return rooms;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    /** A socket connected to this node, by id. */
    public Optional<SioSocket> socket(String id) {
        return Optional.ofNullable(sockets.get(id));
    }

    /** Sockets (namespace connections) on this node. */
    public int socketCount() {
        return sockets.size();
    }

    public long protocolErrors() {
        return protocolErrors.get();
    }

    void protocolError() {
        protocolErrors.incrementAndGet();
    }

    String newSocketId() {
        byte[] b = new byte[15];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    void registered(SioSocket s) {
        sockets.put(s.id(), s);
    }

    void unregistered(SioSocket s) {
        sockets.remove(s.id(), s);
    }

    @Override
    public void onOpen(EngineSession session) {
        session.attach(new Connection(session, this));
    }

    @Override
    public void onText(EngineSession session, String data) {
        ((Connection) session.attachment()).onText(data);
    }

    @Override
    public void onBinary(EngineSession session, byte[] data) {
        ((Connection) session.attachment()).onBinary(data);
    }

    @Override
    public void onClose(EngineSession session, String reason) {
        Connection c = (Connection) session.attachment();
        if (c != null) {
            c.onClose(reason);
        }
    }
}
