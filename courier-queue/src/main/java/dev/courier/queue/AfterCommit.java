package dev.courier.queue;

import java.util.ArrayList;
import java.util.List;

/**
 * What a caller's transaction owes the engine once it committed: the wake-ups of the jobs it
 * enqueued with {@link CourierQueue#enqueueMany(java.sql.Connection, List, AfterCommit)}. Get one
 * from {@link CourierQueue#afterCommit()}, pass it to every enqueue of the transaction, commit,
 * then {@link #run()} it. After a rollback, drop it: running it would only wake workers for
 * nothing.
 */
public final class AfterCommit {
  private final List<Runnable> actions = new ArrayList<>();

  AfterCommit() {}

  synchronized void add(Runnable action) {
    actions.add(action);
  }

  /**
   * Wakes the workers of every job enqueued with this object, on this node at once and on the
   * others through one notification; runs each wake-up once however often it is called.
   */
  public void run() {
    List<Runnable> due;
    synchronized (this) {
      due = List.copyOf(actions);
      actions.clear();
    }
    due.forEach(Runnable::run);
  }
}
