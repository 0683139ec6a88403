/**
 * The persistent offline queue of critical actions (SOS, booking cancellation, chat messages, location batches): an
 * fsync'd append-only journal, replayed in order, each action exactly once by its idempotency key (decision 0053).
 */
package com.hushryd.client.offline;
