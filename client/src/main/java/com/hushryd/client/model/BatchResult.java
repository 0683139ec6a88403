package com.hushryd.client.model;

/** The answer to a location batch: how many points were stored, stale (older than the latest) or rejected. */
public record BatchResult(int stored, int stale, int rejected) {
}
