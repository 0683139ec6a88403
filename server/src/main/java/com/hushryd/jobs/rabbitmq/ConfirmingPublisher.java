package com.hushryd.jobs.rabbitmq;

import com.hushryd.jobs.JobQueueException;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes persistent messages on one channel in confirm mode and lets each caller wait for the broker's
 * confirmation of its own message (confirms arrive asynchronously, possibly for many messages at once), so many
 * threads share one channel without waiting for each other's confirms.
 */
final class ConfirmingPublisher implements AutoCloseable {
    private static final long CONFIRM_TIMEOUT_MS = 10_000;

    private final Connection connection;
    private final ConcurrentNavigableMap<Long, CompletableFuture<Void>> pending = new ConcurrentSkipListMap<>();
    private Channel channel;

    ConfirmingPublisher(Connection connection) {
        this.connection = connection;
    }

    private Channel channel() throws IOException {
        if (channel == null || !channel.isOpen()) {
            Channel ch = connection.createChannel();
            ch.confirmSelect();
            ch.addConfirmListener((seq, multiple) -> settle(seq, multiple, null),
                    (seq, multiple) -> settle(seq, multiple, new JobQueueException("the broker refused message "
                            + seq + " (nack)")));
            ch.addShutdownListener(cause -> {
                pending.values().forEach(f -> f.completeExceptionally(new JobQueueException(
                        "publishing channel closed before the confirm: " + cause.getMessage())));
                pending.clear();
            });
            channel = ch;
        }
        return channel;
    }

    private void settle(long seq, boolean multiple, Exception error) {
        Map<Long, CompletableFuture<Void>> done = multiple ? pending.headMap(seq, true) : pending.subMap(seq, true,
                seq, true);
        for (Map.Entry<Long, CompletableFuture<Void>> e : done.entrySet()) {
            if (error == null) {
                e.getValue().complete(null);
            } else {
                e.getValue().completeExceptionally(error);
            }
        }
        done.clear();
    }

    /** Publishes to a queue through the default exchange and returns once the broker confirmed it. */
    void publish(String queue, AMQP.BasicProperties props, byte[] body) {
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        try {
            synchronized (this) {
                Channel ch = channel();
                long seq = ch.getNextPublishSeqNo();
                pending.put(seq, confirmed);
                try {
                    ch.basicPublish("", queue, props, body);
                } catch (IOException | RuntimeException e) {
                    pending.remove(seq);
                    throw e;
                }
            }
            confirmed.get(CONFIRM_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (IOException | TimeoutException e) {
            throw new JobQueueException("publish to " + queue + " not confirmed: " + e.getMessage(), e);
        } catch (ExecutionException e) {
            throw new JobQueueException("publish to " + queue + " not confirmed: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobQueueException("interrupted while waiting for a publish confirm", e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (channel != null && channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            // the connection is closing anyway
        }
    }
}
