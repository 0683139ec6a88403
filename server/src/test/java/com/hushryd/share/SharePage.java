package com.hushryd.share;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A shared-trip page open in headless Chromium ({@code share-page.mjs}, playwright-core driving /usr/bin/chromium):
 * each line is what the page showed after a change.
 */
final class SharePage implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Process process;
    private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
    private final StringBuilder stderr = new StringBuilder();

    private SharePage(Process process) {
        this.process = process;
        Thread out = new Thread(() -> read(process, false), "share-page-out");
        out.setDaemon(true);
        out.start();
        Thread err = new Thread(() -> read(process, true), "share-page-err");
        err.setDaemon(true);
        err.start();
    }

    static SharePage open(String url, Duration lifetime) {
        try {
            return new SharePage(com.hushryd.testing.TestChromium.script("share-page.mjs", url,
                    String.valueOf(lifetime.toSeconds())).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node (is Node.js installed?)", e);
        }
    }

    private void read(Process p, boolean errors) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(errors ? p.getErrorStream()
                : p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (errors) {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                } else if (line.startsWith("{")) {
                    lines.add(MAPPER.readTree(line));
                }
            }
        } catch (IOException e) {
            // the browser script ended
        }
    }

    /** The first state the page shows that matches. */
    JsonNode await(Predicate<JsonNode> match, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            JsonNode next = lines.poll(200, TimeUnit.MILLISECONDS);
            if (next != null && match.test(next)) {
                return next;
            }
        }
        synchronized (stderr) {
            throw new AssertionError("the page never showed what was expected; browser stderr:\n" + stderr);
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
