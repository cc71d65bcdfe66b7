package dev.courier.queue.internal.runtime;

import java.time.Duration;

/**
 * The engine's tunables, validated by the public builder.
 *
 * @param pollInterval fallback fetch interval when no notification arrives
 * @param leaseDuration how long a claim is valid without renewal
 * @param leaseRenewInterval how often a node renews its leases
 * @param leaderTtl how long an elected leader stays leader without renewing
 * @param promoteInterval the longest a due scheduled job waits for the promoter
 * @param rescueInterval how often the leader looks for expired leases
 * @param cleanInterval how often the leader deletes old finalized jobs
 * @param completedRetention how long completed jobs are kept
 * @param cancelledRetention how long cancelled jobs are kept
 * @param discardedRetention how long discarded jobs are kept
 * @param completionBatch the most completions written in one statement
 */
public record EngineSettings(
    Duration pollInterval,
    Duration leaseDuration,
    Duration leaseRenewInterval,
    Duration leaderTtl,
    Duration promoteInterval,
    Duration rescueInterval,
    Duration cleanInterval,
    Duration completedRetention,
    Duration cancelledRetention,
    Duration discardedRetention,
    int completionBatch) {}
