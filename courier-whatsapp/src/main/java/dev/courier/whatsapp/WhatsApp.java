package dev.courier.whatsapp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.JobEvent;
import dev.courier.queue.JobState;
import dev.courier.queue.QueueConfig;
import dev.courier.queue.WorkerOptions;
import dev.courier.whatsapp.campaign.CampaignExpander;
import dev.courier.whatsapp.campaign.CampaignHooks;
import dev.courier.whatsapp.campaign.CampaignStore;
import dev.courier.whatsapp.campaign.Campaigns;
import dev.courier.whatsapp.event.DomainEvent;
import dev.courier.whatsapp.schedule.ScheduleStore;
import dev.courier.whatsapp.schedule.Schedules;
import dev.courier.whatsapp.event.EventStore;
import dev.courier.whatsapp.inbound.ContactStore;
import dev.courier.whatsapp.inbound.StatusUpdates;
import dev.courier.whatsapp.inbound.WebhookService;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.InstanceStore;
import dev.courier.whatsapp.instance.Instances;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageEvents;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.message.MessageStore;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.organization.OrganizationPlans;
import dev.courier.whatsapp.organization.Plans;
import dev.courier.whatsapp.provider.Provider;
import dev.courier.whatsapp.provider.Providers;
import dev.courier.whatsapp.send.SendGuardStore;
import dev.courier.whatsapp.send.SendHooks;
import dev.courier.whatsapp.send.SendWorker;
import dev.courier.whatsapp.simulator.SimulatorCallbackWorker;
import dev.courier.whatsapp.simulator.SimulatorProvider;
import dev.courier.whatsapp.simulator.SimulatorStore;
import dev.courier.whatsapp.store.BatchCommitter;
import dev.courier.whatsapp.store.SharedTransactions;
import dev.courier.whatsapp.store.Tx;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.net.http.HttpClient;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Courier's WhatsApp domain on one node: instances, messages, the send worker, providers, status
 * callbacks and inbound messages, on top of a job engine this class builds (queues {@value
 * Messages#QUEUE} for sends and {@value SimulatorProvider#CALLBACK_QUEUE} for simulated callbacks).
 */
public final class WhatsApp {
  private static final Logger LOG = LoggerFactory.getLogger(WhatsApp.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String DEFAULT_ORGANIZATION = "org_default";
  public static final String DEMO_INSTANCE = "ins_demo";

  private final CourierQueue engine;
  private final Instances instances;
  private final Messages messages;
  private final OrganizationPlans plans;
  private final Campaigns campaigns;
  private final Schedules schedules;
  private final Duration scheduleSweepInterval;
  private final MessageStore messageStore;
  private final WebhookService webhooks;
  private final StatusUpdates statusUpdates;
  private final EventStore events;
  private final SimulatorStore simulator;
  private final SharedTransactions simulatorCommits;
  private final SharedTransactions statusCommits;
  private final SendWorker sendWorker;
  private final DataSource dataSource;
  private final Clock clock;

  /**
   * How many send jobs a node claims ahead of its running sends: four times the concurrency, at
   * least 256, at most the engine's 10,000. The buffer is ordered by priority, so a large one does
   * not delay an urgent message.
   */
  public static int sendPrefetch(int sendConcurrency) {
    return Math.min(QueueConfig.MAX_PREFETCH, Math.max(256, sendConcurrency * 4));
  }

  private WhatsApp(Builder b) {
    this.dataSource = b.dataSource;
    this.clock = b.clock;
    // Workers are registered before the engine exists and reach their services through this holder.
    WorkerHolder holder = new WorkerHolder();
    CourierQueue.Builder eb = CourierQueue.builder(b.dataSource).clock(b.clock)
        .queue(new QueueConfig(Messages.QUEUE, b.sendConcurrency, sendPrefetch(b.sendConcurrency)))
        .queue(SimulatorProvider.CALLBACK_QUEUE, b.callbackConcurrency)
        .worker(Messages.SEND_KIND, Messages.SendArgs.class, ctx -> holder.send.work(ctx),
            WorkerOptions.defaults().withTimeout(b.sendTimeout))
        .worker(SimulatorProvider.CALLBACK_KIND, SimulatorProvider.CallbackArgs.class, ctx -> holder.callback.work(ctx))
        .queue(Campaigns.QUEUE, b.campaignConcurrency)
        .worker(Campaigns.EXPAND_KIND, Campaigns.ExpandArgs.class, ctx -> holder.expander.work(ctx),
            WorkerOptions.defaults().withTimeout(Duration.ofMinutes(5)))
        .listener(this::onJobEvent);
    b.engineOptions.accept(eb);
    this.engine = eb.build();
    this.events = new EventStore(b.dataSource, b.clock);
    InstanceStore instanceStore = new InstanceStore(b.dataSource);
    this.messageStore = new MessageStore(b.dataSource);
    this.instances = new Instances(b.dataSource, instanceStore, messageStore, events, engine, b.clock);
    this.plans = new OrganizationPlans(b.dataSource, b.plans, b.clock);
    this.messages = new Messages(b.dataSource, messageStore, instances, engine, b.clock, b.groupCommit, plans);
    this.simulator = new SimulatorStore(b.dataSource);
    CampaignStore campaignStore = new CampaignStore(b.dataSource);
    this.campaigns = new Campaigns(b.dataSource, campaignStore, instances, messages, engine, b.clock);
    this.schedules = new Schedules(b.dataSource, new ScheduleStore(b.dataSource), instances, messages, b.clock,
        b.scheduleSkipAfter);
    this.scheduleSweepInterval = b.scheduleSweepInterval;
    holder.expander = new CampaignExpander(b.dataSource, campaignStore, instances, messages, b.campaignHooks,
        b.campaignBatchSize, b.campaignWindow, b.clock);
    this.statusCommits = new SharedTransactions(b.dataSource, "status", b.sendCommitters, BatchCommitter.DEFAULT_MAX_BATCH,
        messageStore::messagesLock);
    this.statusUpdates = new StatusUpdates(messageStore, events, engine, statusCommits, b.clock);
    ContactStore contacts = new ContactStore();
    this.webhooks = new WebhookService(b.dataSource, instances, statusUpdates, contacts, events, b.clock);
    this.simulatorCommits = new SharedTransactions(b.dataSource, "simulator", b.sendCommitters, BatchCommitter.DEFAULT_MAX_BATCH);
    Function<Instance, Provider> factory = b.providerFactory != null
        ? b.providerFactory
        : new ProviderFactory(simulator, engine, simulatorCommits, b.clock, b.httpClient);
    Providers providers = new Providers(factory);
    this.sendWorker = new SendWorker(b.dataSource, messageStore, instances, providers, events, statusUpdates, contacts,
        new SendGuardStore(), b.sendHooks, engine, b.sendCommitters, b.clock);
    holder.send = sendWorker;
    holder.callback = new SimulatorCallbackWorker(instances, statusUpdates, b.clock);
  }

  private static final class WorkerHolder {
    volatile SendWorker send;
    volatile SimulatorCallbackWorker callback;
    volatile CampaignExpander expander;
  }

  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /** Re-applies instance limiters, then starts the engine's fetchers and maintenance. */
  public void start() throws SQLException {
    int n = instances.syncLimiters();
    int c = campaigns.syncLimiters();
    plans.applyLimiters(engine);
    LOG.info("whatsapp starting instances={} activeCampaigns={}", n, c);
    engine.start();
    schedules.start(scheduleSweepInterval);
  }

  public void stop(Duration timeout) {
    schedules.stop();
    messages.close();
    engine.stop(timeout);
    // After the engine: sends still finishing within the timeout commit through them.
    sendWorker.close();
    simulatorCommits.close();
    statusCommits.close();
  }

  /**
   * Creates the {@code demo} simulator instance ({@value #DEMO_INSTANCE}) in the default
   * organization when the database has never had an instance, so a new user can send a message at
   * once. Returns it when it was created.
   */
  public Optional<Instance> createDemoInstanceIfFirstRun() throws SQLException {
    boolean empty = Tx.run(dataSource, conn -> {
      try (var ps = conn.prepareStatement("SELECT NOT EXISTS (SELECT 1 FROM courier_instance)");
          var rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    });
    if (!empty) {
      return Optional.empty();
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("name", "demo").put("provider", "simulator");
    body.putObject("settings").put("latency", "20ms").put("seed", 7)
        .putObject("statuses").put("sent", "0ms").put("delivered", "1s").put("read", "3s");
    try {
      Instance demo = instances.createWithId(DEFAULT_ORGANIZATION, DEMO_INSTANCE, body);
      LOG.info("created the demo simulator instance id={}", demo.id());
      return Optional.of(demo);
    } catch (InvalidRequestException | SQLException e) {
      // Another node starting at the same moment created it.
      LOG.debug("demo instance not created: {}", e.getMessage());
      return Optional.empty();
    }
  }

  /** Marks a message failed when its send job was discarded (attempts spent, or rescued too often). */
  private void onJobEvent(JobEvent e) {
    if (e.to() != JobState.DISCARDED || !Messages.SEND_KIND.equals(e.kind()) || messageStore == null) {
      return;
    }
    try {
      Optional<Message> m = messageStore.messageByJobId(e.jobId());
      if (m.isEmpty() || m.get().status().isFinal()) {
        return;
      }
      boolean doubt = m.get().status() != MessageStatus.QUEUED;
      String code = doubt ? "in_doubt" : "attempts_exhausted";
      String text = doubt ? "the send job ran out of attempts while the send was in doubt"
          : "the send job ran out of attempts";
      List<DomainEvent> raised = new ArrayList<>();
      Tx.run(dataSource, conn -> {
        if (messageStore.messageMarkFailed(conn, m.get().id(), code, text, clock.instant(), MessageEvents.detail("code", code))) {
          raised.add(MessageEvents.record(conn, events, m.get(), "failed", null, code, text));
        }
        return null;
      });
      events.publishAfterCommit(raised);
    } catch (SQLException | RuntimeException ex) {
      LOG.warn("could not mark the message of discarded job={} failed", e.jobId(), ex);
    }
  }

  /** The engine queues this domain runs: sends and the simulator's callbacks. */
  public List<String> queueNames() {
    return List.of(Messages.QUEUE, SimulatorProvider.CALLBACK_QUEUE, Campaigns.QUEUE);
  }

  public CourierQueue engine() {
    return engine;
  }

  public Instances instances() {
    return instances;
  }

  public Messages messages() {
    return messages;
  }

  public Campaigns campaigns() {
    return campaigns;
  }

  public Schedules schedules() {
    return schedules;
  }

  public WebhookService webhooks() {
    return webhooks;
  }

  public StatusUpdates statusUpdates() {
    return statusUpdates;
  }

  public EventStore events() {
    return events;
  }

  /** The simulator's outbox of an instance after {@code afterSeq}, in the order it accepted messages. */
  public List<SimulatorStore.OutboxEntry> outbox(String organizationId, String instanceId, long afterSeq, int limit)
      throws SQLException {
    Instance i = instances.get(organizationId, instanceId);
    if (i.provider() != dev.courier.whatsapp.instance.ProviderKind.SIMULATOR) {
      throw new InvalidRequestException("instanceId", "only simulator instances have an outbox");
    }
    return simulator.outboxList(instanceId, afterSeq, limit);
  }

  /** How a node's WhatsApp domain is built. */
  public static final class Builder {
    private final DataSource dataSource;
    private Clock clock = Clock.systemUTC();
    private HttpClient httpClient;
    private SendHooks sendHooks = SendHooks.NONE;
    // A send waits on the provider most of its time (Cloud API answers take 0.1-1 s) and holds
    // no connection meanwhile, so the node needs many in flight to keep several numbers at their
    // rate; sends finishing together also share bigger commits (docs/BENCHMARKS.md, WhatsApp).
    private int sendConcurrency = 256;
    private int sendCommitters = 2;
    private int callbackConcurrency = 16;
    private Duration sendTimeout = Duration.ofMinutes(2);
    private Consumer<CourierQueue.Builder> engineOptions = e -> {};
    private Function<Instance, Provider> providerFactory;
    private int campaignConcurrency = 4;
    private int campaignBatchSize = CampaignExpander.DEFAULT_BATCH;
    private int campaignWindow = CampaignExpander.DEFAULT_WINDOW;
    private CampaignHooks campaignHooks = CampaignHooks.NONE;
    private Duration scheduleSweepInterval = Schedules.DEFAULT_SWEEP_INTERVAL;
    private Duration scheduleSkipAfter = Schedules.DEFAULT_SKIP_AFTER;
    private Messages.GroupCommit groupCommit = Messages.GroupCommit.OFF;
    private Plans plans = Plans.defaults();

    private Builder(DataSource dataSource) {
      this.dataSource = dataSource;
    }

    public Builder clock(Clock c) {
      this.clock = c;
      return this;
    }

    /** The HTTP client providers use (one per node; tests share theirs). */
    public Builder httpClient(HttpClient c) {
      this.httpClient = c;
      return this;
    }

    public Builder sendHooks(SendHooks h) {
      this.sendHooks = h;
      return this;
    }

    /** How many sends run at once on this node (default 256, at most 10,000). */
    public Builder sendConcurrency(int n) {
      if (n < 1 || n > QueueConfig.MAX_CONCURRENCY) {
        throw new IllegalArgumentException("sendConcurrency: must be 1-" + QueueConfig.MAX_CONCURRENCY + ", got " + n);
      }
      this.sendConcurrency = n;
      return this;
    }

    public Builder callbackConcurrency(int n) {
      this.callbackConcurrency = n;
      return this;
    }

    public Builder sendTimeout(Duration d) {
      this.sendTimeout = d;
      return this;
    }

    /** Further engine options (lease, intervals, maintenance role, more queues and workers). */
    public Builder engine(Consumer<CourierQueue.Builder> options) {
      this.engineOptions = options;
      return this;
    }

    /** How many campaigns this node expands at once (default 4). */
    public Builder campaignConcurrency(int n) {
      this.campaignConcurrency = n;
      return this;
    }

    /** Recipients per expansion transaction (default {@value CampaignExpander#DEFAULT_BATCH}). */
    public Builder campaignBatchSize(int n) {
      this.campaignBatchSize = n;
      return this;
    }

    /** How often this node looks for due schedule occurrences (default 2 s; zero: never, tests sweep by hand). */
    public Builder scheduleSweepInterval(Duration d) {
      this.scheduleSweepInterval = d;
      return this;
    }

    /** How old a due occurrence may be and still be sent (default 1 h); older ones are skipped. */
    public Builder scheduleSkipAfter(Duration d) {
      this.scheduleSkipAfter = d;
      return this;
    }

    /** Test seams of the campaign expansion. */
    /**
     * Queued messages of one campaign above which its expansion waits (default {@value
     * CampaignExpander#DEFAULT_WINDOW}; never less than the batch size).
     */
    public Builder campaignWindow(int n) {
      this.campaignWindow = n;
      return this;
    }

    public Builder campaignHooks(CampaignHooks h) {
      this.campaignHooks = h;
      return this;
    }

    /** Replaces how providers are built (tests). */
    public Builder providerFactory(Function<Instance, Provider> f) {
      this.providerFactory = f;
      return this;
    }

    /** The plan tiers' default priorities and rate caps (default {@link Plans#defaults()}). */
    public Builder plans(Plans p) {
      this.plans = java.util.Objects.requireNonNull(p, "plans");
      return this;
    }

    /**
     * Committers that group the commits of concurrent sends (marked {@code sending}, then the
     * provider's answer with the job's completion; the simulator's outbox and status callbacks
     * likewise) into shared transactions, per step (default 2; 0 commits each alone).
     */
    public Builder sendCommitters(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("sendCommitters: must be >= 0, got " + n);
      }
      this.sendCommitters = n;
      return this;
    }

    /** How single sends commit (default: each alone; the server turns group commit on). */
    public Builder groupCommit(Messages.GroupCommit g) {
      this.groupCommit = g;
      return this;
    }

    public WhatsApp build() {
      if (httpClient == null) {
        httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      }
      return new WhatsApp(this);
    }
  }
}
