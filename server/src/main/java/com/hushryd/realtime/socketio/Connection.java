package com.hushryd.realtime.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.hushryd.realtime.engineio.EngineSession;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
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
    /** Namespaces whose CONNECT waits for a recovery lookup. */
    private Set<String> connecting;

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
        if (sockets.containsKey(name) || (connecting != null && connecting.contains(name))) {
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
        Recovery recovery = nsp.recovery();
        if (recovery == null) {
            open(nsp, name, payload, user, server.newSocketId(), null, null, null, -1);
            return;
        }
        String incarnation = server.newSocketId();
        String pid = text(payload, "pid");
        // a client that received no numbered packet yet sends no offset: everything since its session began is missed
        boolean fromStart = payload.get("offset") == null;
        long given = fromStart ? -1 : offset(text(payload, "offset"));
        if (pid == null || (!fromStart && given < 0)) {
            open(nsp, name, payload, user, server.newSocketId(), server.newSocketId(), incarnation, null, -1);
            return;
        }
        if (connecting == null) {
            connecting = new HashSet<>(2);
        }
        connecting.add(name);
        recovery.claim(pid, user, incarnation, fromStart ? -1 : given).whenComplete((claimed, failure) ->
                session.execute(() -> {
            connecting.remove(name);
            if (session.isClosed()) {
                return;
            }
            if (failure != null) {
                log.debug("recovering session {} failed: {}", pid, failure.toString());
            }
            long offset = fromStart && claimed != null ? claimed.minOffset() : given;
            if (failure == null && claimed != null && offset >= claimed.minOffset()) {
                server.socket(claimed.socketId()).ifPresent(old -> old.disconnect()); // a half-open earlier self
                open(nsp, name, payload, user, claimed.socketId(), pid, incarnation, claimed, offset);
            } else {
                open(nsp, name, payload, user, server.newSocketId(), server.newSocketId(), incarnation, null, -1);
            }
        }));
    }

    /**
     * Sets up the socket, runs the namespace's preparation and, for a recovery, fetches what the client missed once its
     * rooms are subscribed; then tells the client it is connected and writes the missed packets before anything newer.
     */
    private void open(Namespace nsp, String name, JsonNode payload, Object user, String id, String pid,
            String incarnation, Recovery.Claimed claimed, long offset) {
        SioSocket socket = new SioSocket(id, nsp, this, user, payload, pid, incarnation);
        sockets.put(name, socket);
        server.registered(socket);
        if (claimed != null) {
            socket.holdForRecovery(offset);
            for (String room : claimed.rooms()) {
                socket.joinKey(room);
            }
        }
        nsp.prepare(socket).whenComplete((ok, failure) -> socket.execute(() -> {
            if (!socket.connected() || sockets.get(name) != socket) {
                return; // the client went away meanwhile
            }
            if (failure != null) {
                refuse(socket, name, failure);
                return;
            }
            if (claimed == null) {
                announce(socket, name, pid);
                return;
            }
            // the rooms joined by now (the preparation's joins ran before this task on the same loop)
            List<String> rooms = List.copyOf(socket.rooms());
            nsp.recovery().ready(rooms).thenCompose(v -> nsp.recovery().missed(rooms, offset))
                    .whenComplete((missed, error) -> socket.execute(() -> {
                        if (!socket.connected() || sockets.get(name) != socket) {
                            return;
                        }
                        if (error != null) {
                            // rooms and id stay; a new pid tells the client it did not recover and must re-sync
                            log.debug("session {} not recovered: {}", pid, error.toString());
                            announce(socket, name, server.newSocketId());
                            socket.abandonRecovery();
                            return;
                        }
                        announce(socket, name, pid);
                        socket.recover(missed);
                    }));
        }));
    }

    private void announce(SioSocket socket, String name, String pid) {
        session.send(Encoder.connect(name, socket.id(), pid));
        log.debug("{} connected over session {}", socket, session.sid());
        socket.opened();
        socket.namespace().connected(socket);
    }

    private void refuse(SioSocket socket, String name, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        remove(socket, "refused");
        if (cause instanceof ConnectRefused refused) {
            log.debug("CONNECT to {} refused on session {}: {}", name, session.sid(), refused.getMessage());
            session.send(Encoder.connectError(name, refused.getMessage(), refused.data()));
        } else {
            log.warn("refusing {}: preparing the connection failed: {}", socket, cause.toString());
            session.send(Encoder.connectError(name, "server error; retry", null));
        }
    }

    private static String text(JsonNode payload, String field) {
        JsonNode n = payload.get(field);
        return n != null && n.isTextual() && !n.asText().isEmpty() && n.asText().length() <= 64 ? n.asText() : null;
    }

    /** The client's last offset: a decimal number as this server writes them; anything else: -1. */
    private static long offset(String s) {
        if (s == null || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
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
