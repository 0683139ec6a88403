package com.hushryd.client;

import java.io.IOException;

/** No answer: the connection failed or broke before a response arrived (the call may have run on the server). */
public final class NetworkException extends HushRydException {
    public NetworkException(String message, IOException cause) {
        super(message, cause);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
