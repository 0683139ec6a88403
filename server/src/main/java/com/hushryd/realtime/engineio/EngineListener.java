package com.hushryd.realtime.engineio;

/** What sits on top of Engine.IO (the Socket.IO layer). Every call happens on the session's event loop. */
public interface EngineListener {
    void onOpen(EngineSession session);

    /** A text message packet's data (without the leading {@code 4}). */
    void onText(EngineSession session, String data);

    void onBinary(EngineSession session, byte[] data);

    void onClose(EngineSession session, String reason);
}
