/** The Socket.IO connection: token, reconnect with backoff, resubscription, typed listeners (docs/realtime.md). */
package com.hushryd.client.realtime;
