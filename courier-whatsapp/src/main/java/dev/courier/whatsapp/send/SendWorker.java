package dev.courier.whatsapp.send;

import dev.courier.queue.CourierQueue;
import dev.courier.queue.JobContext;
import dev.courier.queue.ResourceUnavailable;
import dev.courier.queue.Worker;
import dev.courier.whatsapp.event.DomainEvent;
import dev.courier.whatsapp.event.EventStore;
import dev.courier.whatsapp.inbound.ContactStore;
import dev.courier.whatsapp.inbound.StatusUpdates;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.InstanceState;
import dev.courier.whatsapp.instance.Instances;
import dev.courier.whatsapp.instance.ProviderKind;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageEvents;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.message.MessageStore;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.provider.ErrorClass;
import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.Providers;
import dev.courier.whatsapp.provider.SendReceipt;
import dev.courier.whatsapp.store.BatchCommitter;
import dev.courier.whatsapp.store.Tx;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one message. The message is marked {@code sending} (with the job attempt) and committed
 * before the provider is called; the provider's answer and the job's completion then commit in one
 * transaction. Both commits are shared with concurrent sends ({@link BatchCommitter}): one WAL
 * flush, and one completion statement, per batch of sends. A job that finds its message still
 * {@code sending} therefore knows an earlier attempt died mid-send: it marks the message
 * {@code in_doubt} and waits for a provider callback proving the send (the Cloud API echoes
 * Courier's message id as {@code biz_opaque_callback_data}) before the instance's policy resends or
 * fails it.
 */
public final class SendWorker implements Worker<Messages.SendArgs> {
  private static final Logger LOG = LoggerFactory.getLogger(SendWorker.class);
  static final Duration PAUSED_RECHECK = Duration.ofMinutes(1);
  /**
   * A job that found its instance paused waits only this long: then it waits on the instance's
   * paused limiter, which resuming releases at once.
   */
  static final Duration PAUSED_INSTANCE_RECHECK = Duration.ofSeconds(5);
  static final Duration RECIPIENT_HOLD = Duration.ofHours(24);
  static final Duration MAX_THROTTLE_BACKOFF = Duration.ofMinutes(5);
  static final Duration CLOUD_TYPING_CONTEXT = Duration.ofHours(24);

  private final DataSource dataSource;
  private final MessageStore messages;
  private final Instances instances;
  private final Providers providers;
  private final EventStore events;
  private final StatusUpdates statusUpdates;
  private final ContactStore contacts;
  private final SendGuardStore guards;
  private final SendHooks hooks;
  private final CourierQueue engine;
  private final BatchCommitter<MarkSending, Boolean> markCommits;
  private final BatchCommitter<AcceptedSend, Recorded> recordCommits;
  private final Clock clock;

  /**
   * @param committers threads that group the two commits of every send (marked {@code sending};
   *     the provider's answer with the job's completion) with those of concurrent sends, each kind
   *     on its own; 0 commits each alone
   */
  public SendWorker(DataSource dataSource, MessageStore messages, Instances instances, Providers providers,
      EventStore events, StatusUpdates statusUpdates, ContactStore contacts, SendGuardStore guards, SendHooks hooks,
      CourierQueue engine, int committers, Clock clock) {
    this.dataSource = dataSource;
    this.engine = engine;
    this.markCommits = new BatchCommitter<>(dataSource, "send-mark", committers, BatchCommitter.DEFAULT_MAX_BATCH,
        this::markAll);
    this.recordCommits = new BatchCommitter<>(dataSource, "send-record", committers, BatchCommitter.DEFAULT_MAX_BATCH,
        this::recordAll);
    this.messages = messages;
    this.instances = instances;
    this.providers = providers;
    this.events = events;
    this.statusUpdates = statusUpdates;
    this.contacts = contacts;
    this.guards = guards;
    this.hooks = hooks;
    this.clock = clock;
  }

  @Override
  public void work(JobContext<Messages.SendArgs> ctx) throws Exception {
    String id = ctx.args().messageId();
    Optional<Message> found = messages.messageGet(id);
    if (found.isEmpty() || found.get().status().isFinal()) {
      return; // cancelled, sent (e.g. proven by a callback while in doubt) or gone: nothing to send
    }
    Message m = found.get();
    Optional<Instance> instance = instances.find(m.instanceId());
    if (instance.isEmpty()) {
      fail(ctx, m, null, "instance_deleted", "instance " + m.instanceId() + " no longer exists");
      return;
    }
    Instance i = instance.get();
    if (i.state() == InstanceState.PAUSED) {
      throw new ResourceUnavailable("instance " + i.id() + " is paused", PAUSED_INSTANCE_RECHECK);
    }
    if (i.state() == InstanceState.DISCONNECTED) {
      throw new ResourceUnavailable("instance " + i.id() + " is disconnected");
    }
    if (m.status() == MessageStatus.SENDING) {
      m = markInDoubt(m, "attempt " + m.sendAttempt() + " ended before the provider's answer was recorded");
    }
    if (m.status() == MessageStatus.IN_DOUBT && !reconciled(ctx, m, i)) {
      return;
    }
    waitForRecipientGuards(ctx, m, i);
    int attempt = ctx.attempt();
    if (!markCommits.submit(new MarkSending(id, attempt, clock.instant()))) {
      return; // cancelled meanwhile
    }
    Instant started = clock.instant();
    SendReceipt receipt;
    try {
      receipt = providers.of(i).send(outbound(m, i));
    } catch (ProviderException e) {
      handle(ctx, m, i, e, started);
      return;
    } catch (RuntimeException e) {
      // A provider should only throw ProviderException; anything else may have happened after the
      // request left, so it is treated as in doubt rather than risk a double send.
      LOG.warn("provider call failed unexpectedly message={} instance={}", id, i.id(), e);
      handle(ctx, m, i, new ProviderException(ErrorClass.IN_DOUBT, "internal", e.toString()), started);
      return;
    }
    hooks.afterProviderAccepted(m, receipt);
    recordAccepted(ctx, m, i, receipt, started);
  }

  private OutboundMessage outbound(Message m, Instance i) throws SQLException {
    Duration typing = m.typing() == null ? Duration.ZERO : m.typing();
    String typingContext = null;
    if (i.provider() == ProviderKind.CLOUD_API && !typing.isZero()) {
      try (var c = dataSource.getConnection()) {
        typingContext = contacts.latestInboundId(c, i.id(), m.recipient(), clock.instant().minus(CLOUD_TYPING_CONTEXT)).orElse(null);
      }
    }
    return new OutboundMessage(m.id(), m.recipient(), m.type(), m.content(), m.replyTo(), typing, typingContext);
  }

  /** A message about to be sent: marked {@code sending} with its attempt before the provider is called. */
  private record MarkSending(String messageId, int attempt, Instant at) {}

  /** Marks a batch of messages {@code sending} in the caller's transaction, one statement for all. */
  private List<Boolean> markAll(Connection conn, List<MarkSending> marks) throws SQLException {
    messages.messagesLock(conn, marks.stream().map(MarkSending::messageId).collect(Collectors.toCollection(TreeSet::new)));
    List<MarkSending> firsts = firstPerMessage(marks, MarkSending::messageId);
    Set<String> moved = messages.messagesMarkSending(conn, firsts.stream().map(MarkSending::messageId).toList(),
        firsts.stream().mapToInt(MarkSending::attempt).toArray(), firsts.stream().map(MarkSending::at).toList());
    List<Boolean> out = new ArrayList<>(marks.size());
    for (MarkSending m : marks) {
      out.add(moved.remove(m.messageId())); // once, should one message appear twice
    }
    return out;
  }

  /** The first item of each message, in order: a message twice in one batch moves once. */
  private static <T> List<T> firstPerMessage(List<T> items, Function<T, String> messageId) {
    return List.copyOf(items.stream()
        .collect(Collectors.toMap(messageId, t -> t, (first, later) -> first, LinkedHashMap::new)).values());
  }

  /** A send the provider accepted, waiting to be recorded. */
  private record AcceptedSend(JobContext<Messages.SendArgs> ctx, Message m, Instance i, SendReceipt receipt,
      Instant started, Instant now) {}

  /** What the transaction recording an accepted send did, for after its commit. */
  private record Recorded(boolean completed, List<DomainEvent> raised, StatusUpdates.AfterCommit after) {}

  /**
   * Records accepted sends in the caller's transaction, one statement for all of them per step:
   * their attempts, {@code sent} with history, events and early callbacks, then all their jobs'
   * completions (one order-key hand-over for the batch).
   */
  private List<Recorded> recordAll(Connection conn, List<AcceptedSend> sends) throws SQLException {
    // Every message of the batch locked first, in id order (see SharedTransactions): status
    // callbacks and other batches lock them the same way.
    messages.messagesLock(conn, sends.stream().map(s -> s.m().id()).collect(Collectors.toCollection(TreeSet::new)));
    messages.attemptsInsertAccepted(conn, sends.stream().map(s -> s.m().id()).toList(),
        sends.stream().mapToInt(s -> s.ctx().attempt()).toArray(), sends.stream().map(AcceptedSend::started).toList(),
        sends.stream().map(AcceptedSend::now).toList());
    List<AcceptedSend> firsts = firstPerMessage(sends, s -> s.m().id());
    Set<String> sent = messages.messagesMarkSent(conn, firsts.stream().map(s -> s.m().id()).toList(),
        firsts.stream().map(s -> s.receipt().providerMessageId()).toList(), firsts.stream().map(AcceptedSend::now).toList());
    // Made here, per call: a shared transaction that failed runs its sends again alone.
    List<List<DomainEvent>> raised = new ArrayList<>(sends.size());
    List<StatusUpdates.AfterCommit> after = new ArrayList<>(sends.size());
    List<DomainEvent> sentEvents = new ArrayList<>();
    List<StatusUpdates.RecordedSend> recorded = new ArrayList<>(sends.size());
    for (AcceptedSend s : sends) {
      List<DomainEvent> r = new ArrayList<>();
      if (sent.remove(s.m().id())) { // once, should one message appear twice
        DomainEvent e = MessageEvents.build(events, s.m(), "sent", s.receipt().providerMessageId(), null, null);
        r.add(e);
        sentEvents.add(e);
      }
      raised.add(r);
      after.add(new StatusUpdates.AfterCommit());
      recorded.add(new StatusUpdates.RecordedSend(s.i(), s.m().id(), s.receipt().providerMessageId()));
    }
    events.eventsInsert(conn, sentEvents);
    // Callbacks that came before this commit (a fast provider) wait in the pending table; applied
    // after the sent events, so each message's events and history read in order.
    statusUpdates.applyPendingMany(conn, recorded, raised, after);
    // Even when this node lost a job (its lease expired), the provider's answer is kept: the node
    // that took over finds the message sent and ends without sending again.
    boolean[] completed = engine.completeWithin(conn, sends.stream().map(AcceptedSend::ctx).toList());
    List<Recorded> out = new ArrayList<>(sends.size());
    for (int n = 0; n < sends.size(); n++) {
      out.add(new Recorded(completed[n], raised.get(n), after.get(n)));
    }
    return out;
  }

  private void recordAccepted(JobContext<Messages.SendArgs> ctx, Message m, Instance i, SendReceipt receipt, Instant started)
      throws SQLException {
    Recorded recorded = recordCommits.submit(new AcceptedSend(ctx, m, i, receipt, started, clock.instant()));
    if (!recorded.completed()) {
      LOG.warn("send recorded but the job was taken over message={} job={}", m.id(), ctx.job().id());
    }
    events.publishAfterCommit(recorded.raised());
    statusUpdates.runAfterCommit(recorded.after());
  }

  /** Stops the committers; sends still finishing commit alone. */
  public void close() {
    markCommits.close();
    recordCommits.close();
  }

  /** True when an in-doubt message should be sent again now; otherwise the job ends or waits. */
  private boolean reconciled(JobContext<Messages.SendArgs> ctx, Message m, Instance i) throws SQLException {
    Instant deadline = m.inDoubtSince().plus(i.inDoubtWindow());
    Instant now = clock.instant();
    if (now.isBefore(deadline)) {
      // A status callback proving the send wakes this job early (StatusUpdates retries it).
      throw ctx.snooze(Duration.between(now, deadline));
    }
    if ("fail".equals(i.inDoubtPolicy())) {
      fail(ctx, m, i, "in_doubt", "no provider callback proved the send within " + i.inDoubtWindow()
          + "; not resent (instance policy: fail)");
      return false;
    }
    LOG.info("resending in-doubt message={} instance={} window={}", m.id(), i.id(), i.inDoubtWindow());
    return true;
  }

  private void waitForRecipientGuards(JobContext<Messages.SendArgs> ctx, Message m, Instance i) throws SQLException {
    if (!"template".equals(m.type())) {
      return;
    }
    Instant now = clock.instant();
    Optional<Instant> wait = Tx.run(dataSource, conn -> {
      Optional<Instant> hold = guards.holdUntil(conn, i.id(), m.recipient(), now);
      if (hold.isPresent()) {
        return hold;
      }
      Integer limit = i.limits().messagingLimit();
      if (i.provider() != ProviderKind.CLOUD_API || limit == null) {
        return Optional.<Instant>empty();
      }
      String portfolio = i.settings().path("portfolioId").asText(i.phoneNumberId());
      return guards.portfolioAdmit(conn, portfolio, m.recipient(), limit, now);
    });
    if (wait.isPresent()) {
      throw ctx.snooze(Duration.between(now, wait.get()));
    }
  }

  private void handle(JobContext<Messages.SendArgs> ctx, Message m, Instance i, ProviderException e, Instant started)
      throws Exception {
    Instant now = clock.instant();
    // A retryable failure on the last attempt fails the message: the job would be discarded.
    ErrorClass cls = e.errorClass() == ErrorClass.RETRYABLE && ctx.attempt() >= ctx.job().maxAttempts()
        ? ErrorClass.PERMANENT
        : e.errorClass();
    LOG.info("provider refused message={} instance={} class={} code={}", m.id(), i.id(), cls, e.code());
    String outcome = cls.name().toLowerCase(java.util.Locale.ROOT);
    switch (cls) {
      case THROTTLED -> {
        requeue(ctx, m, e, outcome, started, true);
        throw ctx.snooze(e.retryAfter() != null ? e.retryAfter() : throttleBackoff(e.code(), m.throttleCount()));
      }
      case UNAVAILABLE -> {
        requeue(ctx, m, e, outcome, started, false);
        throw new ResourceUnavailable("instance " + i.id() + " cannot send: " + e.getMessage(), e.retryAfter());
      }
      case PAUSE_INSTANCE -> {
        requeue(ctx, m, e, outcome, started, false);
        instances.pause(i.organizationId(), i.id(), "provider " + e.code() + ": " + e.getMessage());
        throw new ResourceUnavailable("instance " + i.id() + " paused after provider error " + e.code(), PAUSED_INSTANCE_RECHECK);
      }
      case PAUSE_TEMPLATE -> {
        requeue(ctx, m, e, outcome, started, false);
        instances.pauseTemplate(i, e.template() != null ? e.template() : m.templateName());
        throw new ResourceUnavailable("template " + m.templateName() + " of instance " + i.id() + " paused", PAUSED_RECHECK);
      }
      case IN_DOUBT -> {
        List<DomainEvent> raised = new ArrayList<>();
        Tx.run(dataSource, conn -> {
          messages.attemptInsert(conn, m.id(), ctx.attempt(), started, now, outcome, cls.name(), e.code(), e.getMessage());
          if (messages.messageMarkInDoubt(conn, m.id(), now, MessageEvents.detail("code", e.code(), "reason", e.getMessage()))) {
            raised.add(MessageEvents.record(conn, events, m, "in_doubt", null, e.code(), e.getMessage()));
          }
          return null;
        });
        events.publishAfterCommit(raised);
        throw ctx.snooze(i.inDoubtWindow());
      }
      case RETRYABLE -> {
        requeue(ctx, m, e, outcome, started, false);
        throw new ProviderCallFailed(m.id(), i.id(), e);
      }
      case PERMANENT, HOLD_RECIPIENT -> {
        List<DomainEvent> raised = new ArrayList<>();
        Tx.run(dataSource, conn -> {
          messages.attemptInsert(conn, m.id(), ctx.attempt(), started, now, outcome, cls.name(), e.code(), e.getMessage());
          if (cls == ErrorClass.HOLD_RECIPIENT) {
            guards.holdPut(conn, i.id(), m.recipient(), now.plus(RECIPIENT_HOLD), "provider " + e.code());
          }
          if (messages.messageMarkFailed(conn, m.id(), e.code(), e.getMessage(), now,
              MessageEvents.detail("code", e.code(), "reason", e.getMessage()))) {
            raised.add(MessageEvents.record(conn, events, m, "failed", null, e.code(), e.getMessage()));
          }
          ctx.completeWithin(conn);
          return null;
        });
        events.publishAfterCommit(raised);
        releaseHeldOrderKey(ctx, i);
      }
    }
  }

  /**
   * With {@code orderRelease: sent} a completed job keeps its order key until the provider reports
   * the message sent; a failed message never will be, so its key is released at once.
   */
  private void releaseHeldOrderKey(JobContext<Messages.SendArgs> ctx, Instance i) {
    if (i != null && "sent".equals(i.orderRelease())) {
      instances.releaseOrderKey(ctx.job().id());
    }
  }

  /**
   * Cloud API 131056 (too many messages to one recipient) backs off 1, 4, 16, 64 s as Meta
   * advises; other throttling doubles from 1 s up to 5 min, with jitter so numbers do not retry in
   * step.
   */
  static Duration throttleBackoff(String code, int throttledBefore) {
    if ("131056".equals(code)) {
      return Duration.ofSeconds((long) Math.pow(4, Math.min(throttledBefore, 3)));
    }
    long base = Math.min(MAX_THROTTLE_BACKOFF.toMillis(), 1000L << Math.min(throttledBefore, 20));
    return Duration.ofMillis(base + ThreadLocalRandom.current().nextLong(base / 4 + 1));
  }

  private void requeue(JobContext<Messages.SendArgs> ctx, Message m, ProviderException e, String outcome, Instant started,
      boolean throttled) throws SQLException {
    Instant now = clock.instant();
    Tx.run(dataSource, conn -> {
      messages.attemptInsert(conn, m.id(), ctx.attempt(), started, now, outcome, e.errorClass().name(), e.code(), e.getMessage());
      messages.messageRequeue(conn, m.id(), throttled, now, MessageEvents.detail("reason", outcome, "code", e.code()));
      return null;
    });
  }

  private Message markInDoubt(Message m, String reason) throws SQLException {
    List<DomainEvent> raised = new ArrayList<>();
    Tx.run(dataSource, conn -> {
      if (messages.messageMarkInDoubt(conn, m.id(), clock.instant(), MessageEvents.detail("reason", reason))) {
        raised.add(MessageEvents.record(conn, events, m, "in_doubt", null, null, null));
      }
      return null;
    });
    events.publishAfterCommit(raised);
    LOG.warn("message in doubt message={} instance={} reason={}", m.id(), m.instanceId(), reason);
    return messages.messageGet(m.id()).orElseThrow();
  }

  private void fail(JobContext<Messages.SendArgs> ctx, Message m, Instance i, String code, String text) throws SQLException {
    List<DomainEvent> raised = new ArrayList<>();
    Tx.run(dataSource, conn -> {
      if (messages.messageMarkFailed(conn, m.id(), code, text, clock.instant(), MessageEvents.detail("code", code, "reason", text))) {
        raised.add(MessageEvents.record(conn, events, m, "failed", null, code, text));
      }
      ctx.completeWithin(conn);
      return null;
    });
    events.publishAfterCommit(raised);
    releaseHeldOrderKey(ctx, i);
  }

  /** A provider call failed before reaching the provider; the engine retries with backoff. */
  static final class ProviderCallFailed extends RuntimeException {
    ProviderCallFailed(String messageId, String instanceId, ProviderException cause) {
      super("message " + messageId + " on instance " + instanceId + ": provider " + cause.code() + ": " + cause.getMessage(), cause);
    }
  }
}
