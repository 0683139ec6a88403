package com.hushryd.app;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node opened, in the order it opened it; {@link #close()} closes it in reverse, each step on its own so that
 * one that fails (logged) does not keep the rest open. The composition root adds each resource as it creates it, so
 * the order of shutdown is the order of creation read backwards, not a second list to keep in step.
 */
final class Resources implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Resources.class);

    /** How one resource closes. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private record Entry(String name, Step close) {
    }

    private final Deque<Entry> opened = new ArrayDeque<>();

    /** Records {@code resource}, closed by {@code close} after everything added later; returns the resource. */
    synchronized <T> T add(String name, T resource, Step close) {
        if (resource != null) {
            opened.push(new Entry(name, close));
        }
        return resource;
    }

    /** Records an {@link AutoCloseable} resource (null: nothing to close); returns it. */
    <T extends AutoCloseable> T add(String name, T resource) {
        return add(name, resource, resource == null ? null : resource::close);
    }

    /** Names of what is open, the next to close first. */
    synchronized java.util.List<String> names() {
        return opened.stream().map(Entry::name).toList();
    }

    @Override
    public void close() {
        while (true) {
            Entry next;
            synchronized (this) {
                next = opened.poll();
            }
            if (next == null) {
                return;
            }
            quietly(next.name(), next.close());
        }
    }

    static void quietly(String what, Step step) {
        try {
            step.run();
        } catch (Exception e) {
            log.warn("while stopping {}: {}", what, e.toString());
        }
    }
}
