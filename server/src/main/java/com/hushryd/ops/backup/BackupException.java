package com.hushryd.ops.backup;

/** A backup or restore that cannot go on, with a message for the operator (what is wrong and what to do). */
public final class BackupException extends RuntimeException {
    public BackupException(String message) {
        super(message);
    }

    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }
}
