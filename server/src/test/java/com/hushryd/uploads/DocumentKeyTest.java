package com.hushryd.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DocumentKeyTest {
    private static final UUID USER = UUID.fromString("0190f0a1-2b3c-7d4e-8f60-718293a4b5c6");

    @Test
    void generatedKey_hasTheSeedLayout_andParsesBack() {
        DocumentKey k = DocumentKey.generate(USER, DocumentType.INSURANCE, FileType.PDF,
                Instant.ofEpochMilli(1_700_000_000_123L));
        assertThat(k.key()).matches("documents/" + USER + "/insurance/1700000000123-[0-9a-f]{16}\\.pdf");
        assertThat(DocumentKey.parse(k.key())).isEqualTo(k);
        assertThat(k.thumbnailKey()).isEqualTo(k.key().replace("documents/", "thumbnails/").replace(".pdf", ".jpg"));
    }

    @Test
    void twoKeysForTheSameUserAndMillisecond_differ() {
        Instant now = Instant.now();
        assertThat(DocumentKey.generate(USER, DocumentType.RC, FileType.PNG, now).key())
                .isNotEqualTo(DocumentKey.generate(USER, DocumentType.RC, FileType.PNG, now).key());
    }

    @Test
    void keysNotIssuedByUs_doNotParse() {
        String good = "documents/" + USER + "/licence/1700000000123-0123456789abcdef.jpg";
        assertThat(DocumentKey.parse(good)).isNotNull();
        for (String bad : new String[] {null, "", "documents/../etc/passwd", good.replace("licence", "passport"),
            good.replace(".jpg", ".gif"), good.replace("documents/", "thumbnails/"), good + "/x",
            good.replace("0123456789abcdef", "0123456789ABCDEF"), "/" + good, good.replace(USER.toString(), "me")}) {
            assertThat(DocumentKey.parse(bad)).as(String.valueOf(bad)).isNull();
        }
    }

    @Test
    void objectKeys_refuseTraversalAndOddCharacters() {
        assertThat(ObjectStore.validKey("documents/a/b.png")).isTrue();
        assertThat(ObjectStore.validKey("documents/../b.png")).isFalse();
        assertThat(ObjectStore.validKey("documents//b.png")).isFalse();
        assertThat(ObjectStore.validKey("/documents/b.png")).isFalse();
        assertThat(ObjectStore.validKey("documents/b c.png")).isFalse();
        assertThat(ObjectStore.validKey("documents/b%2F.png")).isFalse();
    }
}
