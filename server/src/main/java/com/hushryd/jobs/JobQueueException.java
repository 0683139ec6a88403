package com.hushryd.jobs;

/** The queue engine failed or is unreachable; the operation may or may not have taken effect unless it says so. */
public final class JobQueueException extends RuntimeException {
    public JobQueueException(String message, Throwable cause) {
        super(message, cause);
    }

    public JobQueueException(String message) {
        super(message);
    }
}
