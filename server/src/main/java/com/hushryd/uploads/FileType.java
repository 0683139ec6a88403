package com.hushryd.uploads;

import java.util.Locale;

/** The file types a document may be, with their content type, key extension and magic number. */
public enum FileType {
    JPEG("image/jpeg", "jpg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}),
    PNG("image/png", "png", new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}),
    PDF("application/pdf", "pdf", new byte[] {'%', 'P', 'D', 'F', '-'});

    private final String contentType;
    private final String extension;
    private final byte[] magic;

    FileType(String contentType, String extension, byte[] magic) {
        this.contentType = contentType;
        this.extension = extension;
        this.magic = magic;
    }

    public String contentType() {
        return contentType;
    }

    public String extension() {
        return extension;
    }

    public boolean isImage() {
        return this != PDF;
    }

    /** Whether {@code head} (the first bytes of a file) starts with this type's magic number. */
    public boolean matches(byte[] head) {
        if (head.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** The type of a content type (case and parameters ignored), or null. */
    public static FileType ofContentType(String contentType) {
        if (contentType == null) {
            return null;
        }
        String base = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        for (FileType t : values()) {
            if (t.contentType.equals(base)) {
                return t;
            }
        }
        return null;
    }

    public static FileType ofExtension(String extension) {
        for (FileType t : values()) {
            if (t.extension.equals(extension)) {
                return t;
            }
        }
        return null;
    }

    /** The type whose magic number {@code head} starts with, or null. */
    public static FileType sniff(byte[] head) {
        for (FileType t : values()) {
            if (t.matches(head)) {
                return t;
            }
        }
        return null;
    }
}
