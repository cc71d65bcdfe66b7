package dev.courier.whatsapp.campaign;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * A campaign's states. {@code draft} (recipients may be added) -> {@code scheduled} (started with a
 * later {@code startAt}) or {@code running} -> {@code paused} -> {@code running} -> {@code completed}
 * (every recipient expanded and every message final); any state but the final ones -> {@code
 * cancelled}.
 */
public enum CampaignStatus {
  DRAFT, SCHEDULED, RUNNING, PAUSED, COMPLETED, CANCELLED;

  /** The states each action may start from. */
  static final Set<CampaignStatus> STARTABLE = Set.of(DRAFT);
  static final Set<CampaignStatus> PAUSABLE = Set.of(SCHEDULED, RUNNING);
  static final Set<CampaignStatus> RESUMABLE = Set.of(PAUSED);
  static final Set<CampaignStatus> CANCELLABLE = Set.of(DRAFT, SCHEDULED, RUNNING, PAUSED);
  /** Recipients may be added until the campaign ends; a running one sends them after the others. */
  static final Set<CampaignStatus> OPEN_FOR_RECIPIENTS = Set.of(DRAFT, SCHEDULED, RUNNING, PAUSED);

  public String text() {
    return name().toLowerCase();
  }

  public boolean isFinal() {
    return this == COMPLETED || this == CANCELLED;
  }

  public static Optional<CampaignStatus> of(String text) {
    return Arrays.stream(values()).filter(s -> s.text().equals(text)).findFirst();
  }
}
