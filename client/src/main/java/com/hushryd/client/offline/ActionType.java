package com.hushryd.client.offline;

/** What a queued action does; SOS is never refused or dropped, whatever the queue holds. */
public enum ActionType {
    SOS, CANCEL_BOOKING, CHAT_MESSAGE, LOCATION_BATCH
}
