package dev.courier.whatsapp.campaign;

/** Test seams of the campaign expansion. */
public interface CampaignHooks {
  CampaignHooks NONE = (campaignId, batch) -> {};

  /**
   * Called inside a batch's transaction once its messages are inserted, before the cursor advances
   * and the transaction commits; {@code batch} counts from 1 per expansion attempt. Throwing rolls
   * the batch back, as a crash would.
   */
  void beforeBatchCommit(String campaignId, int batch);
}
