package dev.courier.whatsapp.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.testing.DomainTestBase;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Group commit of single sends: batches are made to form deterministically by holding the one
 * committer on a lock (a {@code FOR UPDATE} on the instance its first message goes to) while the
 * requests of the next batch queue up.
 */
@DatabaseTest
class GroupCommitTest extends DomainTestBase {
  private WhatsApp w;
  private Instance main;
  private Instance blockerInstance;
  private final AtomicInteger nodes = new AtomicInteger();

  private WhatsApp node(Messages.GroupCommit g) throws Exception {
    w = built(node().groupCommit(g));
    int n = nodes.incrementAndGet();
    main = w.instances().create(ORG, json("{\"name\": \"sim-" + n + "\", \"provider\": \"simulator\"}"));
    blockerInstance = w.instances().create(ORG, json("{\"name\": \"blocker-" + n + "\", \"provider\": \"simulator\"}"));
    return w;
  }

  /** Sends on its own virtual thread. */
  private CompletableFuture<Messages.Accepted> sendAsync(Messages.Draft d, String key) {
    CompletableFuture<Messages.Accepted> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        f.complete(w.messages().accept(ORG, d, key));
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    return f;
  }

  private Messages.Draft draft(String instanceId, String to, String body) throws Exception {
    return w.messages().draft(ORG, text(instanceId, to, body), false);
  }

  /** Holds the committer on a lock until the returned connection commits; its message is sent. */
  private Connection holdCommitter(List<CompletableFuture<Messages.Accepted>> sent) throws Exception {
    Connection lock = db.getConnection();
    lock.setAutoCommit(false);
    try (PreparedStatement ps = lock.prepareStatement("SELECT 1 FROM courier_instance WHERE id = ? FOR UPDATE")) {
      ps.setString(1, blockerInstance.id());
      ps.executeQuery().close();
    }
    sent.add(sendAsync(draft(blockerInstance.id(), "+5511999990000", "blocker"), null));
    awaitWaitingLocks(1);
    return lock;
  }

  private void awaitWaitingLocks(int n) {
    await().atMost(Duration.ofSeconds(10))
        .until(() -> scalar("SELECT count(*) FROM pg_locks WHERE NOT granted") >= n);
  }

  private void awaitPending(int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> w.messages().groupCommitter().pending() == n);
  }

  private static Throwable failure(CompletableFuture<?> f) throws InterruptedException {
    try {
      f.get(20, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer", e);
    }
  }

  @Test
  void aBatchWhoseTransactionFailsOnOneItemLosesNoneOfTheOthers() throws Exception {
    node(new Messages.GroupCommit(true, 256, 1));
    Messages.Draft taken = draft(main.id(), "+5511999990009", "same");
    // A concurrent sender holds idempotency key "k-1", not yet committed.
    Connection other = db.getConnection();
    other.setAutoCommit(false);
    List<Messages.Accepted> theirs = w.messages().insertMany(other, ORG, List.of(taken), List.of("k-1"), w.messages().afterCommit());
    List<CompletableFuture<Messages.Accepted>> blocker = new ArrayList<>();
    Connection lock = holdCommitter(blocker);

    CompletableFuture<Messages.Accepted> good1 = sendAsync(draft(main.id(), "+5511999990001", "one"), null);
    awaitPending(1);
    CompletableFuture<Messages.Accepted> duplicate = sendAsync(draft(main.id(), "+5511999990009", "same"), "k-1");
    awaitPending(2);
    CompletableFuture<Messages.Accepted> good2 = sendAsync(draft(main.id(), "+5511999990002", "two"), "k-2");
    awaitPending(3);
    lock.commit();
    lock.close();
    assertThat(blocker.get(0).get(20, TimeUnit.SECONDS).message().status()).isEqualTo(MessageStatus.QUEUED);
    // The batch [one, same, two] now waits on the concurrent sender's key; it commits: the batch fails.
    awaitWaitingLocks(1);
    other.commit();
    other.close();

    Messages.Accepted one = good1.get(20, TimeUnit.SECONDS);
    Messages.Accepted two = good2.get(20, TimeUnit.SECONDS);
    Messages.Accepted same = duplicate.get(20, TimeUnit.SECONDS);
    assertThat(same.message().id()).isEqualTo(theirs.get(0).message().id());
    assertThat(same.replayed()).isTrue();
    assertThat(one.replayed()).isFalse();
    assertThat(two.replayed()).isFalse();
    assertThat(message(w, one.message().id()).status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(message(w, two.message().id()).idempotencyKey()).isEqualTo("k-2");
    assertThat(one.queuePosition()).isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM courier_message")).isEqualTo(4);
    assertThat(scalar("SELECT count(*) FROM courier_job")).isEqualTo(4);
  }

  @Test
  void anItemWhoseInstanceWasDeletedFailsAloneInsideTheSharedTransaction() throws Exception {
    node(new Messages.GroupCommit(true, 256, 1));
    Instance gone = w.instances().create(ORG, json("{\"name\": \"gone\", \"provider\": \"simulator\"}"));
    Messages.Draft toGone = draft(gone.id(), "+5511999990003", "lost");
    w.instances().delete(ORG, gone.id(), false);
    List<CompletableFuture<Messages.Accepted>> blocker = new ArrayList<>();
    Connection lock = holdCommitter(blocker);

    CompletableFuture<Messages.Accepted> good1 = sendAsync(draft(main.id(), "+5511999990001", "one"), null);
    CompletableFuture<Messages.Accepted> bad = sendAsync(toGone, null);
    CompletableFuture<Messages.Accepted> good2 = sendAsync(draft(main.id(), "+5511999990001", "two"), null);
    awaitPending(3);
    lock.commit();
    lock.close();

    assertThat(failure(bad)).isInstanceOf(InvalidRequestException.class)
        .extracting(e -> ((InvalidRequestException) e).errors())
        .isEqualTo(List.of(new FieldError("instanceId", "no instance " + gone.id() + " in this organization")));
    Messages.Accepted one = good1.get(20, TimeUnit.SECONDS);
    Messages.Accepted two = good2.get(20, TimeUnit.SECONDS);
    // Same chat: positions 1 and 2 in the order they were queued (either may be first).
    assertThat(Set.of(one.queuePosition(), two.queuePosition())).containsExactlyInAnyOrder(1, 2);
    assertThat(one.message().seq() < two.message().seq()).isEqualTo(one.queuePosition() < two.queuePosition());
    assertThat(scalar("SELECT count(*) FROM courier_message")).isEqualTo(3);
    assertThat(scalar("SELECT count(*) FROM courier_message WHERE instance_id = ?", gone.id())).isZero();
  }

  @Test
  void oneIdempotencyKeyTwiceInOneBatchStoresOneMessageAndAnotherBodyConflicts() throws Exception {
    node(new Messages.GroupCommit(true, 256, 1));
    List<CompletableFuture<Messages.Accepted>> blocker = new ArrayList<>();
    Connection lock = holdCommitter(blocker);
    CompletableFuture<Messages.Accepted> first = sendAsync(draft(main.id(), "+5511999990001", "hello"), "dup");
    awaitPending(1);
    CompletableFuture<Messages.Accepted> second = sendAsync(draft(main.id(), "+5511999990001", "hello"), "dup");
    awaitPending(2);
    CompletableFuture<Messages.Accepted> other = sendAsync(draft(main.id(), "+5511999990001", "bye"), "dup");
    awaitPending(3);
    lock.commit();
    lock.close();

    Messages.Accepted a = first.get(20, TimeUnit.SECONDS);
    Messages.Accepted b = second.get(20, TimeUnit.SECONDS);
    assertThat(b.message().id()).isEqualTo(a.message().id());
    assertThat(a.replayed()).isFalse();
    assertThat(b.replayed()).isTrue();
    assertThat(b.queuePosition()).isEqualTo(a.queuePosition());
    assertThat(failure(other)).isInstanceOf(ConflictException.class)
        .hasMessageContaining(a.message().id())
        .extracting(e -> ((ConflictException) e).kind()).isEqualTo(ConflictException.Kind.IDEMPOTENCY_MISMATCH);
    assertThat(scalar("SELECT count(*) FROM courier_message WHERE idempotency_key = 'dup'")).isEqualTo(1);
    // Replayed later, alone: the same message.
    assertThat(w.messages().accept(ORG, draft(main.id(), "+5511999990001", "hello"), "dup").message().id())
        .isEqualTo(a.message().id());
  }

  @Test
  void fiftyConcurrentDuplicatesStoreOneMessageWithGroupCommitOnAndOff() throws Exception {
    for (boolean on : new boolean[] {true, false}) {
      node(new Messages.GroupCommit(on, 256, 2));
      Messages.Draft d = draft(main.id(), "+5511999990001", "once");
      String key = "fifty-" + on;
      List<Future<Messages.Accepted>> answers = new ArrayList<>();
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int n = 0; n < 50; n++) {
          answers.add(pool.submit(() -> w.messages().accept(ORG, d, key)));
        }
      }
      Set<String> ids = new HashSet<>();
      int fresh = 0;
      for (Future<Messages.Accepted> f : answers) {
        Messages.Accepted a = f.get();
        ids.add(a.message().id());
        fresh += a.replayed() ? 0 : 1;
      }
      assertThat(ids).as("group commit " + on).hasSize(1);
      assertThat(fresh).isEqualTo(1);
      assertThat(scalar("SELECT count(*) FROM courier_message WHERE idempotency_key = ?", key)).isEqualTo(1);
    }
  }

  @Test
  void concurrentSendersOfManyChatsKeepEachChatsOrderWithGroupCommitOnAndOff() throws Exception {
    for (boolean on : new boolean[] {true, false}) {
      node(new Messages.GroupCommit(on, 256, 2));
      int threads = 32;
      int total = 200;
      AtomicInteger next = new AtomicInteger();
      List<List<Messages.Accepted>> perChat = new ArrayList<>();
      List<Future<?>> done = new ArrayList<>();
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int t = 0; t < threads; t++) {
          List<Messages.Accepted> mine = new ArrayList<>();
          perChat.add(mine);
          String to = "+55119999%05d".formatted(t + (on ? 0 : 100));
          done.add(pool.submit(() -> {
            // One sender per chat, each message after the previous one's answer.
            while (next.getAndIncrement() < total) {
              mine.add(w.messages().accept(ORG, draft(main.id(), to, "m" + mine.size()), null));
            }
            return null;
          }));
        }
      }
      for (Future<?> f : done) {
        f.get();
      }
      assertThat(perChat.stream().mapToInt(List::size).sum()).isEqualTo(total);
      for (List<Messages.Accepted> chat : perChat) {
        for (int k = 0; k < chat.size(); k++) {
          Messages.Accepted a = chat.get(k);
          assertThat(a.queuePosition()).as("group commit " + on).isEqualTo(k + 1);
          assertThat(a.message().content().path("body").asText()).isEqualTo("m" + k);
          if (k > 0) {
            assertThat(a.message().seq()).isGreaterThan(chat.get(k - 1).message().seq());
            assertThat(a.message().jobId()).isGreaterThan(chat.get(k - 1).message().jobId());
          }
          assertThat(w.messages().view(message(w, a.message().id())).get("queuePosition").asInt()).isEqualTo(k + 1);
        }
      }
      assertThat(scalar("SELECT count(*) FROM courier_message WHERE instance_id = ?", main.id())).isEqualTo(total);
    }
  }

  @Test
  void aSharedTransactionThatLosesItsConnectionFailsItsCallersWithTheSqlErrorAndStoresNothing() throws Exception {
    node(new Messages.GroupCommit(true, 256, 1));
    List<CompletableFuture<Messages.Accepted>> blocked = new ArrayList<>();
    Connection lock = holdCommitter(blocked);
    // The committer's connection dies while its transaction waits (as when the database goes away).
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()")) {
      ps.executeQuery().close();
    }
    assertThat(failure(blocked.get(0))).isInstanceOf(java.sql.SQLException.class);
    lock.commit();
    lock.close();
    assertThat(scalar("SELECT count(*) FROM courier_message")).isZero();
    // The committer goes on with the next request.
    assertThat(w.messages().accept(ORG, draft(main.id(), "+5511999990001", "after"), null).message().status())
        .isEqualTo(MessageStatus.QUEUED);
  }
}
