package com.hushryd.share;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Share tokens and links. A token is the share's id and the first 16 bytes of an HMAC-SHA256 of it under a secret
 * every node shares, in base64url (43 characters): unguessable (128 bits of MAC), checkable by any node without a
 * lookup, never stored. Revocation and expiry live in the share's row. Thread-safe.
 */
public final class ShareLinks {
    public static final String PATH = "/share/";
    private static final int MAC_BYTES = 16;
    private static final int TOKEN_BYTES = 16 + MAC_BYTES;

    private final byte[] secret;
    private final String base;

    /** {@code base}: the public URL clients reach the nodes at (PUBLIC_URL), or empty for links relative to it. */
    public ShareLinks(String secret, Optional<String> base) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.base = base.map(b -> b.endsWith("/") ? b.substring(0, b.length() - 1) : b).orElse("");
    }

    public String token(UUID shareId) {
        ByteBuffer b = ByteBuffer.allocate(TOKEN_BYTES);
        b.putLong(shareId.getMostSignificantBits()).putLong(shareId.getLeastSignificantBits());
        b.put(mac(shareId));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** The link to a share's page. */
    public String url(UUID shareId) {
        return base + PATH + token(shareId);
    }

    /** The share a token names, if its MAC checks out; empty for anything else (malformed, forged). */
    public Optional<UUID> verify(String token) {
        if (token == null || token.length() != 43) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (raw.length != TOKEN_BYTES) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        UUID id = new UUID(b.getLong(), b.getLong());
        byte[] given = Arrays.copyOfRange(raw, 16, TOKEN_BYTES);
        return MessageDigest.isEqual(given, mac(id)) ? Optional.of(id) : Optional.empty();
    }

    private byte[] mac(UUID id) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(("trip-share:" + id).getBytes(StandardCharsets.UTF_8));
            return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
