package io.inferbus.protocol.cluster;

import io.vertx.core.json.JsonObject;

/**
 * A cluster record whose signature verified.
 *
 * @param body the state it carries
 * @param signer who signed it
 * @param at the signer's clock when it signed (epoch millis, rising per credential)
 */
public record SealedRecord(JsonObject body, Signer signer, long at) {}
