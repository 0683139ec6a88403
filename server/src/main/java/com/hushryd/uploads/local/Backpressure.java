package com.hushryd.uploads.local;

import io.netty.channel.Channel;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Stops and restarts reading an upload's socket. Pausing a Vert.x request, or its connection, lets Vert.x read on
 * until 16 + 8 chunks are queued: about 190 KiB per upload of heap, or of direct buffers pinned by slices, which for
 * thousands of paused uploads is more memory than their files. Turning Netty's auto-read off stops the reads after
 * the one in progress, and the rest of the body waits in the kernel. Vert.x 5 only exposes the channel through an
 * implementation class (the version is pinned); should that change, this falls back to pausing the request.
 */
final class Backpressure {
    private Backpressure() {
    }

    /** Call on the request's event loop. What was read already still reaches the request's handler. */
    static void pause(HttpServerRequest req) {
        Channel ch = channel(req);
        if (ch != null) {
            ch.config().setAutoRead(false);
        } else {
            req.pause();
        }
    }

    static void resume(HttpServerRequest req) {
        Channel ch = channel(req);
        if (ch != null) {
            ch.config().setAutoRead(true);
        } else {
            req.resume();
        }
    }

    private static Channel channel(HttpServerRequest req) {
        HttpConnection c = req.connection();
        return c instanceof ConnectionBase base ? base.channel() : null;
    }
}
