package com.hushryd.uploads;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The object key of an uploaded document, {@code documents/{userId}/{documentType}/{timestamp}-{random}.{ext}}: who
 * uploaded it, what it is and its file type can be read back from the key itself, and 64 random bits make it
 * unguessable.
 */
public record DocumentKey(UUID userId, DocumentType type, long timestampMillis, String random, FileType fileType) {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern FORM = Pattern.compile(
            "documents/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(licence|rc|insurance|id)/"
                    + "(\\d{1,15})-([0-9a-f]{16})\\.(jpg|png|pdf)");

    public static DocumentKey generate(UUID userId, DocumentType type, FileType fileType, Instant now) {
        byte[] r = new byte[8];
        RANDOM.nextBytes(r);
        return new DocumentKey(userId, type, now.toEpochMilli(), HexFormat.of().formatHex(r), fileType);
    }

    /** The key's parts, or null when {@code key} is not a document key. */
    public static DocumentKey parse(String key) {
        if (key == null) {
            return null;
        }
        Matcher m = FORM.matcher(key);
        if (!m.matches()) {
            return null;
        }
        return new DocumentKey(UUID.fromString(m.group(1)), DocumentType.fromJson(m.group(2)),
                Long.parseLong(m.group(3)), m.group(4), FileType.ofExtension(m.group(5)));
    }

    private String tail() {
        return userId + "/" + type.json() + "/" + timestampMillis + "-" + random;
    }

    public String key() {
        return "documents/" + tail() + "." + fileType.extension();
    }

    /** Where the document's thumbnail goes (JPEG). */
    public String thumbnailKey() {
        return "thumbnails/" + tail() + ".jpg";
    }
}
