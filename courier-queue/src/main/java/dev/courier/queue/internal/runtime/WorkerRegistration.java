package dev.courier.queue.internal.runtime;

import dev.courier.queue.Worker;
import dev.courier.queue.WorkerOptions;

/** A worker with the type of its arguments and how its jobs run. */
public record WorkerRegistration<A>(
    String kind, Class<A> argsType, Worker<A> worker, WorkerOptions options) {}
