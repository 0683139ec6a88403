/**
 * Idempotency keys of creating calls: a client sends {@code Idempotency-Key} with a call that creates something, and a
 * retry with the same key (after a lost response, a crash, a replayed offline queue) gets the first answer again
 * instead of creating it twice (decision 0052).
 */
package com.hushryd.idempotency;
