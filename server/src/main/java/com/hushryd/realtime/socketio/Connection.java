package com.hushryd.realtime.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.hushryd.realtime.engineio.EngineSession;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Socket.IO state of one Engine.IO session: its namespace sockets and any binary packet being reassembled. */
final class Connection {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private final EngineSession session;
    private final SocketIoServer server;
    private final Map<String, SioSocket> sockets = new HashMap<>(2);
    private Packet partial;
    private List<byte[]> attachments;
    private long connectTimer = -1;

    Connection(EngineSession session, SocketIoServer server) {
        this.session = session;
        this.server = server;
        startConnectTimer();
    }

    /** Closes the session unless a namespace is connected within the connect timeout. */
    private void startConnectTimer() {
        if (connectTimer >= 0) {
            session.context().owner().cancelTimer(connectTimer);
        }
        connectTimer = session.context().owner().setTimer(server.connectTimeout().toMillis(), t -> {
            connectTimer = -1;
            if (sockets.isEmpty()) {
                session.close("no namespace connected in time");
            }
        });
    }

    EngineSession session() {
        return session;
    }

    SocketIoServer server() {
        return server;
    }

    void onText(String data) {
        if (partial != null) {
            protocolError("text packet while binary attachments were expected");
            return;
        }
        Packet p;
        try {
            p = Parser.decode(data);
        } catch (ParseException e) {
            protocolError(e.getMessage());
            return;
        }
        if (p.attachments() > 0) {
            partial = p;
            attachments = new ArrayList<>(p.attachments());
            return;
        }
        dispatch(p);
    }

    void onBinary(byte[] data) {
        if (partial == null) {
            protocolError("unexpected binary attachment");
            return;
        }
        attachments.add(data);
        if (attachments.size() < partial.attachments()) {
            return;
        }
        Packet p = partial;
        List<byte[]> parts = attachments;
        partial = null;
        attachments = null;
        try {
            dispatch(new Packet(p.type(), p.namespace(), p.ackId(), Parser.reassemble(p.data(), parts), 0));
        } catch (ParseException e) {
            protocolError(e.getMessage());
        }
    }

    private void dispatch(Packet p) {
        switch (p.type()) {
            case CONNECT -> connect(p.namespace(), p.data());
            case DISCONNECT -> {
                SioSocket s = sockets.get(p.namespace());
                if (s != null) {
                    // the Engine.IO session stays open (the client may connect a namespace again), as with the
                    // reference server; one left without any namespace is closed after the connect timeout
                    remove(s, "client namespace disconnect");
                }
            }
            case EVENT, BINARY_EVENT -> {
                SioSocket s = sockets.get(p.namespace());
                if (s != null) {
                    s.onEvent((ArrayNode) p.data(), p.ackId());
                }
            }
            case ACK, BINARY_ACK -> {
                SioSocket s = sockets.get(p.namespace());
                if (s != null && !s.onAck(p.ackId(), (ArrayNode) p.data())) {
                    protocolError("acknowledgement of an id never sent");
                }
            }
            case CONNECT_ERROR -> protocolError("CONNECT_ERROR sent by a client");
        }
    }

    private void connect(String name, JsonNode auth) {
        Namespace nsp = server.existingNamespace(name);
        if (nsp == null) {
            session.send(Encoder.connectError(name, "Invalid namespace", null));
            return;
        }
        if (sockets.containsKey(name)) {
            return;
        }
        JsonNode payload = auth == null ? JsonNodeFactory.instance.objectNode() : auth;
        Object user;
        try {
            user = nsp.authorizer().authorize(payload, session);
        } catch (ConnectRefused e) {
            log.debug("CONNECT to {} refused on session {}: {}", name, session.sid(), e.getMessage());
            session.send(Encoder.connectError(name, e.getMessage(), e.data()));
            return;
        }
        if (connectTimer >= 0) {
            session.context().owner().cancelTimer(connectTimer);
            connectTimer = -1;
        }
        SioSocket socket = new SioSocket(server.newSocketId(), nsp, this, user, payload);
        sockets.put(name, socket);
        server.registered(socket);
        nsp.prepare(socket).whenComplete((ok, failure) -> socket.execute(() -> {
            if (!socket.connected() || sockets.get(name) != socket) {
                return; // the client went away meanwhile
            }
            if (failure != null) {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause()
                        != null ? failure.getCause() : failure;
                remove(socket, "refused");
                if (cause instanceof ConnectRefused refused) {
                    log.debug("CONNECT to {} refused on session {}: {}", name, session.sid(), refused.getMessage());
                    session.send(Encoder.connectError(name, refused.getMessage(), refused.data()));
                } else {
                    log.warn("refusing {}: preparing the connection failed: {}", socket, cause.toString());
                    session.send(Encoder.connectError(name, "server error; retry", null));
                }
                return;
            }
            session.send(Encoder.connect(name, socket.id()));
            log.debug("{} connected over session {}", socket, session.sid());
            nsp.connected(socket);
        }));
    }

    void remove(SioSocket socket, String reason) {
        if (sockets.remove(socket.namespace().name(), socket)) {
            server.unregistered(socket);
            socket.onClose(reason);
            if (sockets.isEmpty() && !session.isClosed()) {
                startConnectTimer();
            }
        }
    }

    void onClose(String reason) {
        if (connectTimer >= 0) {
            session.context().owner().cancelTimer(connectTimer);
            connectTimer = -1;
        }
        for (SioSocket s : List.copyOf(sockets.values())) {
            remove(s, reason);
        }
    }

    private void protocolError(String why) {
        server.protocolError();
        log.debug("closing session {} from {}: {}", session.sid(), session.remoteAddress(), why);
        session.close("parse error");
    }
}
