package com.hushryd.uploads.local;

import com.hushryd.testing.TestNode;
import com.hushryd.uploads.DocumentFlowContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The document flow on the default local store: uploads go to the node itself. */
class LocalDocumentsIT extends DocumentFlowContract {
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(commonSettings());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Override
    protected TestNode node() {
        return node;
    }

    @Override
    protected boolean stored(String key, long size) {
        Path f = Path.of(node.settings().get("DATA_DIR")).resolve("objects").resolve(key);
        try {
            return Files.isRegularFile(f) && Files.size(f) == size;
        } catch (IOException e) {
            return false;
        }
    }
}
