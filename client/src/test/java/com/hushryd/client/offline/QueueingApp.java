package com.hushryd.client.offline;

import com.hushryd.client.HushRydClient;
import com.hushryd.client.model.SosRequest;
import java.nio.file.Path;

/**
 * An "app" for {@code OfflineQueueIT}, run as a process of its own so the test can kill it: it signs in with the
 * given token, queues a fixed list of critical actions while its network is cut, says so on stdout and waits to be
 * killed. Arguments: base URL, journal file, token, user id, booking id (also the conversation), trip id.
 */
public final class QueueingApp {
    private QueueingApp() {
    }

    public static void main(String[] args) throws Exception {
        HushRydClient app = HushRydClient.builder(args[0]).journal(Path.of(args[1])).build();
        app.useToken(args[2], args[3]);
        OfflineQueue queue = app.offlineQueue();
        queue.sendMessage(args[4], "1: leaving now");
        queue.sendMessage(args[4], "2: at the gate");
        queue.sos(new SosRequest(args[5], 12.97, 77.59, null, "queued while offline"));
        queue.sendMessage(args[4], "3: sorry, cancelling");
        queue.cancelBooking(args[4]);
        System.out.println("QUEUED " + queue.pending().size());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
