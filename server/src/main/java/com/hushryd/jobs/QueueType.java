package com.hushryd.jobs;

/** The engine that holds the durable job queues. */
public enum QueueType {
    POSTGRES, REDIS, RABBITMQ
}
