package com.hushryd.http;

import com.hushryd.common.RouteClass;
import com.hushryd.common.ApiException;
import com.hushryd.auth.Principal;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides, before a request reaches its handler, whether the node takes it: load shedding and rate limiting. Called
 * on the event loop, so it must not block; it answers a stage that completes with the headers to add to the response
 * (e.g. {@code RateLimit}), or fails with an {@link ApiException} (429, 503) that refuses the request. Every admitted
 * request's {@link Ticket#release()} is called exactly once, when its response ends.
 */
public interface Admission {
    Admission ALLOW_ALL = call -> CompletableFuture.completedFuture(Ticket.NONE);

    /**
     * One request as admission sees it.
     *
     * @param principal the authenticated caller, or null on public routes
     * @param peer      the address the connection comes from (a proxy's, when behind one)
     * @param forwardedFor the {@code X-Forwarded-For} header, or null
     */
    record Call(String route, RouteClass routeClass, Principal principal, String peer, String forwardedFor) {
    }

    /** An admitted request: headers for its response and what to do when it ends. */
    interface Ticket {
        Ticket NONE = of(Map.of());

        Map<String, String> headers();

        void release();

        /** The request's work starts on a worker thread after waiting {@code queuedNanos} for one. */
        default void started(long queuedNanos) {
        }

        static Ticket of(Map<String, String> headers) {
            return of(headers, () -> { });
        }

        static Ticket of(Map<String, String> headers, Runnable release) {
            return of(headers, release, queued -> { });
        }

        static Ticket of(Map<String, String> headers, Runnable release, java.util.function.LongConsumer started) {
            return new Ticket() {
                @Override
                public Map<String, String> headers() {
                    return headers;
                }

                @Override
                public void release() {
                    release.run();
                }

                @Override
                public void started(long queuedNanos) {
                    started.accept(queuedNanos);
                }
            };
        }
    }

    CompletionStage<Ticket> admit(Call call);
}
