package com.hushryd.client.model;

import java.util.List;

/** A page of a keyset-paginated list: pass {@code nextCursor} back for the next one; null at the end. */
public record Page<T>(List<T> items, String nextCursor) {
}
