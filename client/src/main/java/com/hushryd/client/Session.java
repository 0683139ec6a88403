package com.hushryd.client;

import java.util.function.Supplier;

/**
 * The signed-in user's access token, and how to get a new one when it expires: by the credentials of the last
 * {@link HushRydClient#login login} (kept in memory only, when the app allowed it) or by a supplier the app gave.
 * Thread-safe.
 */
final class Session {
    private volatile String token;
    private volatile String userId;
    private volatile Supplier<String> relogin;
    private final java.util.List<java.util.function.Consumer<String>> tokenListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    String token() {
        return token;
    }

    String userId() {
        return userId;
    }

    void signedIn(String token, String userId) {
        this.token = token;
        if (userId != null) {
            this.userId = userId;
        }
        tokenListeners.forEach(l -> l.accept(token));
    }

    void reloginWith(Supplier<String> relogin) {
        this.relogin = relogin;
    }

    boolean canRelogin() {
        return relogin != null;
    }

    /** Gets a new token (blocking); listeners (the realtime connection) are told. */
    synchronized void relogin() {
        signedIn(relogin.get(), null);
    }

    /**
     * Gets a new token unless another thread already replaced {@code expired} (several calls failing with one expired
     * token log in once).
     */
    synchronized void reloginReplacing(String expired) {
        if (expired == null || expired.equals(token)) {
            relogin();
        }
    }

    void onToken(java.util.function.Consumer<String> listener) {
        tokenListeners.add(listener);
    }
}
