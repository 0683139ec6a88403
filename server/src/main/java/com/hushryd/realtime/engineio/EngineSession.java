package com.hushryd.realtime.engineio;

import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Engine.IO connection: its transport (long-polling, WebSocket, or polling being upgraded), heartbeat and
 * outbound buffer. Confined to one event loop: every method must run on {@link #context()}.
 */
public final class EngineSession {
    private static final Logger log = LoggerFactory.getLogger(EngineSession.class);

    enum Transport {
        POLLING, WEBSOCKET
    }

    private final String sid;
    private final Context context;
    private final Thread loopThread;
    private final EngineServer server;
    private final EngineOptions options;
    private final String remoteAddress;
    private final MultiMap handshakeHeaders;

    private Transport transport;
    private ServerWebSocket ws;
    private ServerWebSocket probe;
    private boolean upgrading;
    private HttpServerRequest pendingGet;
    private boolean postInFlight;
    /** Frames waiting for a polling GET; created on first use (a WebSocket session never needs one). */
    private ArrayDeque<Frame> queue;
    private long queuedBytes;
    private boolean closed;
    private long pingTimer = -1;
    private long pingTimeoutTimer = -1;
    private long upgradeTimer = -1;
    private Object attachment;

    EngineSession(String sid, Context context, EngineServer server, Transport transport, String remoteAddress,
            MultiMap handshakeHeaders) {
        this.sid = sid;
        this.context = context;
        this.loopThread = Thread.currentThread();
        this.server = server;
        this.options = server.options();
        this.transport = transport;
        this.remoteAddress = remoteAddress;
        this.handshakeHeaders = handshakeHeaders;
    }

    public String sid() {
        return sid;
    }

    public Context context() {
        return context;
    }

    /** Whether the caller runs on this session's event loop. */
    public boolean onLoop() {
        return Thread.currentThread() == loopThread;
    }

    /** Runs the task on this session's event loop (at once when already there). */
    public void execute(Runnable task) {
        onSessionLoop(task);
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    public MultiMap handshakeHeaders() {
        return handshakeHeaders;
    }

    public boolean isWebSocket() {
        return transport == Transport.WEBSOCKET;
    }

    public boolean isClosed() {
        return closed;
    }

    /** State of the layer above (the Socket.IO connection). */
    public Object attachment() {
        return attachment;
    }

    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    Transport transport() {
        return transport;
    }

    boolean upgrading() {
        return upgrading;
    }

    /**
     * Runs on this session's event loop. Handlers registered on another connection (a polling request, the WebSocket
     * of an upgrade) fire on that connection's event loop, which may be another thread.
     */
    void onSessionLoop(Runnable task) {
        if (Thread.currentThread() == loopThread) {
            task.run();
        } else {
            context.runOnContext(v -> task.run());
        }
    }

    // ---- opening

    void openWithWebSocket(ServerWebSocket socket) {
        ws = socket;
        configure(socket);
        socket.textMessageHandler(this::onWebSocketText);
        socket.binaryMessageHandler(buf -> onBinary(buf.getBytes()));
        socket.closeHandler(v -> onTransportClosed(socket));
        socket.exceptionHandler(e -> onTransportError(socket, e));
        write(Frame.text("0" + server.openPacket(sid, false)));
        server.listener().onOpen(this);
        schedulePing();
    }

    Buffer openWithPolling() {
        server.listener().onOpen(this);
        schedulePing();
        return Buffer.buffer("0" + server.openPacket(sid, true));
    }

    private void configure(ServerWebSocket socket) {
        socket.setWriteQueueMaxSize(options.maxBufferedBytes());
    }

    // ---- sending

    /** Sends one packet; a client that has fallen {@code maxBufferedBytes} behind is disconnected instead. */
    public void send(Frame frame) {
        if (!closed) {
            write(frame);
        }
    }

    public void send(List<Frame> frames) {
        for (int i = 0; i < frames.size() && !closed; i++) {
            write(frames.get(i));
        }
    }

    private void write(Frame frame) {
        if (transport == Transport.WEBSOCKET) {
            if (ws.isClosed()) {
                return; // the peer went away; its close handler ends the session
            }
            if (ws.writeQueueFull()) {
                server.slowConsumer();
                close("slow consumer", false);
                return;
            }
            // the same bytes go to every socket of a broadcast: wrap, never copy or re-encode
            ws.writeFrame(new WebSocketFrameImpl(frame.binary() ? WebSocketFrameType.BINARY : WebSocketFrameType.TEXT,
                    Unpooled.wrappedBuffer(frame.bytes()), true));
            return;
        }
        queuedBytes += frame.pollingSize() + 1;
        if (queuedBytes > options.maxBufferedBytes()) {
            server.slowConsumer();
            close("slow consumer", false);
            return;
        }
        queue().add(frame);
        flushPolling();
    }

    private ArrayDeque<Frame> queue() {
        if (queue == null) {
            queue = new ArrayDeque<>(4);
        }
        return queue;
    }

    private void flushPolling() {
        if (pendingGet != null && !queue().isEmpty()) {
            List<Frame> frames = new ArrayList<>(queue());
            queue().clear();
            queuedBytes = 0;
            respond(pendingGet, 200, Payload.encode(frames));
            pendingGet = null;
        }
    }

    private void respond(HttpServerRequest req, int status, Buffer body) {
        if (req.response().ended() || req.response().closed()) {
            return;
        }
        server.cors(req);
        req.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=UTF-8").end(body);
    }

    // ---- polling requests

    void onPollingGet(HttpServerRequest req) {
        if (closed) {
            server.error(req, EngineError.UNKNOWN_SID);
            return;
        }
        if (pendingGet != null) {
            // two concurrent GETs: the client is broken or the sid was stolen; end the session
            server.error(req, EngineError.BAD_REQUEST);
            close("multiple concurrent GET requests", false);
            return;
        }
        pendingGet = req;
        req.connection().closeHandler(v -> onSessionLoop(() -> {
            if (pendingGet == req) {
                pendingGet = null;
            }
        }));
        if (upgrading && queue().isEmpty()) {
            queue().add(Frame.NOOP);
        }
        flushPolling();
    }

    void onPollingPost(HttpServerRequest req, Buffer body) {
        if (closed) {
            server.error(req, EngineError.UNKNOWN_SID);
            return;
        }
        if (postInFlight) {
            server.error(req, EngineError.BAD_REQUEST);
            close("multiple concurrent POST requests", false);
            return;
        }
        List<Payload.Inbound> packets;
        try {
            packets = Payload.decode(body);
        } catch (IllegalArgumentException e) {
            server.error(req, EngineError.BAD_REQUEST);
            close("parse error", false);
            return;
        }
        postInFlight = true;
        boolean valid = true;
        try {
            for (Payload.Inbound p : packets) {
                if (closed) {
                    break;
                }
                if (p.binary() != null) {
                    onBinary(p.binary());
                } else {
                    valid = onPacket(p.text(), false);
                }
            }
        } finally {
            postInFlight = false;
        }
        if (valid) {
            respond(req, 200, Buffer.buffer("ok"));
        } else {
            server.error(req, EngineError.BAD_REQUEST);
        }
    }

    // ---- WebSocket frames

    private void onWebSocketText(String text) {
        if (!closed) {
            onPacket(text, true);
        }
    }

    private void onBinary(byte[] data) {
        if (!closed) {
            server.listener().onBinary(this, data);
        }
    }

    /** @return false when the packet is not an Engine.IO packet (the session is then closed) */
    private boolean onPacket(String packet, boolean overWebSocket) {
        char type = packet.isEmpty() ? 0 : packet.charAt(0);
        switch (type) {
            case '4' -> server.listener().onText(this, packet.substring(1));
            case '3' -> onPong();
            case '2' -> {
                if (packet.length() != 1) {
                    close("parse error", false);
                    return false;
                }
                send(Frame.PONG);
            }
            case '1' -> close("client close", true);
            case '5', '6' -> {
                // upgrade outside an upgrade, or noop: nothing to do
            }
            default -> {
                close("parse error", false);
                return false;
            }
        }
        return true;
    }

    // ---- heartbeat

    private void schedulePing() {
        pingTimer = context.owner().setTimer(options.pingInterval().toMillis(), id -> {
            pingTimer = -1;
            if (closed) {
                return;
            }
            send(Frame.PING);
            pingTimeoutTimer = context.owner().setTimer(options.pingTimeout().toMillis(), t -> {
                pingTimeoutTimer = -1;
                close("ping timeout", false);
            });
        });
    }

    private void onPong() {
        if (pingTimeoutTimer >= 0) {
            context.owner().cancelTimer(pingTimeoutTimer);
            pingTimeoutTimer = -1;
            schedulePing();
        }
    }

    // ---- upgrade from polling to WebSocket

    /** A WebSocket opened with this session's sid: it probes ({@code 2probe}/{@code 3probe}) and then upgrades ({@code 5}). */
    void attachProbe(ServerWebSocket socket) {
        if (closed || transport != Transport.POLLING || probe != null) {
            socket.close((short) 1008, "upgrade refused");
            return;
        }
        probe = socket;
        configure(socket);
        // timers fire on the context that set them: this one, the session's
        upgradeTimer = context.owner().setTimer(options.upgradeTimeout().toMillis(), id -> {
            upgradeTimer = -1;
            if (probe == socket) {
                abandonUpgrade();
                socket.close();
            }
        });
        socket.textMessageHandler(text -> onSessionLoop(() -> onProbeText(socket, text)));
        socket.binaryMessageHandler(buf -> {
            byte[] data = buf.getBytes();
            onSessionLoop(() -> {
                if (transport == Transport.WEBSOCKET && ws == socket) {
                    onBinary(data);
                }
            });
        });
        socket.closeHandler(v -> onSessionLoop(() -> onTransportClosed(socket)));
        socket.exceptionHandler(e -> onSessionLoop(() -> onTransportError(socket, e)));
        socket.resume();
    }

    private void onProbeText(ServerWebSocket socket, String text) {
        if (closed) {
            return;
        }
        if (transport == Transport.WEBSOCKET && ws == socket) {
            onPacket(text, true);
            return;
        }
        if ("2probe".equals(text)) {
            socket.writeTextMessage("3probe");
            upgrading = true;
            if (pendingGet != null && queue().isEmpty()) {
                queue().add(Frame.NOOP);
            }
            flushPolling();
        } else if ("5".equals(text) && upgrading) {
            completeUpgrade(socket);
        }
    }

    private void completeUpgrade(ServerWebSocket socket) {
        if (upgradeTimer >= 0) {
            context.owner().cancelTimer(upgradeTimer);
            upgradeTimer = -1;
        }
        if (pendingGet != null) {
            queue().addFirst(Frame.NOOP);
            flushPolling();
        }
        transport = Transport.WEBSOCKET;
        ws = socket;
        probe = null;
        upgrading = false;
        List<Frame> buffered = queue == null ? List.of() : new ArrayList<>(queue);
        queue = null;
        queuedBytes = 0;
        send(buffered);
        server.upgraded(this);
    }

    private void abandonUpgrade() {
        probe = null;
        upgrading = false;
    }

    // ---- closing

    private void onTransportClosed(ServerWebSocket socket) {
        if (socket == probe) {
            abandonUpgrade();
            return;
        }
        if (socket == ws) {
            close("transport close", false);
        }
    }

    private void onTransportError(ServerWebSocket socket, Throwable e) {
        log.debug("session {} transport error: {}", sid, e.toString());
        onTransportClosed(socket);
    }

    /** Closes the session, telling the layer above why; idempotent. */
    public void close(String reason) {
        close(reason, false);
    }

    void close(String reason, boolean byClient) {
        if (closed) {
            return;
        }
        closed = true;
        log.debug("session {} closed: {}", sid, reason);
        for (long timer : new long[] {pingTimer, pingTimeoutTimer, upgradeTimer}) {
            if (timer >= 0) {
                context.owner().cancelTimer(timer);
            }
        }
        server.removed(this);
        if (pendingGet != null) {
            respond(pendingGet, 200, Payload.encode(List.of(byClient ? Frame.NOOP : Frame.CLOSE)));
            pendingGet = null;
        }
        queue = null;
        if (ws != null && !ws.isClosed()) {
            ws.close((short) (reason.equals("slow consumer") ? 1008 : 1000), reason);
        }
        if (probe != null && !probe.isClosed()) {
            probe.close();
        }
        server.listener().onClose(this, reason);
    }
}
