package com.hushryd.client.model;

import java.util.List;

/** Messages newest first; pass {@code nextBefore} as {@code before} for older ones. */
public record MessagePage(List<Message> items, String nextBefore) {
}
