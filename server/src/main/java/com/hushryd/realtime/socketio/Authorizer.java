package com.hushryd.realtime.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.realtime.engineio.EngineSession;

/** Decides whether a CONNECT to a namespace is accepted. Runs on the event loop: it must not block. */
@FunctionalInterface
public interface Authorizer {
    Authorizer ALLOW_ALL = (auth, session) -> null;

    /**
     * @param auth the CONNECT payload ({@code {}} when none was sent)
     * @return what the socket carries as its user (e.g. the authenticated principal); may be null
     * @throws ConnectRefused to answer CONNECT_ERROR
     */
    Object authorize(JsonNode auth, EngineSession session) throws ConnectRefused;
}
