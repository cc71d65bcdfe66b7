package dev.courier.whatsapp.campaign;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A campaign as stored: one message template ({@code template}: the message request without
 * {@code to}, with {@code {{variable}}} placeholders) for many recipients, expanded into messages in
 * batches up to {@code cursorSeq}.
 */
public record Campaign(
    String id,
    String organizationId,
    String instanceId,
    String name,
    CampaignStatus status,
    ObjectNode template,
    List<String> variables,
    int priority,
    Integer rateCount,
    Duration ratePer,
    Instant startAt,
    long cursorSeq,
    Instant expandedAt,
    Long jobId,
    Instant createdAt,
    Instant updatedAt,
    Instant startedAt,
    Instant finishedAt) {

  /** The message type of every message of the campaign. */
  public String type() {
    return template.path("type").asText();
  }

  /** The secondary limiter every send job of this campaign carries: pausing it holds them. */
  public String limiterKey() {
    return limiterKey(instanceId, id);
  }

  static String limiterKey(String instanceId, String campaignId) {
    return "wa:" + instanceId + ":cmp:" + campaignId;
  }
}
