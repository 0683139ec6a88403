package com.hushryd.ops;

import com.hushryd.uploads.ObjectStore;
import com.hushryd.uploads.ObjectStoreException;
import com.hushryd.uploads.local.LocalObjectStore;
import com.hushryd.uploads.local.LocalUploadReceiver;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The object store in {@code /health}: whether it answers (a lookup of a key that does not exist), how fast, and for
 * the local store the uploads being received or waiting for a slot and the free disk space (degraded under 1 GiB).
 * Not critical: the API serves without it, only uploads and document processing fail.
 */
public final class UploadsHealth implements HealthCheck {
    private static final long LOW_DISK = 1024L * 1024 * 1024;

    private final ObjectStore store;
    private final LocalUploadReceiver receiver;

    /** @param receiver the local store's receiver, or null for a store that receives uploads itself */
    public UploadsHealth(ObjectStore store, LocalUploadReceiver receiver) {
        this.store = store;
        this.receiver = receiver;
    }

    @Override
    public String name() {
        return "uploads";
    }

    @Override
    public boolean critical() {
        return false;
    }

    @Override
    public Result check() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("backend", store.backend());
        long t0 = System.nanoTime();
        try {
            store.stat("health/probe");
        } catch (ObjectStoreException e) {
            details.put("error", e.getMessage());
            return new Result(Status.DOWN, details);
        }
        details.put("latencyMs", Math.round((System.nanoTime() - t0) / 100_000.0) / 10.0);
        Status status = Status.UP;
        if (receiver != null) {
            details.put("receiving", receiver.active());
            details.put("waitingForSlot", receiver.waiting());
        }
        if (store instanceof LocalObjectStore local) {
            try {
                long free = Files.getFileStore(local.root()).getUsableSpace();
                details.put("freeBytes", free);
                if (free < LOW_DISK) {
                    status = Status.DEGRADED;
                }
            } catch (IOException e) {
                details.put("error", e.getMessage());
                status = Status.DEGRADED;
            }
        }
        return new Result(status, details);
    }
}
