package com.hushryd.client.offline;

/** The offline queue holds its maximum of actions: a new one (other than an SOS, always taken) is refused. */
public final class QueueFullException extends IllegalStateException {
    public QueueFullException(String message) {
        super(message);
    }
}
