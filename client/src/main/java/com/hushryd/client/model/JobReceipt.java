package com.hushryd.client.model;

/** A job accepted for processing, its place in the queue and the estimated wait (null before any measure). */
public record JobReceipt(String jobId, long queuePosition, Long estimatedWaitSeconds) {
}
