package dev.courier.whatsapp.organization;

import java.time.Duration;

/**
 * What an organization's plan tier decides: the default priority of its single messages and of
 * its campaigns' messages (0 most urgent, 9 bulk), and optionally a cap on its sending rate, counted
 * per organization.
 *
 * @param rateCount messages per {@code ratePer} for each organization of the plan, or null for none
 */
public record PlanPolicy(int priority, int campaignPriority, Integer rateCount, Duration ratePer) {
  public PlanPolicy {
    if (priority < 0 || priority > 9 || campaignPriority < 0 || campaignPriority > 9) {
      throw new IllegalArgumentException("priorities must be 0-9, were " + priority + " and " + campaignPriority);
    }
    if ((rateCount == null) != (ratePer == null)
        || (rateCount != null && (rateCount < 1 || ratePer.isZero() || ratePer.isNegative()))) {
      throw new IllegalArgumentException("a rate needs a positive count and a positive period");
    }
  }

  public boolean limited() {
    return rateCount != null;
  }
}
