package dev.courier.whatsapp.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.AfterCommit;
import dev.courier.queue.JobContext;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.Instances;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.store.Tx;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign expansion job ({@value Campaigns#EXPAND_KIND}). Each batch is one transaction: lock
 * the campaign row, read the next recipients after its cursor, render and validate each one's
 * message, insert the valid ones with their send jobs in bulk, record every recipient's message id
 * or error, and advance the cursor. A crash loses at most the batch in progress, which rolls back
 * whole; the job's next attempt continues from the committed cursor, so no recipient gets two
 * messages and none is skipped. It expands only a window ahead of the sends: while {@code window}
 * of the campaign's messages wait in the send queue it waits too, so a campaign of 100,000 spreads
 * its inserts over its whole send instead of loading them at the start, and the job table holds a
 * window of it. Once every recipient is expanded the job checks every few seconds whether all the
 * campaign's messages are final, and then marks it {@code completed}.
 */
public final class CampaignExpander {
  /** Recipients per transaction unless configured. */
  public static final int DEFAULT_BATCH = 1_000;
  /** How long one attempt expands before it yields its worker slot (snoozing for no time). */
  static final Duration SLICE = Duration.ofSeconds(20);
  /** How often an expanded campaign checks whether its messages are all final. */
  static final Duration COMPLETION_CHECK = Duration.ofSeconds(2);
  /** Queued messages of one campaign above which its expansion waits, unless configured. */
  public static final int DEFAULT_WINDOW = 5_000;
  /** How often a campaign whose window is full looks again. */
  static final Duration WINDOW_CHECK = Duration.ofMillis(500);
  private static final Logger LOG = LoggerFactory.getLogger(CampaignExpander.class);

  private enum Step { MORE, EXPANDED, WAIT, AHEAD, DONE }

  private final DataSource dataSource;
  private final CampaignStore store;
  private final Instances instances;
  private final Messages messages;
  private final CampaignHooks hooks;
  private final int batchSize;
  private final int window;
  private final Clock clock;

  public CampaignExpander(DataSource dataSource, CampaignStore store, Instances instances, Messages messages,
      CampaignHooks hooks, int batchSize, int window, Clock clock) {
    if (batchSize < 1 || batchSize > 10_000) {
      throw new IllegalArgumentException("campaign batch size: must be 1-10000, was " + batchSize);
    }
    if (window < 1) {
      throw new IllegalArgumentException("campaign window: must be at least 1, was " + window);
    }
    this.window = Math.max(window, batchSize);
    this.dataSource = dataSource;
    this.store = store;
    this.instances = instances;
    this.messages = messages;
    this.hooks = hooks;
    this.batchSize = batchSize;
    this.clock = clock;
  }

  public void work(JobContext<Campaigns.ExpandArgs> ctx) throws SQLException {
    String id = ctx.args().campaignId();
    long started = System.nanoTime();
    int batches = 0;
    while (!ctx.isCancelled()) {
      int batchNo = ++batches;
      AfterCommit afterCommit = messages.afterCommit();
      Step step = Tx.run(dataSource, conn -> {
        Optional<Campaign> found = store.campaignGet(conn, id, true);
        if (found.isEmpty()) {
          return Step.DONE;
        }
        Campaign c = found.get();
        Instant now = clock.instant();
        switch (c.status()) {
          case DRAFT, COMPLETED, CANCELLED -> {
            return Step.DONE;
          }
          case SCHEDULED -> store.campaignTransition(conn, id, List.of(CampaignStatus.SCHEDULED), CampaignStatus.RUNNING, now);
          default -> { }
        }
        if (c.expandedAt() != null) {
          if (c.status() == CampaignStatus.RUNNING && !store.campaignHasUnfinished(conn, id)) {
            store.campaignTransition(conn, id, List.of(CampaignStatus.RUNNING), CampaignStatus.COMPLETED, now);
            LOG.info("campaign completed id={}", id);
            return Step.DONE;
          }
          return Step.WAIT;
        }
        if (store.campaignQueuedAhead(conn, id, c.cursorSeq(), window) + batchSize > window) {
          return Step.AHEAD;
        }
        List<CampaignStore.PendingRecipient> batch = store.recipientNextBatch(conn, id, c.cursorSeq(), batchSize);
        if (batch.isEmpty()) {
          store.campaignAdvance(conn, id, c.cursorSeq(), now, now);
          return Step.EXPANDED;
        }
        Instance instance = instances.lockLive(conn, List.of(c.instanceId())).isEmpty() ? null
            : instances.find(c.instanceId()).orElse(null);
        if (instance == null) {
          // The instance was deleted: nothing more can be sent.
          store.campaignTransition(conn, id, CampaignStatus.CANCELLABLE, CampaignStatus.CANCELLED, now);
          LOG.warn("campaign cancelled: its instance is gone id={} instance={}", id, c.instanceId());
          return Step.DONE;
        }
        expandBatch(conn, c, instance, batch, afterCommit);
        hooks.beforeBatchCommit(id, batchNo);
        long last = batch.get(batch.size() - 1).seq();
        boolean done = batch.size() < batchSize;
        store.campaignAdvance(conn, id, last, done ? now : null, now);
        return done ? Step.EXPANDED : Step.MORE;
      });
      afterCommit.run();
      switch (step) {
        case DONE -> {
          return;
        }
        case WAIT -> throw ctx.snooze(COMPLETION_CHECK);
        case AHEAD -> throw ctx.snooze(WINDOW_CHECK);
        case MORE -> {
          if (System.nanoTime() - started > SLICE.toNanos()) {
            // Yield the slot (other campaigns, other work); the next attempt continues from the cursor.
            throw ctx.snooze(Duration.ZERO);
          }
        }
        case EXPANDED -> LOG.info("campaign expanded id={}", id);
      }
    }
  }

  private void expandBatch(java.sql.Connection conn, Campaign c, Instance instance,
      List<CampaignStore.PendingRecipient> batch, AfterCommit afterCommit) throws SQLException {
    String type = c.type();
    JsonNode content = c.template().get(type);
    long[] seqs = new long[batch.size()];
    String[] messageIds = new String[batch.size()];
    String[] errors = new String[batch.size()];
    List<Messages.Draft> drafts = new ArrayList<>(batch.size());
    List<Integer> draftIndex = new ArrayList<>(batch.size());
    for (int n = 0; n < batch.size(); n++) {
      CampaignStore.PendingRecipient r = batch.get(n);
      seqs[n] = r.seq();
      ObjectNode body = c.template().deepCopy();
      body.put("to", r.recipient());
      ObjectNode metadata = body.has("metadata") && body.get("metadata").isObject()
          ? (ObjectNode) body.get("metadata") : body.putObject("metadata");
      metadata.put("campaignId", c.id());
      try {
        body.set(type, Placeholders.render(content, variables(r.variables())));
        drafts.add(messages.draft(c.organizationId(), body, false, i -> i.equals(instance.id())
            ? Optional.of(instance) : Optional.empty(), c.priority()));
        draftIndex.add(n);
      } catch (IllegalArgumentException e) {
        errors[n] = e.getMessage();
      } catch (InvalidRequestException e) {
        errors[n] = e.errors().stream().map(f -> f.field() + ": " + f.message()).collect(Collectors.joining("; "));
      }
    }
    List<String> ids = messages.insertForCampaign(conn, c.organizationId(), drafts, c.limiterKey(), afterCommit);
    for (int k = 0; k < ids.size(); k++) {
      messageIds[draftIndex.get(k)] = ids.get(k);
    }
    store.recipientSetResults(conn, seqs, messageIds, errors);
  }

  private static Map<String, String> variables(ObjectNode vars) {
    Map<String, String> out = new HashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = vars.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      out.put(f.getKey(), f.getValue().asText());
    }
    return out;
  }
}
