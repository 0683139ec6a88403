package com.hushryd.uploads.local;

import com.hushryd.common.ApiException;
import com.hushryd.common.Errors;
import com.hushryd.common.Json;
import com.hushryd.uploads.UploadMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives uploads into the {@link LocalObjectStore}: {@code PUT /uploads/{key}?expires&size&type&sig}, on the event
 * loop, without blocking it and without holding bodies in memory. The URL, content type and length are checked
 * before a byte is read. A bounded number of uploads is received at once (the others wait with their sockets paused,
 * so what their clients send stays in the kernel's buffers); each streams into a part file with backpressure (its
 * socket is paused while the file's write queue is full), is counted, flushed to disk and linked into place only
 * when exactly the signed number of bytes arrived. Memory is thus bounded by the number of slots, not by the number
 * of clients or the size of their files (decision 0020). A client whose body stops arriving for the stall timeout
 * (HTTP_BODY_TIMEOUT) while it holds a slot gets 408 and its connection is closed, so it cannot hold the slot
 * forever. Every refusal is the API's JSON error shape.
 */
public final class LocalUploadReceiver {
    public static final String PATH = "/uploads/";
    private static final Logger log = LoggerFactory.getLogger(LocalUploadReceiver.class);
    private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    /** How much of a refused body is read and dropped so the client sees the answer; past it the connection closes. */
    private static final long DRAIN_LIMIT = 1024 * 1024;

    /** Bytes one upload may have queued for its file before its socket is paused. */
    private static final int FILE_WRITE_QUEUE = 64 * 1024;

    private final Vertx vertx;
    private final LocalObjectStore store;
    private final UploadMetrics metrics;
    private final Slots slots;
    private final int fileWriteQueue;
    private final long stallMillis;

    /**
     * @param streams how many uploads are received at once; the others wait, their sockets paused, for a slot
     * @param stall   the longest pause in a body being received (not counting pauses the receiver itself makes)
     */
    public LocalUploadReceiver(Vertx vertx, LocalObjectStore store, int streams, Duration stall,
            UploadMetrics metrics) {
        this(vertx, store, streams, stall, metrics, FILE_WRITE_QUEUE);
    }

    /** @param fileWriteQueue bytes one upload may have queued for its file before its socket is paused */
    LocalUploadReceiver(Vertx vertx, LocalObjectStore store, int streams, Duration stall, UploadMetrics metrics,
            int fileWriteQueue) {
        this.vertx = vertx;
        this.store = store;
        this.slots = new Slots(streams);
        this.stallMillis = Math.max(1, stall.toMillis());
        this.metrics = metrics;
        this.fileWriteQueue = fileWriteQueue;
    }

    /** Uploads being received now, and waiting for a slot. */
    public int active() {
        return slots.used();
    }

    public int waiting() {
        return slots.waiting();
    }

    /** Whether this receiver serves the request's path. */
    public static boolean handles(String path) {
        return path.startsWith(PATH);
    }

    public void handle(HttpServerRequest req) {
        req.pause();
        long start = System.nanoTime();
        String clientId = req.getHeader("X-Request-Id");
        String requestId = clientId != null && CLIENT_REQUEST_ID.matcher(clientId).matches()
                ? clientId : Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        req.response().putHeader("X-Request-Id", requestId);
        LocalObjectStore.Grant grant;
        try {
            grant = admit(req);
        } catch (ApiException e) {
            refuse(req, requestId, e, start, 0);
            return;
        }
        Context context = Vertx.currentContext();
        // a client that goes away while waiting for a slot is noticed when its socket is read again
        AtomicBoolean gone = new AtomicBoolean();
        req.exceptionHandler(e -> gone.set(true));
        Runnable begin = () -> context.runOnContext(v -> receive(req, requestId, grant, start, gone));
        if (slots.acquireOrQueue(begin)) {
            receive(req, requestId, grant, start, gone);
        } else {
            // waiting: stop reading the socket now, so that what the client sends stays in the kernel's buffers
            Backpressure.pause(req);
        }
    }

    /** Holds a slot: checks the URL was not used, opens the part file and streams the body into it. */
    private void receive(HttpServerRequest req, String requestId, LocalObjectStore.Grant grant, long start,
            AtomicBoolean gone) {
        if (gone.get()) {
            slots.release();
            metrics.received("aborted", 0, System.nanoTime() - start);
            return;
        }
        Backpressure.resume(req);
        String key = grant.key();
        Path part = store.partFile(key);
        vertx.fileSystem().exists(store.file(key).toString()).compose(exists -> {
            if (exists) {
                return Future.failedFuture(alreadyUsed(key));
            }
            return vertx.fileSystem().open(part.toString(), new OpenOptions().setWrite(true).setCreateNew(true));
        }).onComplete(ar -> {
            if (ar.failed()) {
                slots.release();
                refuse(req, requestId, classify(ar.cause(), true), start, 0);
            } else {
                new Upload(req, requestId, grant, part, ar.result(), start).begin(gone);
            }
        });
    }

    /** Checks everything that can be checked before the body: the URL, the method, the content type and length. */
    private LocalObjectStore.Grant admit(HttpServerRequest req) {
        if (req.method() != HttpMethod.PUT) {
            throw new ApiException(405, "METHOD_NOT_ALLOWED", "upload URLs accept PUT only", null,
                    Map.of("Allow", "PUT"));
        }
        String key = req.path().substring(PATH.length());
        LocalObjectStore.Grant grant = store.verify(key, req.getParam("expires"), req.getParam("size"),
                req.getParam("type"), req.getParam("sig"));
        String type = req.getHeader("Content-Type");
        if (type == null || !type.trim().toLowerCase(Locale.ROOT).equals(grant.contentType())) {
            throw new ApiException(415, "CONTENT_TYPE_MISMATCH", "this upload URL is for Content-Type "
                    + grant.contentType() + ", the request sent " + (type == null ? "none" : type),
                    Map.of("expected", grant.contentType()), null);
        }
        String length = req.getHeader("Content-Length");
        if (length == null) {
            throw new ApiException(411, "LENGTH_REQUIRED", "send Content-Length: " + grant.size()
                    + " (chunked uploads are not accepted)");
        }
        long declared;
        try {
            declared = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("BAD_REQUEST", "Content-Length is not a number");
        }
        if (declared > grant.size()) {
            throw tooLarge(grant.size());
        }
        if (declared != grant.size()) {
            throw sizeMismatch(grant.size(), declared);
        }
        return grant;
    }

    private static ApiException tooLarge(long size) {
        return new ApiException(413, "PAYLOAD_TOO_LARGE", "this upload URL is for exactly " + size + " bytes",
                Map.of("limitBytes", size), null);
    }

    private static ApiException sizeMismatch(long size, long got) {
        return ApiException.badRequest("SIZE_MISMATCH", "this upload URL is for exactly " + size + " bytes, got "
                + got);
    }

    private static ApiException alreadyUsed(String key) {
        return new ApiException(409, "URL_ALREADY_USED", "an object was already uploaded with this URL (" + key
                + "); upload URLs are single-use: ask for a new one");
    }

    private static ApiException classify(Throwable t, boolean opening) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ApiException api) {
                return api;
            }
            if (c instanceof FileAlreadyExistsException) {
                return opening ? new ApiException(409, "UPLOAD_IN_PROGRESS",
                        "another upload with this URL is in progress") : null;
            }
        }
        log.warn("local object store failed: {}", t.toString());
        return ApiException.unavailable("STORAGE_UNAVAILABLE", "the upload could not be stored; retry shortly", 5);
    }

    /**
     * Answers with the error and drops what is left of the body (up to a bound), then closes the connection; the
     * future completes when the answer was written (at once if it could not be).
     */
    private Future<Void> refuse(HttpServerRequest req, String requestId, ApiException e, long start, long bytes) {
        metrics.received(e.code(), bytes, System.nanoTime() - start);
        HttpServerResponse resp = req.response();
        Future<Void> answered = Future.succeededFuture();
        if (!resp.headWritten() && !resp.closed()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", Errors.body(e));
            body.put("requestId", requestId);
            resp.setStatusCode(e.status());
            e.headers().forEach(resp::putHeader);
            if (!req.isEnded()) {
                resp.putHeader("Connection", "close");
            }
            answered = resp.putHeader("Content-Type", "application/json").end(Buffer.buffer(Json.bytes(body)));
        }
        if (!req.isEnded()) {
            long[] dropped = {0};
            req.handler(buf -> {
                dropped[0] += buf.length();
                if (dropped[0] > DRAIN_LIMIT) {
                    req.connection().close();
                }
            });
            req.exceptionHandler(x -> { });
            req.endHandler(v -> { });
            req.resume();
            Backpressure.resume(req);
        }
        return answered;
    }

    /** One upload in progress: the request streaming into its part file. */
    private final class Upload {
        private final HttpServerRequest req;
        private final String requestId;
        private final LocalObjectStore.Grant grant;
        private final Path part;
        private final AsyncFile file;
        private final long start;
        private long received;
        private boolean done;
        private boolean fileFull;
        private boolean released;
        private long lastProgress;
        private long stallTimer = -1;

        Upload(HttpServerRequest req, String requestId, LocalObjectStore.Grant grant, Path part, AsyncFile file,
                long start) {
            this.req = req;
            this.requestId = requestId;
            this.grant = grant;
            this.part = part;
            this.file = file;
            this.start = start;
        }

        void begin(AtomicBoolean gone) {
            file.setWriteQueueMaxSize(fileWriteQueue);
            req.handler(this::data);
            req.endHandler(v -> finish());
            req.exceptionHandler(e -> abort(null));
            if (gone.get()) {
                abort(null);
                return;
            }
            file.exceptionHandler(e -> abort(classify(e, false)));
            if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
                req.response().writeContinue();
            }
            lastProgress = System.nanoTime();
            watchForStall(stallMillis);
            req.resume();
        }

        /** One timer per upload rather than one per chunk: when it fires it looks at when the body last moved. */
        private void watchForStall(long delayMillis) {
            stallTimer = vertx.setTimer(delayMillis, id -> {
                if (done) {
                    return;
                }
                long idleMillis = (System.nanoTime() - lastProgress) / 1_000_000;
                if (fileFull || idleMillis < stallMillis) {
                    // paused by us for the disk, or bytes arrived meanwhile: not the client's stall
                    watchForStall(fileFull ? stallMillis : stallMillis - idleMillis);
                    return;
                }
                log.info("upload {} stalled: no byte for {} ms after {} of {} bytes; answering 408", requestId,
                        idleMillis, received, grant.size());
                abort(stalled()).onComplete(ar -> req.connection().close());
            });
        }

        private ApiException stalled() {
            return new ApiException(408, "REQUEST_TIMEOUT", "the upload body stopped arriving: no byte for "
                    + stallMillis + " ms (" + received + " of " + grant.size() + " bytes received)",
                    Map.of("timeoutMillis", stallMillis), null);
        }

        private void data(Buffer buf) {
            if (done) {
                return;
            }
            int n = buf.length();
            received += n;
            lastProgress = System.nanoTime();
            if (received > grant.size()) {
                abort(tooLarge(grant.size()));
                return;
            }
            file.write(buf);
            if (file.writeQueueFull() && !fileFull) {
                fileFull = true;
                Backpressure.pause(req);
                file.drainHandler(v -> {
                    fileFull = false;
                    lastProgress = System.nanoTime();
                    if (!done) {
                        Backpressure.resume(req);
                    }
                });
            }
        }

        private void finish() {
            if (done) {
                return;
            }
            if (received != grant.size()) {
                abort(sizeMismatch(grant.size(), received));
                return;
            }
            stop();
            file.flush().compose(v -> file.close()).compose(v -> vertx.executeBlocking(() -> {
                store.commit(part, grant.key());
                return null;
            }, false)).onComplete(ar -> {
                release();
                if (ar.failed()) {
                    cleanUp();
                    ApiException e = ar.cause() instanceof FileAlreadyExistsException ? alreadyUsed(grant.key())
                            : classify(ar.cause(), false);
                    refuse(req, requestId, e, start, received);
                    return;
                }
                metrics.received("stored", received, System.nanoTime() - start);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("key", grant.key());
                body.put("size", received);
                req.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(Json.bytes(body)));
            });
        }

        /**
         * Stops the upload and removes its part file; answers {@code error} unless the client is gone (null). The
         * future completes once the answer, if any, was written.
         */
        private Future<Void> abort(ApiException error) {
            if (done) {
                return Future.succeededFuture();
            }
            stop();
            cleanUp();
            release();
            if (error != null) {
                return refuse(req, requestId, error, start, received);
            }
            metrics.received("aborted", received, System.nanoTime() - start);
            return Future.succeededFuture();
        }

        /**
         * Ends the streaming and turns reading back on: a socket paused for a full file queue stays paused otherwise
         * (the file's drain no longer resumes a finished upload, and Vert.x does not know of the pause), and a
         * keep-alive connection's next request would never be read.
         */
        private void stop() {
            done = true;
            vertx.cancelTimer(stallTimer);
            Backpressure.resume(req);
        }

        private void release() {
            if (!released) {
                released = true;
                slots.release();
            }
        }

        private void cleanUp() {
            file.close().onComplete(ar -> vertx.fileSystem().delete(part.toString()).onFailure(e -> {
                if (!(e instanceof FileSystemException fse && fse.getCause() instanceof java.nio.file.NoSuchFileException)) {
                    log.warn("could not remove the partial upload {}: {}", part, e.toString());
                }
            }));
        }
    }
}
