package com.hushryd.http;

/**
 * The body of one endpoint. Runs on a bounded worker thread, so it may block (JDBC, hashing). Returns a
 * {@link Reply}, or any other object to answer 200 with it as JSON.
 */
@FunctionalInterface
public interface ApiHandler {
    Object handle(ApiRequest request) throws Exception;
}
