-- Rider-driver chat: one conversation per booking (the conversation id is the booking id).
-- V2 is reserved for the job queue tables.

CREATE TABLE chat_messages (
    id                uuid        PRIMARY KEY,
    conversation_id   uuid        NOT NULL REFERENCES bookings (id),
    sender_id         uuid        NOT NULL REFERENCES users (id),
    body              text        NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    client_message_id text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
-- history, newest first, keyset on the time-ordered id
CREATE INDEX chat_messages_history_idx ON chat_messages (conversation_id, id DESC);
-- a retried send with the same client id stores one message
CREATE UNIQUE INDEX chat_messages_client_id_key ON chat_messages (conversation_id, sender_id, client_message_id)
    WHERE client_message_id IS NOT NULL;

-- per-node statistics reported with the cluster heartbeat (connections, rooms, broker)
ALTER TABLE cluster_nodes ADD COLUMN stats jsonb;
