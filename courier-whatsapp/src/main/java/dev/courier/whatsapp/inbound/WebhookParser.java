package dev.courier.whatsapp.inbound;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Turns the JSON body of one provider callback request into what it carries.
 *
 * <p>Implementations never throw on what a provider sent: a part they cannot read is skipped and
 * the rest is kept. A provider retries a callback that was not answered 2xx, so a request that
 * failed to parse as a whole would come back again and again and carry its good parts down with
 * it. Implementations hold no state and are safe to share between threads.
 */
public interface WebhookParser {
  /**
   * @param root the parsed request body; anything, including null or a non-object
   * @return the statuses, messages and connection news found, possibly empty, never null
   */
  WebhookBatch parse(JsonNode root);
}
