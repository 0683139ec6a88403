package com.hushryd.client;

/**
 * One HTTP attempt of a call, reported to an {@link HushRydClient.Builder#onAttempt attempt listener}: the call,
 * which attempt it was (from 1), and the status answered, or 0 when no answer arrived.
 */
public record Attempt(ApiCall call, int attempt, int status) {
}
