package com.hushryd.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.jobs.JobContext;
import com.hushryd.jobs.JobMetrics;
import com.hushryd.jobs.JobProducer;
import com.hushryd.jobs.postgres.PgLedger;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.jobs.postgres.PostgresJobQueue;
import com.hushryd.notify.BreakerSettings;
import com.hushryd.notify.DevOutbox;
import com.hushryd.notify.Notifications;
import com.hushryd.notify.NotifySettings;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import com.hushryd.store.Jdbc;
import com.hushryd.testing.TestDatabases;
import com.hushryd.uploads.local.LocalObjectStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The processing job run by hand, attempt by attempt, against a real database and local store (no worker), to show
 * that it is idempotent on redelivery and after a crash mid-attempt, and that a failing store is retried.
 */
class DocumentProcessorIT {
    static Database db;
    static PgNotifier notifier;
    static PgLedger ledger;
    static PostgresJobQueue queue;
    static LocalObjectStore store;
    static Path objects;
    static DocumentService documents;
    static DocumentProcessor processor;
    static Notifications notifications;
    static DocumentInspector inspector;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabases.migrated();
        notifier = new PgNotifier(db);
        ledger = new PgLedger(db, "test-node");
        queue = new PostgresJobQueue(db, notifier, ledger, "test-node", Duration.ofSeconds(30));
        JobProducer producer = new JobProducer(queue, 1000, JobMetrics.NONE);
        DevOutbox outbox = new DevOutbox(db);
        notifications = new Notifications(producer,
                new NotifySettings(Map.of(), BreakerSettings.ofDefaults()), outbox, outbox);
        objects = Files.createTempDirectory("hushryd-processor").resolve("objects");
        store = new LocalObjectStore(objects, "0123456789abcdef0123456789abcdef-test".getBytes(StandardCharsets.UTF_8),
                Optional.empty(), Clock.systemUTC());
        UploadSettings settings = new UploadSettings(UploadSettings.Store.LOCAL, Optional.empty(), Duration.ofHours(1),
                1024 * 1024, 16, Optional.empty());
        documents = new DocumentService(db, store, producer, settings, UploadMetrics.NONE, Clock.systemUTC());
        inspector = new DocumentInspector(DocumentInspector.Limits.of(settings.maxSize()));
        processor = new DocumentProcessor(db, store, notifications, inspector, UploadMetrics.NONE,
                Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        queue.close();
        ledger.close();
        notifier.close();
        db.close();
    }

    private static Principal driver() throws Exception {
        UUID id = Ids.newId();
        db.read(c -> Jdbc.update(c, "INSERT INTO users (id, phone, name, password_hash, role) VALUES (?, ?, 'D', 'x', "
                + "'driver')", id, "+91" + (7_000_000_000L + (id.getLeastSignificantBits() & 0xFFFFFFFL))));
        return new Principal(id, Role.DRIVER);
    }

    /** A completed upload: the object is in the store and its job is waiting (no worker takes it). */
    private record Upload(DocumentKey key, JobContext job) {
        JobContext attempt(int n) {
            return new JobContext(job.jobId(), job.queue(), job.type(), job.payload(), n, job.maxAttempts(), "w" + n);
        }
    }

    private static Upload completed(Principal p, byte[] content, FileType type) throws Exception {
        DocumentKey key = DocumentKey.generate(p.userId(), DocumentType.LICENCE, type, java.time.Instant.now());
        store.put(key.key(), type.contentType(), content);
        JobProducer.Receipt r = documents.complete(p, key.key());
        var job = queue.job(DocumentService.QUEUE, r.jobId()).orElseThrow();
        return new Upload(key, new JobContext(job.id(), job.queue(), job.type(), job.payload(), 1, job.maxAttempts(),
                "w1"));
    }

    private static Document doc(DocumentKey key) throws Exception {
        return db.read(c -> DocumentStore.byKey(c, key.key())).orElseThrow();
    }

    private static long notificationsAbout(Document d) throws Exception {
        return db.read(c -> Jdbc.one(c, "SELECT count(*) AS n FROM jobs WHERE queue = 'notify-inapp' "
                + "AND payload->'data'->>'documentId' = ?", rs -> rs.getLong("n"), d.id().toString())).orElseThrow();
    }

    @Test
    void theSameJobDeliveredTwice_recordsTheOutcomeOnce_andNotifiesOnce() throws Exception {
        Upload u = completed(driver(), Samples.image("png", 400, 300), FileType.PNG);
        assertThat(doc(u.key()).status()).isEqualTo(DocumentStatus.PENDING);

        // the second delivery arrives while the first is still processing (its lease expired): both attempts are
        // past the start and inside the work at the same time, then race to record the outcome
        CountDownLatch bothWorking = new CountDownLatch(2);
        ObjectStore meetingPoint = new ObjectStore() {
            @Override
            public InputStream open(String key) {
                bothWorking.countDown();
                try {
                    if (!bothWorking.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the other delivery never started working");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                return store.open(key);
            }

            @Override
            public String backend() {
                return store.backend();
            }

            @Override
            public PresignedPut presignPut(PutRequest request) {
                return store.presignPut(request);
            }

            @Override
            public Optional<ObjectInfo> stat(String key) {
                return store.stat(key);
            }

            @Override
            public void put(String key, String contentType, byte[] bytes) {
                store.put(key, contentType, bytes);
            }

            @Override
            public void delete(String key) {
                store.delete(key);
            }

            @Override
            public void close() {
                // the shared store is closed by the class
            }
        };
        List<String> recorded = new CopyOnWriteArrayList<>();
        DocumentProcessor racing = new DocumentProcessor(db, meetingPoint, notifications, inspector,
                new UploadMetrics() {
                    @Override
                    public void processed(String outcome, long nanos) {
                        recorded.add(outcome);
                    }
                }, Clock.systemUTC());
        ExecutorService twoWorkers = Executors.newFixedThreadPool(2);
        try {
            Future<?> first = twoWorkers.submit(() -> {
                racing.process(u.attempt(1));
                return null;
            });
            Future<?> second = twoWorkers.submit(() -> {
                racing.process(u.attempt(2));
                return null;
            });
            first.get(30, TimeUnit.SECONDS);
            second.get(30, TimeUnit.SECONDS);
        } finally {
            twoWorkers.shutdownNow();
        }
        Document outcome = doc(u.key());
        assertThat(outcome.status()).isEqualTo(DocumentStatus.VERIFIED);
        assertThat(outcome.attempts()).as("both deliveries started").isEqualTo(2);
        assertThat(recorded).as("only one delivery records the outcome").containsExactly("verified");
        assertThat(notificationsAbout(outcome)).isEqualTo(1);

        // and a delivery after the outcome was recorded changes nothing
        processor.process(u.attempt(3));
        assertThat(doc(u.key())).isEqualTo(outcome);
        assertThat(notificationsAbout(outcome)).isEqualTo(1);
    }

    @Test
    void anAttemptThatDiedWhileProcessing_isFinishedByTheNextOne() throws Exception {
        Upload u = completed(driver(), Samples.pdf(1), FileType.PDF);
        db.read(c -> Jdbc.update(c, "UPDATE documents SET status = 'processing', attempts = 1 WHERE object_key = ?",
                u.key().key()));

        processor.process(u.attempt(2));

        Document d = doc(u.key());
        assertThat(d.status()).isEqualTo(DocumentStatus.VERIFIED);
        assertThat(d.attempts()).isEqualTo(2);
        assertThat(notificationsAbout(d)).isEqualTo(1);
    }

    @Test
    void aStoreThatFails_putsTheDocumentBackToPending_andTheAttemptFailsForARetry() throws Exception {
        byte[] png = Samples.image("png", 300, 300);
        Upload u = completed(driver(), png, FileType.PNG);
        Path file = objects.resolve(u.key().key());
        Files.delete(file);
        Files.createDirectory(file);

        assertThatThrownBy(() -> processor.process(u.attempt(1))).isInstanceOf(Exception.class);

        Document failed = doc(u.key());
        assertThat(failed.status()).isEqualTo(DocumentStatus.PENDING);
        String lastError = db.read(c -> Jdbc.one(c, "SELECT last_error FROM documents WHERE id = ?",
                rs -> rs.getString(1), failed.id())).orElseThrow();
        assertThat(lastError).isNotBlank();
        assertThat(notificationsAbout(failed)).isZero();

        Files.delete(file);
        Files.write(file, png);
        processor.process(u.attempt(2));
        assertThat(doc(u.key()).status()).isEqualTo(DocumentStatus.VERIFIED);
    }

    @Test
    void anObjectGoneFromTheStore_isRejectedSayingSo() throws Exception {
        Upload u = completed(driver(), Samples.image("jpeg", 300, 300), FileType.JPEG);
        store.delete(u.key().key());

        processor.process(u.attempt(1));

        Document d = doc(u.key());
        assertThat(d.status()).isEqualTo(DocumentStatus.REJECTED);
        assertThat(d.reason()).isEqualTo("the uploaded file is no longer in the store");
        assertThat(notificationsAbout(d)).isEqualTo(1);
    }

    @Test
    void completingTwiceWhilePending_answersTheSameJob() throws Exception {
        Principal p = driver();
        Upload u = completed(p, Samples.pdf(1), FileType.PDF);

        JobProducer.Receipt again = documents.complete(p, u.key().key());

        assertThat(again.jobId()).isEqualTo(u.job().jobId());
        assertThat(again.duplicate()).isTrue();
        assertThat(db.read(c -> Jdbc.one(c, "SELECT count(*) FROM documents WHERE object_key = ?",
                rs -> rs.getLong(1), u.key().key())).orElseThrow()).isEqualTo(1);
    }
}
