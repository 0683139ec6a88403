package com.hushryd.realtime;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.hushryd.common.ApiException;
import com.hushryd.common.Errors;
import com.hushryd.common.Json;
import com.hushryd.realtime.socketio.Ack;
import io.vertx.core.WorkerExecutor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How socket events answer through their ack: {@code {"ok":true,"data":...}} or
 * {@code {"ok":false,"error":{"code","message","details"}}}, the same error object as the HTTP API.
 */
public final class Replies {
    private static final Logger log = LoggerFactory.getLogger(Replies.class);

    private Replies() {
    }

    public static Map<String, Object> ok(Object data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", true);
        m.put("data", data);
        return m;
    }

    public static Map<String, Object> error(Throwable failure) {
        ApiException e = Errors.classify(failure);
        if (e == null) {
            log.error("unhandled error in a socket event", failure);
            e = Errors.internal();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", false);
        m.put("error", Errors.body(e));
        return m;
    }

    /** The event's single object argument, read as strictly as an HTTP body. */
    public static <T> T argument(ArrayNode args, Class<T> type) {
        if (args.size() != 1 || !args.get(0).isObject()) {
            throw ApiException.badRequest("BAD_ARGUMENTS", "expected exactly one object argument");
        }
        return Json.convert(args.get(0), type);
    }

    /** Runs blocking work on the worker pool and answers the ack (when there is one) with its result or error. */
    public static <T> void blocking(WorkerExecutor workers, Ack ack, Callable<T> work) {
        workers.executeBlocking(work, false).onComplete(ar -> {
            if (ack == null) {
                if (ar.failed() && Errors.classify(ar.cause()) == null) {
                    log.error("unhandled error in a socket event", ar.cause());
                }
                return;
            }
            ack.send(ar.succeeded() ? ok(ar.result()) : error(ar.cause()));
        });
    }
}
